import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ExitCode, formatStateError, ReadError, StateError } from '../errors.js';
import { migrateFile } from '../migrate/apply.js';
import { MigrationError } from '../migrate/engine.js';
import { rollbackFile } from '../migrate/rollback.js';
import { decodeStateBytes } from '../parse/decode.js';
import { detectVersion, parseState } from '../parse/parse.js';
import { readStateBytes } from '../read/read-file.js';
import { type ReportFormat, renderReport } from '../report/render.js';
import { LATEST_VERSION } from '../version.js';
import { describeFsError, WriteError } from '../write/atomic.js';
import type { CliIO } from './io.js';
import { formatProblem } from './validate.js';

/** Options of the `migrate` command. */
export interface MigrateCommandOptions {
  file: string;
  dryRun: boolean;
  auto: boolean;
  check: boolean;
  report?: string;
  format: ReportFormat;
  now: Date;
  lockTimeoutMs: number;
  maxBytes: number;
  color: boolean;
  diff?: boolean;
}

/** The `migrate` command: dry run, apply, `--auto` and `--check`. */
export async function migrateCommand(options: MigrateCommandOptions, io: CliIO): Promise<number> {
  const path = resolve(io.cwd, options.file);
  try {
    if (options.check) return await check(path, options, io);
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
      if (!options.auto) io.stderr(`${options.file} is already v${LATEST_VERSION}; nothing to migrate\n`);
      return ExitCode.ok;
    }
    const report = result.report;
    if (!report) return ExitCode.ok;
    if (options.report) {
      await writeFile(
        resolve(io.cwd, options.report),
        renderReport(report, options.format, { color: false }),
      ).catch((error) => {
        const done = result.status === 'migrated' ? `${options.file} was migrated, but ` : '';
        throw new WriteError(
          'report-failed',
          `${done}the report could not be written: ${describeFsError(error)}; check the --report path`,
          options.report ?? '',
          error,
        );
      });
    }
    if (options.auto) {
      io.stderr(
        `k0rdent-state: migrated ${options.file} from v${result.fromVersion} to v${LATEST_VERSION}; original saved in ${report.backup}\n`,
      );
      return ExitCode.ok;
    }
    const noDiff = options.diff === undefined ? result.status === 'migrated' : !options.diff;
    io.stdout(
      renderReport(report, options.format, { color: options.color && options.format === 'text', noDiff }),
    );
    return ExitCode.ok;
  } catch (error) {
    if (options.auto && error instanceof ReadError && error.code === 'file-not-found') return ExitCode.ok;
    return reportError(error, io);
  }
}

async function check(path: string, options: MigrateCommandOptions, io: CliIO): Promise<number> {
  const bytes = await readStateBytes(path, { maxBytes: options.maxBytes }).catch((error) => {
    error.file = options.file;
    throw error;
  });
  const parsed = parseState(decodeStateBytes(bytes, options.file).text, options.file);
  const version = detectVersion(parsed);
  if (version === LATEST_VERSION) return ExitCode.ok;
  io.stdout(
    `${options.file}:1:1: error: format v${version} needs migrating to v${LATEST_VERSION}; run: k0rdent-state migrate ${options.file} [needs-migration]\n`,
  );
  return ExitCode.invalid;
}

/** Options of the `rollback` command. */
export interface RollbackCommandOptions {
  file: string;
  dryRun: boolean;
  now: Date;
  lockTimeoutMs: number;
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
    });
    if (options.dryRun) {
      io.stdout(
        `would restore ${options.file} (v${result.restoredVersion}) from ${result.source}, after archiving the current file to old_deployments/<id>_<time>_rollback/\n`,
      );
    } else {
      io.stdout(
        `restored ${options.file} (v${result.restoredVersion}) from ${result.source}; the replaced file is in ${result.archived}\n`,
      );
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
