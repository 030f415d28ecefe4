import yargs, { type Argv } from 'yargs';
import { ExitCode, formatStateError, StateError, UsageError } from '../errors.js';
import { DEFAULT_MAX_BYTES, parseSize } from '../read/read-file.js';
import type { ReportFormat } from '../report/render.js';
import { TOOL_VERSION } from '../version.js';
import type { CliIO } from './io.js';
import { migrateCommand, rollbackCommand } from './migrate.js';
import { type StateCommandContext, stateCommand } from './state.js';
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
    .command('run <action>', 'Start or complete a deployment run', (y) =>
      stateOptions(y)
        .positional('action', { describe: 'what to do', choices: ['start', 'complete'] })
        .option('kof', { describe: 'run start: enable KOF (true|false)', type: 'string' })
        .option('azure-children', {
          describe: 'run start: enable Azure child clusters (true|false)',
          type: 'string',
        })
        .option('resume', { describe: 'run start: keep phases an earlier run completed', type: 'boolean' })
        .option('outcome', {
          describe: 'run complete: how the run ended',
          choices: ['success', 'failed', 'interrupted'],
        })
        .option('error-phase', { describe: 'run complete: the phase that failed', type: 'string' })
        .option('error-message', { describe: 'run complete: what went wrong', type: 'string' })
        .option('exit-code', { describe: 'run complete: exit code of the failing script', type: 'string' })
        .check((argv) => {
          if (argv.action === 'complete' && argv.outcome === undefined)
            throw new Error('run complete needs --outcome');
          return true;
        })
        .example('$0 run start --kof false', 'prints the new run id')
        .example('$0 run start --resume', 'keep phases completed by the interrupted run')
        .example(
          '$0 run complete --outcome failed --error-phase install_k0s --exit-code 1',
          'record a failure',
        ),
    )
    .command('phase <action> <name> [status]', 'Query or set a phase of the current run', (y) =>
      stateOptions(y)
        .positional('action', {
          describe: 'what to do',
          choices: ['applicable', 'status', 'needs-run', 'set', 'reset-from'],
        })
        .positional('name', { describe: 'phase name, e.g. install_k0s', type: 'string' })
        .positional('status', {
          describe: 'phase set: pending|in_progress|completed|skipped',
          type: 'string',
        })
        .option('reason', { describe: 'phase set skipped: why', type: 'string' })
        .check((argv) => {
          if (argv.action === 'set' && argv.status === undefined) throw new Error('phase set needs a status');
          return true;
        })
        .example('$0 phase applicable install_kof_mothership', 'exit 0 when it applies, 1 when not')
        .example('$0 phase set install_k0s completed', 'mark a phase done')
        .example('$0 phase reset-from install_k0s', 'redo install_k0s and everything after it'),
    )
    .command('runtime <action> <key> <value>', 'Set a runtime value (update_runtime_state)', (y) =>
      stateOptions(y)
        .positional('action', { choices: ['set'] })
        .positional('key', { describe: 'dotted path in the runtime layer', type: 'string' })
        .positional('value', {
          describe: 'true/false, an integer, text, or JSON with --json',
          type: 'string',
        })
        .option('json', { describe: 'the value is JSON', type: 'boolean' })
        .example('$0 runtime set wireguard_config.vpn_connected true', ''),
    )
    .command('infra <action> [key] [value]', 'Sync or set the Terraform output cache', (y) =>
      stateOptions(y)
        .positional('action', { choices: ['sync', 'set'] })
        .positional('key', { describe: 'infra set: output name (dotted)', type: 'string' })
        .positional('value', { describe: 'infra set: the value as JSON', type: 'string' })
        .option('outputs', {
          nargs: 1,
          describe: 'infra sync: JSON of terraform output -json (- for stdin)',
          type: 'string',
        })
        .option('tfstate', {
          describe: 'infra sync: a local Terraform state file (format 4)',
          type: 'string',
        })
        .option('terraform-dir', {
          describe: 'infra sync: a Terraform working folder (reads its backend)',
          type: 'string',
        })
        .option('include-sensitive', {
          describe: 'infra sync: also store the values of sensitive outputs',
          type: 'boolean',
        })
        .option('force', {
          describe: 'infra sync: accept a state with another lineage or an older serial',
          type: 'boolean',
        })
        .check((argv) => {
          if (argv.action === 'set' && (argv.key === undefined || argv.value === undefined)) {
            throw new Error('infra set needs KEY and JSON');
          }
          return true;
        })
        .example('terraform output -json | $0 infra sync --outputs - --terraform-dir terraform/', '')
        .example('$0 infra set resource_group_name \'"rg-1"\'', ''),
    )
    .command('get <key>', 'Print a value: runtime layer first, then the Terraform cache', (y) =>
      stateOptions(y)
        .positional('key', { describe: 'dotted path or v1 key name', type: 'string' })
        .option('max-age', {
          describe: 'warn when the cache is older (e.g. 15m, 1h)',
          type: 'string',
          default: '1h',
        })
        .option('require-fresh', {
          describe: 'fail instead of warning on an old or stale cache',
          type: 'boolean',
        })
        .example('$0 get wireguard_config.vpn_connected', '')
        .option('default', { describe: 'print this and exit 0 when the key is not there', type: 'string' })
        .example('$0 get resource_group_name --require-fresh', ''),
    )
    .command(
      'vm <action> <name> [field]',
      'VM facts from the cache, runtime checks, or mark a check done',
      (y) =>
        stateOptions(y)
          .positional('action', { choices: ['info', 'runtime', 'mark'] })
          .positional('name', { describe: 'VM name', type: 'string' })
          .positional('field', {
            describe: 'field to print; for mark: ssh-verified|cloud-init-complete',
            type: 'string',
          })
          .option('max-age', {
            describe: 'vm info: warn when the cache is older',
            type: 'string',
            default: '1h',
          })
          .example('$0 vm info k0rdent-abc-controller public_ip', '')
          .example('$0 vm mark k0rdent-abc-controller ssh-verified', ''),
    )
    .command('history', 'List deployment runs', (y) =>
      stateOptions(y).option('json', { describe: 'JSON instead of a table', type: 'boolean' }),
    )
    .command(
      'show-run <run-id>',
      'Show one run: flags, config, phase timeline, Terraform reference, error',
      (y) => stateOptions(y).positional('run-id', { type: 'string' }),
    )
    .command('compare-runs <a> <b>', 'Show what changed between two runs', (y) =>
      stateOptions(y).positional('a', { type: 'string' }).positional('b', { type: 'string' }),
    )
    .command('update <key> <value>', false, (y) =>
      stateOptions(y).positional('key', { type: 'string' }).positional('value', { type: 'string' }),
    )
    .demandCommand(1, 'name a command')
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
    case 'run':
    case 'phase':
    case 'runtime':
    case 'infra':
    case 'vm':
      return stateCommand(command, String(args.action), args, stateContext(args, io), io);
    case 'get':
    case 'history':
    case 'show-run':
    case 'compare-runs':
    case 'update':
      return stateCommand(command, undefined, args, stateContext(args, io), io);
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}; see: k0rdent-state --help`);
  }
}

function stateOptions<T>(y: Argv<T>) {
  return y
    .option('file', {
      alias: 'f',
      describe: 'the state file (default: $DEPLOYMENT_STATE_FILE or state/deployment-state.yaml)',
      type: 'string',
    })
    .option('now', { describe: 'pin the clock (RFC 3339), also K0RDENT_STATE_NOW', type: 'string' })
    .option('lock-timeout', { describe: 'seconds to wait for another writer', type: 'number', default: 30 })
    .option('max-size', { describe: 'refuse state files larger than this (e.g. 16MiB)', type: 'string' });
}

function stateContext(args: Record<string, unknown>, io: CliIO): StateCommandContext {
  return {
    file: (args.file as string | undefined) ?? io.env.DEPLOYMENT_STATE_FILE ?? DEFAULT_FILE,
    now: clock(args.now, io),
    lockTimeoutMs: lockTimeout(args.lockTimeout),
    maxBytes: sizeOption(args.maxSize),
  };
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
