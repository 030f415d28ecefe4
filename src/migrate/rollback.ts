import { stat } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { decodeStateBytes } from '../parse/decode.js';
import { detectVersion, parseState } from '../parse/parse.js';
import { DEFAULT_MAX_BYTES, fsError, readRegularFile, readStateBytes } from '../read/read-file.js';
import { removeLeftovers, resolveTarget, writeAtomic } from '../write/atomic.js';
import { archiveState, EVENTS_FILE, listArchives, refuseBackupFile } from '../write/backup.js';
import { appendEvent, appendPendingEvent, clearPendingEvent, recordPendingEvent } from '../write/events.js';
import { acquireLock } from '../write/lock.js';
import { MigrationError, sha256 } from './engine.js';

/** Options of {@link rollbackFile}. */
export interface RollbackOptions {
  now: Date;
  dryRun?: boolean;
  lockTimeoutMs?: number;
  displayName?: string;
  cwd?: string;
  /**
   * Roll back even when the file recorded runs, a Terraform sync, writes or events after its
   * migration (see {@link LeftBehind}); without it such a rollback is refused.
   */
  discardLaterRuns?: boolean;
}

/**
 * What the file recorded after its last migration, which the restored file will not have: the
 * replaced file keeps it in `old_deployments/<id>_<stamp>_rollback/`, and the events stay in
 * deployment-events.yaml.
 */
export interface LeftBehind {
  /** `applied_at` of the migration rolled back. */
  migratedAt: string;
  /** Runs the migration did not make (every run but the synthetic one), by id. */
  runs: string[];
  /** `last_terraform_sync`, when Terraform was synced since (the migration leaves it null). */
  terraformSync: string | null;
  /** `last_updated`, when the file was written after the migration. */
  lastUpdated: string | null;
  /** Events in deployment-events.yaml after the migration (the tool's own migrate/rollback events aside). */
  events: number;
}

/** What {@link rollbackFile} did or would do. */
export interface RollbackResult {
  /** The backup folder restored from. */
  source: string;
  /** Where the current file was archived (null for a dry run). */
  archived: string | null;
  /** Format version restored. */
  restoredVersion: number;
  /** What the file recorded after the migration, or undefined when nothing. */
  leftBehind: LeftBehind | undefined;
}

/** One line listing what a rollback leaves behind, e.g. `2 runs (a, b), a Terraform sync (T) and 3 events`. */
export function describeLeftBehind(left: LeftBehind): string {
  const parts: string[] = [];
  if (left.runs.length > 0) {
    const shown = left.runs.slice(0, 3).join(', ');
    const more = left.runs.length > 3 ? ` and ${left.runs.length - 3} more` : '';
    parts.push(`${left.runs.length} run${left.runs.length === 1 ? '' : 's'} (${shown}${more})`);
  }
  if (left.terraformSync) parts.push(`a Terraform sync (${left.terraformSync})`);
  if (left.events > 0) parts.push(`${left.events} event${left.events === 1 ? '' : 's'} in ${EVENTS_FILE}`);
  if (parts.length === 0 && left.lastUpdated) parts.push(`changes written at ${left.lastUpdated}`);
  const list = parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : (parts[0] ?? '');
  return `${list}, recorded after the migration of ${left.migratedAt}`;
}

const after = (time: unknown, since: number) =>
  typeof time === 'string' && !Number.isNaN(Date.parse(time)) && Date.parse(time) > since;

/** What a v2 file (and the events beside it) recorded after the migration `migratedAt`. */
async function leftBehindBy(
  data: Record<string, unknown>,
  stateFile: string,
  migratedAt: string,
): Promise<LeftBehind | undefined> {
  const since = Date.parse(migratedAt);
  if (Number.isNaN(since)) return undefined;
  const runs = (Array.isArray(data.deployment_runs) ? data.deployment_runs : [])
    .filter(
      (run) => run !== null && typeof run === 'object' && (run as { synthetic?: unknown }).synthetic !== true,
    )
    .map((run) => String((run as { run_id?: unknown }).run_id));
  const sync = data.last_terraform_sync;
  const left: LeftBehind = {
    migratedAt,
    runs,
    terraformSync: typeof sync === 'string' && sync !== '' ? sync : null,
    lastUpdated: after(data.last_updated, since) ? String(data.last_updated) : null,
    events: await eventsAfter(join(dirname(stateFile), EVENTS_FILE), since),
  };
  const any = left.runs.length > 0 || left.terraformSync || left.lastUpdated || left.events > 0;
  return any ? left : undefined;
}

// Events are read from the YAML Document (no plain-data conversion: the file is the deployer's,
// not checked by this tool); an unreadable file, or one that is not a regular file (a FIFO would
// hang the rollback), counts none.
async function eventsAfter(path: string, since: number): Promise<number> {
  const text = await readRegularFile(path, DEFAULT_MAX_BYTES).then(
    (bytes) => bytes.toString('utf8'),
    () => undefined,
  );
  if (text === undefined) return 0;
  const doc = parseDocument(text, { version: '1.2', logLevel: 'error' });
  if (doc.errors.length > 0) return 0;
  const list = isSeq(doc.contents)
    ? doc.contents
    : isMap(doc.contents)
      ? doc.contents.get('events', true)
      : undefined;
  if (!isSeq(list)) return 0;
  let count = 0;
  for (const item of list.items) {
    if (!isMap(item)) continue;
    const field = (key: string): unknown => {
      const node = item.get(key, true);
      return isScalar(node) ? node.value : undefined;
    };
    const action = field('action');
    if (action === 'state_migrated' || action === 'state_rolled_back') continue;
    if (after(field('timestamp'), since)) count++;
  }
  return count;
}

