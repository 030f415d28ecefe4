import { stat } from 'node:fs/promises';
import { relative } from 'node:path';
import { decodeStateBytes } from '../parse/decode.js';
import { detectVersion, parseState } from '../parse/parse.js';
import { DEFAULT_MAX_BYTES, fsError, readStateBytes } from '../read/read-file.js';
import { buildReport, type MigrationReport } from '../report/report.js';
import { LATEST_VERSION, TOOL_VERSION } from '../version.js';
import { refuseOverCap, removeLeftovers, resolveTarget, writeAtomic } from '../write/atomic.js';
import { archiveState, refuseBackupFile } from '../write/backup.js';
import { appendEvent, appendPendingEvent, clearPendingEvent, recordPendingEvent } from '../write/events.js';
import { acquireLock } from '../write/lock.js';
import { migrateParsed, needsMigration, sha256 } from './engine.js';

export { migratedNotice } from './notice.js';

/** Options of {@link migrateFile}. */
export interface MigrateFileOptions {
  /** The migration time (pinned in tests). */
  now: Date;
  /** Report without writing anything. */
  dryRun?: boolean;
  /** How long to wait for another writer's lock, in ms. */
  lockTimeoutMs?: number;
  /** Size cap for the state file. */
  maxBytes?: number;
  /** The file's name in messages and reports (default: the path). */
  displayName?: string;
  /** Folder that relative paths in messages are shown against. */
  cwd?: string;
  /**
   * Put the diff in the report (default: for a dry run only). The diff costs time that grows
   * faster than the file (minutes for a few thousand VMs), and an apply computes it while it
   * holds the lock, so it is only made when asked for.
   */
  diff?: boolean;
}

/** What {@link migrateFile} did. */
export interface MigrateFileResult {
  /** `current`: already the latest version; `migrated`: written; `dry-run`: reported only. */
  status: 'current' | 'migrated' | 'dry-run';
  fromVersion: number;
  report: MigrationReport | undefined;
  /** The backup folder (apply only). */
  backup: string | undefined;
  /** Whether a state_migrated event was appended to deployment-events.yaml. */
  eventAppended: boolean;
}

/**
 * Migrates a state file on disk; a file inside old_deployments/ is refused, in every mode (a
 * backup is not live state). Dry run: reads and reports, writes nothing. Apply: under the
 * file's lock, re-reads the file, backs the original up to old_deployments/, writes the new file
 * atomically with the original mode, and appends a state_migrated event. Nothing is written
 * when any check fails.
 */
export async function migrateFile(file: string, options: MigrateFileOptions): Promise<MigrateFileResult> {
  const name = options.displayName ?? file;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  await refuseBackupFile(file, { displayName: name, cwd: options.cwd });
  if (options.dryRun) return migrateHeld(file, name, options, maxBytes, false);
  const target = await resolveTarget(file);
  // A missing file (or folder) is reported as such (--auto: nothing to do), not as a lock failure.
  await stat(target).catch((error) => {
    throw fsError(name, error);
  });
  const lock = await acquireLock(target, {
    timeoutMs: options.lockTimeoutMs,
    command: 'k0rdent-state migrate',
    displayName: name,
  });
  try {
    await removeLeftovers(target);
    // The event of a write whose writer was killed before appending it.
    await appendPendingEvent(file, maxBytes);
    // The path as given, not the link's target: a symlinked state file is read and written
    // through the link (writeAtomic resolves it), while the backup, its file name and the events
    // file stay where the deployer keeps them, beside the link.
    return await migrateHeld(file, name, options, maxBytes, true);
  } finally {
    await lock.release();
  }
}

/**
 * Reads and migrates a state file; with `apply`, backs it up and writes the result. With
 * `apply`, the caller must hold the file's lock (see {@link migrateFile}).
 */
export async function migrateHeld(
  file: string,
  name: string,
  options: MigrateFileOptions,
  maxBytes: number,
  apply: boolean,
): Promise<MigrateFileResult> {
  const bytes = await readStateBytes(file, { maxBytes }).catch((error) => {
    error.file = name;
    throw error;
  });
  const decoded = decodeStateBytes(bytes, name);
  const parsed = parseState(decoded.text, name);
  const fromVersion = detectVersion(parsed);
  if (!needsMigration(parsed)) {
    return { status: 'current', fromVersion, report: undefined, backup: undefined, eventAppended: false };
  }
  const originalText = decoded.text;
  const result = migrateParsed(parsed, decoded, {
    now: options.now,
    inputSha256: sha256(bytes),
    toolVersion: TOOL_VERSION,
  });
  if (!apply) {
    const report = buildReport(name, originalText, result, {
      applied: false,
      now: options.now,
      diff: options.diff !== false,
    });
    return { status: 'dry-run', fromVersion, report, backup: undefined, eventAppended: false };
  }
  refuseOverCap(result.text, maxBytes, name);
  const mode = (await stat(file)).mode & 0o7777;
  const deploymentId = String(parsed.data.deployment_id);
  const backup = await archiveState(file, deploymentId, 'migration', options.now, name);
  const shownBackup = options.cwd ? relative(options.cwd, backup) || backup : backup;
  const migrated = {
    timestamp: options.now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    action: 'state_migrated',
    message:
      fromVersion === LATEST_VERSION
        ? `deployment-state.yaml repaired by k0rdent-state ${TOOL_VERSION}: v1 keys an old script wrote folded into their v2 places; original in ${shownBackup}`
        : `deployment-state.yaml migrated from v${fromVersion} to v${LATEST_VERSION} by k0rdent-state ${TOOL_VERSION}; original in ${shownBackup}`,
  };
  // Recorded first: a process killed between the write and the append leaves it for the next run.
  const target = await resolveTarget(file);
  await recordPendingEvent(file, target, result.text, migrated).catch((error) => {
    error.file = name;
    throw error;
  });
  await writeAtomic(file, result.text, mode).catch(async (error) => {
    await clearPendingEvent(target);
    error.file = name;
    throw error;
  });
  const event = await appendEvent(file, migrated, maxBytes).catch(() => ({ appended: false }));
  await clearPendingEvent(target);
  const report = buildReport(name, originalText, result, {
    diff: options.diff === true,
    applied: true,
    now: options.now,
    backup: shownBackup,
  });
  return { status: 'migrated', fromVersion, report, backup, eventAppended: event.appended };
}
