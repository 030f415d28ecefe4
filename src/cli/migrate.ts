import { resolve } from 'node:path';
import { ExitCode, formatStateError, ReadError, StateError, UsageError } from '../errors.js';
import { migratedNotice, migrateFile } from '../migrate/apply.js';
import { MigrationError, needsMigration } from '../migrate/engine.js';
import { describeLeftBehind, rollbackFile } from '../migrate/rollback.js';
import { decodeStateBytes } from '../parse/decode.js';
import { detectVersion, parseState } from '../parse/parse.js';
import { readStateBytes } from '../read/read-file.js';
import { GITHUB_COMMENT_LIMIT, MIN_MARKDOWN_BYTES } from '../report/markdown.js';
import { type RenderOptions, type ReportFormat, renderReport } from '../report/render.js';
import { LATEST_VERSION } from '../version.js';
import { describeFsError, WriteError } from '../write/atomic.js';
import { refuseBackupFile } from '../write/backup.js';
import { checkReportPath, writeReportFile } from '../write/report.js';
import {
  type CheckRun,
  type CiFormat,
  type FileFindings,
  isCiFormat,
  renderCheckRun,
} from './formats/index.js';
import type { CliIO } from './io.js';
import { formatProblem, progressReporter } from './validate.js';

/** Options of the `migrate` command. */
export interface MigrateCommandOptions {
  file: string;
  /** `--check` only: every file to check (default: `[file]`). */
  files?: string[];
  dryRun: boolean;
  auto: boolean;
  check: boolean;
  report?: string;
  /** The report's format; with `--check` also `github`, `sarif` or `junit`. */
  format: ReportFormat | CiFormat;
  /** Print only errors: no report after applying, no notes. */
  quiet?: boolean;
  /** `--check` over many files: show progress on standard error (the caller decides: a terminal). */
  progress?: boolean;
  now: Date;
  lockTimeoutMs: number;
  maxBytes: number;
  color: boolean;
  diff?: boolean;
  /** `--max-bytes`: the size limit of a Markdown report (default: GitHub's comment limit; 0: none). */
  maxReportBytes?: number;
}

/** The `migrate` command: dry run, apply, `--auto` and `--check`. */
export async function migrateCommand(options: MigrateCommandOptions, io: CliIO): Promise<number> {
  if (options.check) return checkCommand(options.files ?? [options.file], options, io);
  const path = resolve(io.cwd, options.file);
  const format = options.format;
  if (isCiFormat(format)) {
    return reportError(
      new UsageError(
        `--format ${format} goes with migrate --check (and validate); a migration report is text, json or markdown`,
      ),
      io,
    );
  }
  let renderOptions: RenderOptions;
  try {
    renderOptions = markdownOptions(options);
  } catch (error) {
    return reportError(error, io);
  }
  try {
    // Before anything is read or written: a report must never land on the state or a backup.
    if (options.report !== undefined) {
      await checkReportPath(resolve(io.cwd, options.report), path, options.report);
    }
    const result = await migrateFile(path, {
      now: options.now,
      dryRun: options.dryRun,
      lockTimeoutMs: options.lockTimeoutMs,
      maxBytes: options.maxBytes,
      displayName: options.file,
      cwd: io.cwd,
      // The diff is shown for a dry run and written to --report files unless --no-diff.
      diff: options.diff ?? (options.dryRun || options.report !== undefined),
    });
    if (result.status === 'current') {
      if (!options.auto && !options.quiet) {
        io.stderr(`${options.file} is already v${LATEST_VERSION}; nothing to migrate\n`);
      }
      return ExitCode.ok;
    }
    const report = result.report;
    if (!report) return ExitCode.ok;
    if (options.report) {
      await writeReportFile(
        resolve(io.cwd, options.report),
        renderReport(report, format, { ...renderOptions, color: false }),
      ).catch((error) => {
        const done = result.status === 'migrated' ? `${options.file} was migrated, but ` : '';
        throw new WriteError(
          'report-failed',
          `${done}the report could not be written: ${describeFsError(error.cause ?? error)}; check the --report path`,
          options.report ?? '',
          error,
        );
      });
    }
    if (options.auto) {
      io.stderr(`${migratedNotice(options.file, result.fromVersion, report.backup)}\n`);
      return ExitCode.ok;
    }
    // --quiet: an applied migration prints nothing more (the report is in --report FILE if asked);
    // a dry run still prints its report, which is what it was asked for.
    if (options.quiet && result.status === 'migrated') return ExitCode.ok;
    const noDiff = options.diff === undefined ? result.status === 'migrated' : !options.diff;
    io.stdout(
      renderReport(report, format, { ...renderOptions, color: options.color && format === 'text', noDiff }),
    );
    return ExitCode.ok;
  } catch (error) {
    if (options.auto && error instanceof ReadError && error.code === 'file-not-found') return ExitCode.ok;
    return reportError(error, io);
  }
}

