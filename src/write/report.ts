import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { ExitCode, StateError } from '../errors.js';
import { resolveTarget, writeAtomic } from './atomic.js';
import { archiveRoot, EVENTS_FILE } from './backup.js';
import { lockPathFor } from './lock.js';

/** Mode of report files: a migration report holds state content (values, the diff). */
export const REPORT_MODE = 0o600;

/** A `--report` path that would overwrite the deployment's own files (exit 2). */
export class ReportPathError extends StateError {
  constructor(message: string, file: string) {
    super('report-path-refused', message, { exitCode: ExitCode.usage, file });
  }
}

// The path a report would be written to, links followed (a missing file: its folder's).
async function resolvedReport(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    try {
      return join(await realpath(dirname(path)), basename(path));
    } catch {
      return path;
    }
  }
}

async function identity(path: string): Promise<string | undefined> {
  try {
    const info = await stat(path);
    return `${info.dev}:${info.ino}`;
  } catch {
    return undefined;
  }
}

/**
 * Refuses a report path that resolves (symbolic links followed, hard links by inode) to the state
 * file, its lock, the events file beside it, or anything under the `old_deployments/` archive: a
 * report written there would destroy the state or a backup. `shown` is the path as given.
 */
export async function checkReportPath(report: string, stateFile: string, shown = report): Promise<void> {
  const target = await resolveTarget(stateFile);
  const resolved = await resolvedReport(report);
  const reportId = await identity(resolved);
  const own: Array<[string, string]> = [
    [stateFile, 'the state file'],
    [target, 'the state file'],
    [lockPathFor(target), "the state file's lock"],
    [join(dirname(stateFile), EVENTS_FILE), 'the events file'],
    [join(dirname(target), EVENTS_FILE), 'the events file'],
  ];
  for (const [path, what] of own) {
    const candidate = await resolvedReport(path);
    const sameFile = reportId !== undefined && reportId === (await identity(candidate));
    if (candidate === resolved || sameFile) throw refusal(shown, what);
  }
  for (const root of new Set([archiveRoot(stateFile), archiveRoot(target)])) {
    const archive = await resolvedReport(root);
    const inside = relative(archive, resolved);
    if (inside === '' || (!inside.startsWith(`..${sep}`) && inside !== '..' && !inside.startsWith(sep))) {
      throw refusal(shown, 'the old_deployments/ archive');
    }
  }
}

function refusal(report: string, what: string): ReportPathError {
  return new ReportPathError(
    `--report ${report} is ${what}${what.includes('archive') ? '' : ' (or a link to it)'}; a report must not overwrite the state file, its lock, the events file or a backup: pass another path, e.g. migration-report.txt`,
    report,
  );
}

/**
 * Writes a report file atomically with mode 0600 (it holds state content), whatever mode a
 * file it replaces had.
 */
export async function writeReportFile(path: string, content: string): Promise<void> {
  await writeAtomic(path, content, REPORT_MODE);
}