/**
 * Restores the newest migration backup of a deployment, after checking its sha256 against the
 * last entry of `migrations_applied`. The current file is archived to
 * `old_deployments/<id>_<stamp>_rollback/` first and then replaced atomically; nothing is deleted.
 */
export async function rollbackFile(file: string, options: RollbackOptions): Promise<RollbackResult> {
  const name = options.displayName ?? file;
  await refuseBackupFile(file, { displayName: name, cwd: options.cwd });
  const target = await resolveTarget(file);
  // A missing file (or folder) is reported as such, not as a lock failure.
  await stat(target).catch((error) => {
    throw fsError(name, error);
  });
  const lock = options.dryRun
    ? undefined
    : await acquireLock(target, {
        timeoutMs: options.lockTimeoutMs,
        command: 'k0rdent-state rollback',
        displayName: name,
      });
  try {
    // A rollback killed mid-write left its temp file (with the keys) beside the state file.
    if (lock) {
      await removeLeftovers(target);
      await appendPendingEvent(file);
    }
    const bytes = await readStateBytes(target, { maxBytes: DEFAULT_MAX_BYTES }).catch((error) => {
      error.file = name;
      throw error;
    });
    const parsed = parseState(decodeStateBytes(bytes, name).text, name);
    detectVersion(parsed);
    const applied = parsed.data.migrations_applied;
    const last = Array.isArray(applied)
      ? (applied.at(-1) as { input_sha256?: unknown } | undefined)
      : undefined;
    if (!last || typeof last.input_sha256 !== 'string') {
      throw new MigrationError(
        'nothing-to-roll-back',
        'records no migration (migrations_applied is empty or missing), so there is nothing to roll back',
        { file: name },
      );
    }
    const expected = last.input_sha256;
    const deploymentId = String(parsed.data.deployment_id);
    const show = (path: string) => (options.cwd ? relative(options.cwd, path) || path : path);
    let source: string | undefined;
    let sourceBytes: Buffer | undefined;
    const candidates: string[] = [];
    for (const folder of await listArchives(file, deploymentId, 'migration')) {
      // Never blocks on (or reads) a FIFO or a device put in a backup folder.
      const candidate = await readRegularFile(join(folder, basename(file)), DEFAULT_MAX_BYTES).catch(
        () => undefined,
      );
      if (candidate) candidates.push(show(folder));
      if (candidate && sha256(candidate) === expected) {
        source = folder;
        sourceBytes = candidate;
        break;
      }
    }
    if ((!source || !sourceBytes) && candidates.length > 0) {
      throw new MigrationError(
        'backup-mismatch',
        `refusing to restore: the migration backup${candidates.length === 1 ? '' : 's'} ${candidates.join(', ')} of ${deploymentId} do${candidates.length === 1 ? 'es' : ''} not match input_sha256 ${expected.slice(0, 12)}... recorded in migrations_applied (changed since the migration?); nothing was changed: restore the original by hand`,
        { file: name },
      );
    }
    if (!source || !sourceBytes) {
      throw new MigrationError(
        'backup-not-found',
        `no migration backup of ${deploymentId} in old_deployments/ matches input_sha256 ${expected.slice(0, 12)}...; restore the original by hand (see the migration guide)`,
        { file: name },
      );
    }
    const restored = parseState(decodeStateBytes(sourceBytes, name).text, name);
    const restoredVersion = detectVersion(restored);
    const appliedAt = (last as { applied_at?: unknown }).applied_at;
    const leftBehind =
      typeof appliedAt === 'string' ? await leftBehindBy(parsed.data, file, appliedAt) : undefined;
    if (options.dryRun) return { source: show(source), archived: null, restoredVersion, leftBehind };
    if (leftBehind && options.discardLaterRuns !== true) {
      throw new MigrationError(
        'later-runs',
        `refusing to roll back: the file has ${describeLeftBehind(leftBehind)}, which the restored v${restoredVersion} file would not have (the replaced file would keep them in old_deployments/, the events stay in ${EVENTS_FILE}); nothing was changed: review with k0rdent-state rollback --dry-run ${name}, then add --discard-later-runs to roll back anyway`,
        { file: name },
      );
    }

    // The mode of the file replaced, not the backup's: a 0600 file holding keys stays 0600.
    const mode = (await stat(target)).mode & 0o7777;
    // Backups and events beside the path as given (a symlink's target is written through it).
    const archived = await archiveState(file, deploymentId, 'rollback', options.now, name);
    const rolledBack = {
      timestamp: options.now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      action: 'state_rolled_back',
      message: `deployment-state.yaml restored from ${show(source)} by k0rdent-state; the replaced file is in ${show(archived)}`,
    };
    await recordPendingEvent(file, target, sourceBytes, rolledBack).catch((error) => {
      error.file = name;
      throw error;
    });
    await writeAtomic(target, sourceBytes, mode).catch(async (error) => {
      await clearPendingEvent(target);
      error.file = name;
      throw error;
    });
    await appendEvent(file, rolledBack).catch(() => undefined);
    await clearPendingEvent(target);
    return { source: show(source), archived: show(archived), restoredVersion, leftBehind };
  } finally {
    await lock?.release();
  }
}