/** The size limit of a Markdown report, checked: `--max-bytes` goes with `--format markdown` only. */
function markdownOptions(options: MigrateCommandOptions): RenderOptions {
  const max = options.maxReportBytes;
  if (options.format !== 'markdown') {
    if (max === undefined) return {};
    throw new UsageError(
      `--max-bytes goes with --format markdown (a report for a pull-request comment), not --format ${options.format}`,
    );
  }
  if (max !== undefined && (!Number.isInteger(max) || (max !== 0 && max < MIN_MARKDOWN_BYTES))) {
    throw new UsageError(
      `--max-bytes ${JSON.stringify(max)} is not a size for a report; write a number of bytes of at least ${MIN_MARKDOWN_BYTES} (default ${GITHUB_COMMENT_LIMIT}, GitHub's comment limit), or 0 for no limit`,
    );
  }
  return {
    maxBytes: max ?? GITHUB_COMMENT_LIMIT,
    fullReportHint: `k0rdent-state migrate --dry-run --format markdown --max-bytes 0 ${options.file}`,
  };
}

/** Outcome of `migrate --check` for one file. */
interface CheckedFile {
  findings: FileFindings;
  version: number | null;
  exitCode: number;
  /** Set when the file could not be checked: the error as the CLI prints it. */
  error?: StateError;
}

/** The text line `migrate --check` prints for a file that needs migrating. */
export function needsMigrationMessage(file: string, version: number): string {
  return version === LATEST_VERSION
    ? `has v1 keys an old script wrote into this v${LATEST_VERSION} file; run: k0rdent-state migrate ${file} to fold them into their v2 places`
    : `format v${version} needs migrating to v${LATEST_VERSION}; run: k0rdent-state migrate ${file}`;
}

async function checkFile(file: string, options: MigrateCommandOptions, io: CliIO): Promise<CheckedFile> {
  const started = performance.now();
  const path = resolve(io.cwd, file);
  try {
    await refuseBackupFile(path, { displayName: file, cwd: io.cwd });
    const bytes = await readStateBytes(path, { maxBytes: options.maxBytes }).catch((error) => {
      if (error instanceof StateError) error.file = file;
      throw error;
    });
    const parsed = parseState(decodeStateBytes(bytes, file).text, file);
    const version = detectVersion(parsed);
    const timeMs = performance.now() - started;
    if (version === LATEST_VERSION && !needsMigration(parsed)) {
      return { findings: { file, valid: true, findings: [], timeMs }, version, exitCode: ExitCode.ok };
    }
    return {
      findings: {
        file,
        valid: false,
        timeMs,
        findings: [
          {
            severity: 'error',
            code: 'needs-migration',
            message: needsMigrationMessage(file, version),
            line: 1,
            col: 1,
            endLine: 1,
            endCol: 1,
          },
        ],
      },
      version,
      exitCode: ExitCode.invalid,
    };
  } catch (error) {
    if (!(error instanceof StateError)) throw error;
    error.file = file;
    const position = error.position;
    return {
      findings: {
        file,
        valid: false,
        unchecked: true,
        timeMs: performance.now() - started,
        findings: [
          {
            severity: 'error',
            code: error.code,
            message: error.message.replace(/\s*[\r\n]+\s*/g, ' '),
            ...(position
              ? { line: position.line, col: position.col, endLine: position.line, endCol: position.col }
              : {}),
          },
        ],
      },
      version: null,
      exitCode: error.exitCode,
      error,
    };
  }
}

