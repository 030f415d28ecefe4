import { UsageError } from '../../errors.js';
import type { ReportFormat } from '../../report/render.js';
import {
  defaultStateFile,
  FILE_OPTION,
  flag,
  LOCK_OPTION,
  MAX_SIZE_OPTION,
  maxBytes,
  NOW_OPTION,
  stringOption,
  useColor,
  useProgress,
  values,
  writeOptions,
} from '../common.js';
import { CI_FORMATS, type CiFormat } from '../formats/index.js';
import type { CommandSpec, Invocation } from '../framework/types.js';
import type { CliIO } from '../io.js';
import { migrateCommand } from '../migrate.js';

/** `--max-bytes` as a number (migrateCommand checks its range and its format). */
function reportBytes(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text.trim())) {
    throw new UsageError(
      `--max-bytes ${JSON.stringify(text)} is not a number of bytes; write e.g. 65536, or 0 for no limit`,
    );
  }
  return Number(text);
}

/** The files named: --file first, then the positionals. */
function filesOf(args: Invocation): string[] {
  return [...values(args, 'file'), ...values(args, 'files')];
}

/** `migrate [FILE]`: migrates a state file to the newest format; `--check FILES...` for CI. */
export const command: CommandSpec = {
  name: 'migrate',
  summary: 'Migrate a state file to the newest format (review with --dry-run first)',
  positionals: [
    {
      name: 'files',
      variadic: true,
      describe:
        'the state file (default: $DEPLOYMENT_STATE_FILE, else state/deployment-state.yaml); several with --check',
      complete: 'file',
    },
  ],
  options: {
    ...FILE_OPTION,
    'dry-run': { type: 'boolean', describe: 'print the report and the diff; write nothing' },
    auto: {
      type: 'boolean',
      describe: 'for deployer scripts: silent when there is nothing to do, one line when it migrates',
    },
    check: { type: 'boolean', describe: 'exit 1 when a migration is needed, 0 when current' },
    report: {
      type: 'string',
      value: 'FILE',
      describe: 'also write the report to this file',
      complete: 'file',
    },
    format: {
      type: 'string',
      value: 'FORMAT',
      choices: ['text', 'json', 'markdown', ...CI_FORMATS],
      default: 'text',
      describe: 'report format; github, sarif and junit go with --check (for CI)',
    },
    diff: {
      type: 'boolean',
      negatable: true,
      describe:
        'include the diff in the report (default: on for --dry-run and --report; --no-diff leaves it out)',
    },
    'max-bytes': {
      type: 'string',
      value: 'N',
      describe:
        "--format markdown: fit the report in N bytes (default 65536, GitHub's comment limit; 0: no limit)",
    },
    ...NOW_OPTION,
    ...LOCK_OPTION,
    ...MAX_SIZE_OPTION,
  },
  conflicts: [
    ['dry-run', 'auto'],
    ['dry-run', 'check'],
    ['auto', 'check'],
  ],
  check(args) {
    if (filesOf(args).length > 1 && !flag(args, 'check')) {
      throw new UsageError('migrate takes one file; only migrate --check takes several');
    }
  },
  examples: [
    ['migrate --dry-run', 'review what would change in state/deployment-state.yaml'],
    ['migrate', 'migrate it, keeping the original in old_deployments/'],
    ['migrate --auto', 'first line of every deployer script'],
    ['migrate --check state/*.yaml', 'exit 1 when a file still needs migrating (CI, hooks)'],
    ['migrate --check --format github state/*.yaml', 'the same, as GitHub annotations'],
    ['migrate --dry-run --format markdown --report migration.md', 'a report for a pull request'],
  ],
  handler(args: Invocation, io: CliIO) {
    const named = filesOf(args);
    const files = named.length > 0 ? named : [defaultStateFile(io)];
    return migrateCommand(
      {
        file: files[0] ?? defaultStateFile(io),
        files,
        dryRun: flag(args, 'dry-run'),
        auto: flag(args, 'auto'),
        check: flag(args, 'check'),
        report: stringOption(args, 'report'),
        format: stringOption(args, 'format') as ReportFormat | CiFormat,
        quiet: args.global.quiet,
        progress: useProgress(io),
        diff: args.given.has('diff') ? args.options.diff === true : undefined,
        maxReportBytes: reportBytes(stringOption(args, 'max-bytes')),
        ...writeOptions(args, io),
        maxBytes: maxBytes(args),
        color: useColor(args, io),
      },
      io,
    );
  },
};
