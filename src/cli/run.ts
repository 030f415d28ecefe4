import yargs, { type Argv } from 'yargs';
import { ExitCode, formatStateError, StateError, UsageError } from '../errors.js';
import { DEFAULT_MAX_BYTES, parseSize } from '../read/read-file.js';
import type { ReportFormat } from '../report/render.js';
import { TOOL_VERSION } from '../version.js';
import { CI_FORMATS, type CiFormat } from './formats/index.js';
import type { CliIO } from './io.js';
import { migrateCommand, rollbackCommand } from './migrate.js';
import { schemaCommand } from './schema.js';
import { type StateCommandContext, stateCommand } from './state.js';
import { type ValidateFormat, validateCommand } from './validate.js';

const DEFAULT_FILE = 'state/deployment-state.yaml';

function parser(io: CliIO): Argv {
  return yargs()
    .scriptName('k0rdent-state')
    .usage('$0 <command> [options]\n\nOwns the k0rdent deployer state file (state/deployment-state.yaml).')
    .option('quiet', {
      alias: 'q',
      describe: 'print only errors (and the answer of a query)',
      type: 'boolean',
      global: true,
    })
    .option('verbose', {
      describe: 'say more: one line per file for validate, timings',
      type: 'boolean',
      global: true,
    })
    .option('color', {
      describe: 'colour the output (only on a terminal; NO_COLOR or --no-color turn it off)',
      type: 'boolean',
      default: true,
      global: true,
    })
    .conflicts('quiet', 'verbose')
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
        .option('format', {
          describe: 'output format: text, json, or for CI github (annotations), sarif (code scanning), junit',
          choices: ['text', 'json', ...CI_FORMATS],
          default: 'text',
        })
        .option('max-size', { describe: 'refuse files larger than this (e.g. 16MiB, 512k)', type: 'string' })
        .example('$0 validate', 'check state/deployment-state.yaml')
        .example('$0 validate --require-latest state/*.yaml', 'also fail on files still in format v1')
        .example('$0 validate --format json fixtures/v2/*.yaml', 'machine-readable output')
        .example('$0 validate --format github', 'annotations in a GitHub Actions job')
        .example('$0 validate --format sarif > state.sarif', 'for code scanning (upload-sarif)')
        .example('$0 validate --verbose state/*.yaml', 'one line per file, with timings'),
    )
    .command(
      'migrate [file] [more..]',
      'Migrate a state file to the newest format (review with --dry-run first)',
      (y) =>
        y
          .positional('file', { describe: 'the state file', type: 'string', default: DEFAULT_FILE })
          .positional('more', { describe: 'more files, with --check only', type: 'string', array: true })
          .option('dry-run', { describe: 'print the report and the diff; write nothing', type: 'boolean' })
          .option('auto', {
            describe: 'for deployer scripts: silent when there is nothing to do, one line when it migrates',
            type: 'boolean',
          })
          .option('check', { describe: 'exit 1 when a migration is needed, 0 when current', type: 'boolean' })
          .option('report', { describe: 'also write the report to this file', type: 'string' })
          .option('format', {
            describe: 'report format; with --check also github, sarif, junit (for CI)',
            choices: ['text', 'json', 'markdown', ...CI_FORMATS],
            default: 'text',
          })
          .option('diff', {
            describe: 'include the diff in the report (default: on for --dry-run)',
            type: 'boolean',
          })
          .option('max-bytes', {
            describe:
              "--format markdown: fit the report in N bytes (default 65536, GitHub's comment limit; 0: no limit)",
            type: 'number',
          })
          .option('now', { describe: 'pin the clock (RFC 3339), also K0RDENT_STATE_NOW', type: 'string' })
          .option('lock-timeout', {
            describe: 'seconds to wait for another writer',
            type: 'number',
            default: 30,
          })
          .option('max-size', { describe: 'refuse files larger than this (e.g. 16MiB)', type: 'string' })
          .conflicts('dry-run', ['auto', 'check'])
          .conflicts('auto', 'check')
          .check((argv) => {
            const more = (argv.more as string[] | undefined) ?? [];
            if (more.length > 0 && argv.check !== true) {
              throw new Error('migrate takes one file; only migrate --check takes several');
            }
            return true;
          })
          .example('$0 migrate --dry-run', 'review what would change in state/deployment-state.yaml')
          .example('$0 migrate', 'migrate it, keeping the original in old_deployments/')
          .example('$0 migrate --auto', 'first line of every deployer script')
          .example('$0 migrate --check state/*.yaml', 'exit 1 when a file still needs migrating (CI, hooks)')
          .example('$0 migrate --check --format github state/*.yaml', 'the same, as GitHub annotations')
          .example(
            '$0 migrate --dry-run --format markdown --report migration.md',
            'a report for a pull request',
          ),
    )
    .command('rollback [file]', 'Restore the newest verified migration backup of a state file', (y) =>
      y
        .positional('file', { describe: 'the state file', type: 'string', default: DEFAULT_FILE })
        .option('dry-run', { describe: 'say what would be restored; change nothing', type: 'boolean' })
        .option('discard-later-runs', {
          describe: 'roll back even though runs, syncs or events were recorded after the migration',
          type: 'boolean',
        })
        .option('now', { describe: 'pin the clock (RFC 3339), also K0RDENT_STATE_NOW', type: 'string' })
        .option('lock-timeout', {
          describe: 'seconds to wait for another writer',
          type: 'number',
          default: 30,
        })
        .example(
          '$0 rollback --dry-run',
          'show which backup would be restored, and what it would leave behind',
        )
        .example('$0 rollback', 'restore it; the current file is archived first'),
    )
    .command('schema [schema-version]', 'Print the JSON Schema of a format version (for editors)', (y) =>
      y
        .positional('schema-version', {
          describe: 'v1, v2 or latest',
          type: 'string',
          default: 'latest',
        })
        .example('$0 schema v2 > deployment-state.v2.schema.json', 'for the yaml-language-server modeline')
        .example('$0 schema v1', 'the schema of the old, unversioned format'),
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
        .example('$0 runtime set wireguard_config.vpn_connected true', 'record that the VPN is up')
        .example('$0 runtime set k0rdent_install_state.namespace kcm-system', 'text value')
        .example('$0 runtime set k0s_cluster_state.kubeconfig_path ~/.kube/k0rdent.yaml', 'a path'),
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
        .example(
          'terraform output -json | $0 infra sync --outputs - --terraform-dir terraform/',
          'cache the outputs, recording the backend',
        )
        .example('$0 infra sync --terraform-dir terraform/', 'read the state file terraform init recorded')
        .example('$0 infra set resource_group_name \'"rg-1"\'', 'set one cached output (JSON)'),
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
        .option('default', { describe: 'print this and exit 0 when the key is not there', type: 'string' })
        .example('$0 get wireguard_config.vpn_connected', 'a runtime value')
        .example(
          '$0 get resource_group_name --require-fresh',
          'a Terraform output; fail when the cache is old',
        )
        .example('$0 get wg_vpn_connected --default false', 'a v1 key name works too'),
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
          .example('$0 vm info k0rdent-abc-controller public_ip', 'a VM fact from the Terraform cache')
          .example('$0 vm runtime k0rdent-abc-controller ssh_verified', 'a runtime check')
          .example('$0 vm mark k0rdent-abc-controller ssh-verified', 'record that SSH works'),
    )
    .command('history', 'List deployment runs', (y) =>
      stateOptions(y)
        .option('json', { describe: 'JSON instead of a table', type: 'boolean' })
        .example('$0 history', 'one line per run: id, outcome, times, flags')
        .example('$0 history --json', 'for scripts'),
    )
    .command(
      'show-run <run-id>',
      'Show one run: flags, config, phase timeline, Terraform reference, error',
      (y) =>
        stateOptions(y)
          .positional('run-id', { describe: 'a run id from history', type: 'string' })
          .example('$0 show-run 20251203T091244Z-3f9a1c', 'one run in detail'),
    )
    .command('compare-runs <a> <b>', 'Show what changed between two runs', (y) =>
      stateOptions(y)
        .positional('a', { describe: 'the earlier run id', type: 'string' })
        .positional('b', { describe: 'the later run id', type: 'string' })
        .example(
          '$0 compare-runs migrated-20251203T091244Z 20251204T100000Z-a1b2c3',
          'flags, config and phases that differ',
        ),
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
    if (outcome.error) throw usageError(outcome.error.message, argv);
    if (outcome.output) {
      io.stdout(`${outcome.output}\n`);
      return ExitCode.ok;
    }
    parsed = outcome.args;
  } catch (error) {
    return report(error, io);
  }
  const quiet = parsed.quiet === true;
  const verbose = parsed.verbose === true;
  const commandIO = quiet ? quietIO(io) : io;
  const started = performance.now();
  let code: number;
  try {
    code = await dispatch(parsed, commandIO);
  } catch (error) {
    code = report(error, commandIO);
  }
  const command = (parsed._ as string[])[0];
  if (verbose && command !== 'validate') {
    io.stderr(`k0rdent-state ${command}: exit ${code} after ${Math.round(performance.now() - started)} ms\n`);
  }
  return code;
}