/** `migrate --check FILES..`: exit 1 when a file needs migrating, higher when one cannot be read. */
async function checkCommand(files: string[], options: MigrateCommandOptions, io: CliIO): Promise<number> {
  const checked: CheckedFile[] = [];
  const progress = progressReporter(
    io,
    files.length,
    'checked',
    options.progress === true && files.length >= 20,
  );
  for (const file of files) {
    checked.push(await checkFile(file, options, io));
    progress.tick(checked.length);
  }
  progress.done();
  const format = options.format;
  if (isCiFormat(format)) {
    const run: CheckRun = { command: 'migrate --check', files: checked.map((entry) => entry.findings) };
    io.stdout(renderCheckRun(run, format));
  } else if (format === 'json') {
    const entries = checked.map((entry) => ({
      file: entry.findings.file,
      version: entry.version,
      latest: LATEST_VERSION,
      needs_migration: entry.version !== null && entry.version < LATEST_VERSION,
      ...(entry.error ? { error: { code: entry.error.code, message: formatStateError(entry.error) } } : {}),
    }));
    io.stdout(
      `${JSON.stringify({ current: checked.every((entry) => entry.exitCode === ExitCode.ok), files: entries }, null, 2)}\n`,
    );
  } else {
    for (const entry of checked) {
      if (entry.error) {
        io.stderr(`${formatStateError(entry.error)}\n`);
        continue;
      }
      for (const finding of entry.findings.findings) {
        io.stdout(`${entry.findings.file}:1:1: error: ${finding.message} [${finding.code}]\n`);
      }
    }
  }
  return checked.reduce((code, entry) => Math.max(code, entry.exitCode), ExitCode.ok as number);
}

/** Options of the `rollback` command. */
export interface RollbackCommandOptions {
  file: string;
  dryRun: boolean;
  now: Date;
  lockTimeoutMs: number;
  /** Print nothing after a successful rollback (a dry run still says what it would do). */
  quiet?: boolean;
  /** Roll back even when runs, a sync or events were recorded after the migration. */
  discardLaterRuns?: boolean;
}

/** The `rollback` command: restores the newest verified migration backup. */
export async function rollbackCommand(options: RollbackCommandOptions, io: CliIO): Promise<number> {
  try {
    const result = await rollbackFile(resolve(io.cwd, options.file), {
      now: options.now,
      dryRun: options.dryRun,
      lockTimeoutMs: options.lockTimeoutMs,
      displayName: options.file,
      cwd: io.cwd,
      discardLaterRuns: options.discardLaterRuns,
    });
    const left = result.leftBehind ? describeLeftBehind(result.leftBehind) : undefined;
    if (options.dryRun) {
      io.stdout(
        `would restore ${options.file} (v${result.restoredVersion}) from ${result.source}, after archiving the current file to old_deployments/<id>_<time>_rollback/\n`,
      );
      if (left) {
        io.stdout(
          `would leave behind ${left}: the restored file would not have them (the archived file keeps them); ${options.discardLaterRuns ? '--discard-later-runs is given' : 'rolling back needs --discard-later-runs'}\n`,
        );
      }
    } else if (!options.quiet) {
      io.stdout(
        `restored ${options.file} (v${result.restoredVersion}) from ${result.source}; the replaced file is in ${result.archived}\n`,
      );
      if (left) io.stdout(`left behind ${left}; ${result.archived} keeps them\n`);
    }
    return ExitCode.ok;
  } catch (error) {
    return reportError(error, io);
  }
}

function reportError(error: unknown, io: CliIO): number {
  if (!(error instanceof StateError)) throw error;
  if (error instanceof MigrationError) {
    for (const problem of error.problems) io.stderr(`${formatProblem(error.file ?? '', problem)}\n`);
  }
  io.stderr(`${formatStateError(error)}\n`);
  return error.exitCode;
}
