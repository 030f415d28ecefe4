import yargs, { type Argv } from 'yargs';
import { ExitCode, formatStateError, StateError, UsageError } from '../errors.js';
import { DEFAULT_MAX_BYTES, parseSize } from '../read/read-file.js';
import { TOOL_VERSION } from '../version.js';
import type { CliIO } from './io.js';
import { validateCommand } from './validate.js';

const DEFAULT_FILE = 'state/deployment-state.yaml';

function parser(io: CliIO): Argv {
  return yargs()
    .scriptName('k0rdent-state')
    .usage('$0 <command> [options]\n\nOwns the k0rdent deployer state file (state/deployment-state.yaml).')
    .command('validate [files..]', 'Check state files against their schema and the v2 invariants', (y) =>
      y
        .positional('files', {
          describe: 'state files to check',
          type: 'string',
          array: true,
          default: [DEFAULT_FILE],
        })
        .option('schema', {
          describe: 'check against this version instead of the detected one',
          choices: ['v1', 'v2'],
        })
        .option('require-latest', {
          describe: 'report a file that is not the latest format as an error',
          type: 'boolean',
        })
        .option('strict', { describe: 'treat warnings as errors', type: 'boolean' })
        .option('format', { describe: 'output format', choices: ['text', 'json'], default: 'text' })
        .option('max-size', { describe: 'refuse files larger than this (e.g. 16MiB, 512k)', type: 'string' })
        .example('$0 validate', 'check state/deployment-state.yaml')
        .example('$0 validate --require-latest state/*.yaml', 'also fail on files still in format v1')
        .example('$0 validate --format json fixtures/v2/*.yaml', 'machine-readable output'),
    )
    .demandCommand(1, 'name a command: validate')
    .strict()
    .help()
    .alias('h', 'help')
    .version(TOOL_VERSION)
    .wrap(Math.min(110, io.columns ?? 80))
    .exitProcess(false);
}

/**
 * Runs the k0rdent-state command line with `argv` (without the node and script names) and
 * returns the exit code. Everything it prints goes through `io`; it never exits the process.
 */
export async function run(argv: readonly string[], io: CliIO): Promise<number> {
  let parsed: Record<string, unknown>;
  try {
    const outcome = await new Promise<{ args: Record<string, unknown>; output: string; error: Error | null }>(
      (resolve) => {
        parser(io).parse([...argv], {}, (error, args, output) => {
          resolve({ args: args as Record<string, unknown>, output, error: error ?? null });
        });
      },
    );
    if (outcome.error) {
      throw new UsageError(`${outcome.error.message}; see: k0rdent-state --help`);
    }
    if (outcome.output) {
      io.stdout(`${outcome.output}\n`);
      return ExitCode.ok;
    }
    parsed = outcome.args;
  } catch (error) {
    return report(error, io);
  }
  try {
    return await dispatch(parsed, io);
  } catch (error) {
    return report(error, io);
  }
}

async function dispatch(args: Record<string, unknown>, io: CliIO): Promise<number> {
  const command = (args._ as string[])[0];
  switch (command) {
    case 'validate':
      return validateCommand(
        {
          files: args.files as string[],
          schema: args.schema as 'v1' | 'v2' | undefined,
          requireLatest: args.requireLatest === true,
          strict: args.strict === true,
          format: args.format as 'text' | 'json',
          maxBytes: sizeOption(args.maxSize),
        },
        io,
      );
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}; see: k0rdent-state --help`);
  }
}

function sizeOption(value: unknown): number {
  if (value === undefined) return DEFAULT_MAX_BYTES;
  const bytes = parseSize(String(value));
  if (bytes === undefined || bytes <= 0) {
    throw new UsageError(
      `--max-size ${JSON.stringify(value)} is not a size; write e.g. 16MiB, 512k or 1048576`,
    );
  }
  return bytes;
}

function report(error: unknown, io: CliIO): number {
  if (error instanceof StateError) {
    io.stderr(`${formatStateError(error)}\n`);
    return error.exitCode;
  }
  throw error;
}