/** The commands, for suggestions. */
const COMMANDS = [
  'validate',
  'migrate',
  'rollback',
  'schema',
  'run',
  'phase',
  'runtime',
  'infra',
  'get',
  'vm',
  'history',
  'show-run',
  'compare-runs',
];

/** Edit distance of two short words (for "did you mean"). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * A usage error that says how to fix it: the closest command for a mistyped one, else where the
 * options are listed.
 */
export function usageError(message: string, argv: readonly string[]): UsageError {
  const first = argv[0] ?? '';
  const unknown = /^Unknown arguments?: (.+)$/.exec(message.split('\n')[0] ?? '');
  if (unknown && first !== '' && !first.startsWith('-') && !COMMANDS.includes(first)) {
    const best = COMMANDS.map((command) => ({ command, d: distance(first, command) })).sort(
      (x, y) => x.d - y.d,
    )[0];
    const hint =
      best && best.d <= 2
        ? `did you mean k0rdent-state ${best.command}? (k0rdent-state --help lists the commands)`
        : 'see the commands: k0rdent-state --help';
    return new UsageError(`unknown command ${JSON.stringify(first)}; ${hint}`);
  }
  const command = COMMANDS.includes(first) ? ` ${first}` : '';
  return new UsageError(`${message}; see: k0rdent-state${command} --help`);
}

