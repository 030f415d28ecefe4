import yargs, { type Argv } from 'yargs';
import { ExitCode, formatStateError, StateError, UsageError } from '../errors.js';
import { DEFAULT_MAX_BYTES, parseSize } from '../read/read-file.js';
import type { ReportFormat } from '../report/render.js';
import { TOOL_VERSION } from '../version.js';
import type { CliIO } from './io.js';
import { migrateCommand, rollbackCommand } from './migrate.js';
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
    .command(
      'migrate [file]',
      'Migrate a state file to the newest format (review with --dry-run first)',
      (y) =>
        y
          .positional('file', { describe: 'the state file', type: 'string', default: DEFAULT_FILE })
          .option('dry-run', { describe: 'print the report and the diff; write nothing', type: 'boolean' })
          .option('auto', {
            describe: 'for deployer scripts: silent when there is nothing to do, one line when it migrates',
            type: 'boolean',
          })
          .option('check', { describe: 'exit 1 when a migration is needed, 0 when current', type: 'boolean' })
          .option('report', { describe: 'also write the report to this file', type: 'string' })
          .option('format', {
            describe: 'report format',
            choices: ['text', 'json', 'markdown'],
            default: 'text',
          })
          .option('diff', {
            describe: 'include the diff in the report (default: on for --dry-run)',
            type: 'boolean',
          })
          .option('now', { describe: 'pin the clock (RFC 3339), also K0RDENT_STATE_NOW', type: 'string' })
          .option('lock-timeout', {
            describe: 'seconds to wait for another writer',
            type: 'number',
            default: 30,
          })
          .option('max-size', { describe: 'refuse files larger than this (e.g. 16MiB)', type: 'string' })
          .option('color', {
            describe: 'colour the report (only on a terminal; NO_COLOR disables)',
            type: 'boolean',
            default: true,
          })
          .conflicts('dry-run', ['auto', 'check'])
          .conflicts('auto', 'check')
          .example('$0 migrate --dry-run', 'review what would change in state/deployment-state.yaml')
          .example('$0 migrate', 'migrate it, keeping the original in old_deployments/')
          .example('$0 migrate --auto', 'first line of every deployer script')
          .example(
            '$0 migrate --dry-run --format markdown --report migration.md',
            'a report for a pull request',
          ),
    )
    .command('rollback [file]', 'Restore the newest verified migration backup of a state file', (y) =>
      y
        .positional('file', { describe: 'the state file', type: 'string', default: DEFAULT_FILE })
        .option('dry-run', { describe: 'say what would be restored; change nothing', type: 'boolean' })
        .option('now', { describe: 'pin the clock (RFC 3339), also K0RDENT_STATE_NOW', type: 'string' })
        .option('lock-timeout', {
          describe: 'seconds to wait for another writer',
          type: 'number',
          default: 30,
        })
        .example('$0 rollback --dry-run', 'show which backup would be restored'),
    )
    .demandCommand(1, 'name a command: validate, migrate or rollback')
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
    case 'migrate':
      return migrateCommand(
        {
          file: args.file as string,
          dryRun: args.dryRun === true,
          auto: args.auto === true,
          check: args.check === true,
          report: args.report as string | undefined,
          format: args.format as ReportFormat,
          diff: args.diff as boolean | undefined,
          now: clock(args.now, io),
          lockTimeoutMs: lockTimeout(args.lockTimeout),
          maxBytes: sizeOption(args.maxSize),
          color: args.color !== false && io.isTTY === true && !io.env.NO_COLOR,
        },
        io,
      );
    case 'rollback':
      return rollbackCommand(
        {
          file: args.file as string,
          dryRun: args.dryRun === true,
          now: clock(args.now, io),
          lockTimeoutMs: lockTimeout(args.lockTimeout),
        },
        io,
      );
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}; see: k0rdent-state --help`);
  }
}

function clock(value: unknown, io: CliIO): Date {
  const text = value === undefined ? io.env.K0RDENT_STATE_NOW : String(value);
  if (text === undefined || text === '') return new Date();
  const date = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(date.getTime())) {
    throw new UsageError(
      `--now / K0RDENT_STATE_NOW ${JSON.stringify(text)} is not an RFC 3339 time; write e.g. 2026-01-01T00:00:00Z`,
    );
  }
  return date;
}

function lockTimeout(value: unknown): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new UsageError(`--lock-timeout ${JSON.stringify(value)} is not a number of seconds; write e.g. 30`);
  }
  return seconds * 1000;
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
