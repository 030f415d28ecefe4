import { readFile, stat } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { decodeStateBytes } from '../parse/decode.js';
import { detectVersion, parseState } from '../parse/parse.js';
import { DEFAULT_MAX_BYTES, fsError, readStateBytes } from '../read/read-file.js';
import { resolveTarget, writeAtomic } from '../write/atomic.js';
import { archiveState, listArchives, refuseBackupFile } from '../write/backup.js';
import { appendEvent } from '../write/events.js';
import { acquireLock } from '../write/lock.js';
import { MigrationError, sha256 } from './engine.js';

/** Options of {@link rollbackFile}. */
export interface RollbackOptions {
  now: Date;
  dryRun?: boolean;
  lockTimeoutMs?: number;
  displayName?: string;
  cwd?: string;
}

/** What {@link rollbackFile} did or would do. */
export interface RollbackResult {
  /** The backup folder restored from. */
  source: string;
  /** Where the current file was archived (null for a dry run). */
  archived: string | null;
  /** Format version restored. */
  restoredVersion: number;
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
      }).catch((error) => {
        error.file = name;
        throw error;
      });
  try {
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
      const candidate = await readFile(join(folder, basename(file))).catch(() => undefined);
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
    if (options.dryRun) return { source: show(source), archived: null, restoredVersion };

    const mode = (await stat(join(source, basename(file)))).mode & 0o7777;
    // Backups and events beside the path as given (a symlink's target is written through it).
    const archived = await archiveState(file, deploymentId, 'rollback', options.now, name);
    await writeAtomic(target, sourceBytes, mode).catch((error) => {
      error.file = name;
      throw error;
    });
    await appendEvent(file, {
      timestamp: options.now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      action: 'state_rolled_back',
      message: `deployment-state.yaml restored from ${show(source)} by k0rdent-state; the replaced file is in ${show(archived)}`,
    }).catch(() => undefined);
    return { source: show(source), archived: show(archived), restoredVersion };
  } finally {
    await lock?.release();
  }
}