/** Matches a line the CLI prints for an error: `[FILE[:LINE:COL]: ]error: ...`. */
const ERROR_LINE = /(^|: )error: /;

/**
 * The IO of `--quiet`: standard error keeps only error lines (no warnings, notes, summaries,
 * progress); standard output, the answer of the command, is left to the command.
 */
export function quietIO(io: CliIO): CliIO {
  let pending = '';
  return {
    ...io,
    stderr(text: string) {
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      const kept = lines.filter((line) => ERROR_LINE.test(line));
      if (kept.length > 0) io.stderr(`${kept.join('\n')}\n`);
    },
  };
}

/** Colour is for terminals only, and never with NO_COLOR (any non-empty value) or --no-color. */
export function useColor(args: Record<string, unknown>, io: CliIO): boolean {
  return args.color !== false && io.isTTY === true && !io.env.NO_COLOR;
}

/** Progress lines go to standard error, only when it is a terminal. */
function useProgress(io: CliIO): boolean {
  return (io.stderrIsTTY ?? io.isTTY) === true;
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
          format: args.format as ValidateFormat,
          maxBytes: sizeOption(args.maxSize),
          quiet: args.quiet === true,
          verbose: args.verbose === true,
          color: useColor(args, io),
          progress: useProgress(io),
        },
        io,
      );
    case 'migrate':
      return migrateCommand(
        {
          file: args.file as string,
          files: [args.file as string, ...((args.more as string[] | undefined) ?? [])],
          dryRun: args.dryRun === true,
          auto: args.auto === true,
          check: args.check === true,
          report: args.report as string | undefined,
          format: args.format as ReportFormat | CiFormat,
          quiet: args.quiet === true,
          progress: useProgress(io),
          diff: args.diff as boolean | undefined,
          maxReportBytes: args.maxBytes as number | undefined,
          now: clock(args.now, io),
          lockTimeoutMs: lockTimeout(args.lockTimeout),
          maxBytes: sizeOption(args.maxSize),
          color: useColor(args, io),
        },
        io,
      );
    case 'rollback':
      return rollbackCommand(
        {
          file: args.file as string,
          dryRun: args.dryRun === true,
          discardLaterRuns: args.discardLaterRuns === true,
          now: clock(args.now, io),
          lockTimeoutMs: lockTimeout(args.lockTimeout),
          quiet: args.quiet === true,
        },
        io,
      );
    case 'schema':
      return schemaCommand({ version: args.schemaVersion as string | undefined }, io);
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
