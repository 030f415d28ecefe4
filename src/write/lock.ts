import { open, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { kill, pid as ownPid } from 'node:process';
import { ExitCode, ReadError, StateError } from '../errors.js';
import { describeFsError, WriteError } from './atomic.js';

/** What a lock file records about its holder. */
export interface LockInfo {
  pid: number;
  host: string;
  started_at: string;
  command?: string;
}

/** The lock could not be taken in time (exit 5). */
export class LockError extends StateError {
  constructor(message: string, file: string) {
    super('lock-timeout', message, { exitCode: ExitCode.locked, file });
  }
}

/** Options of {@link acquireLock}. */
export interface LockOptions {
  /** How long to wait for a live holder, in milliseconds (default 30 s). */
  timeoutMs?: number;
  /** What the holder is doing, recorded for whoever waits. */
  command?: string;
  /** Process id recorded (default: this process). */
  pid?: number;
}

/** A held lock; `release` removes the lock file. */
export interface Lock {
  path: string;
  release(): Promise<void>;
}

/** The lock file beside a state file. */
export function lockPathFor(stateFile: string): string {
  return `${stateFile}.lock`;
}

/** True when a process with this pid exists on this host. */
export function processAlive(pid: number): boolean {
  try {
    kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(path: string): Promise<{ info: LockInfo | undefined; raw: string } | undefined> {
  try {
    const raw = await readFile(path, 'utf8');
    try {
      return { info: JSON.parse(raw) as LockInfo, raw };
    } catch {
      return { info: undefined, raw };
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Takes the exclusive lock beside a state file: a `<file>.lock` created with O_EXCL that records
 * pid, host and start time. A lock whose process is gone (same host) is reclaimed; a live one
 * is waited for up to the timeout, then a {@link LockError} names the holder.
 */
export async function acquireLock(stateFile: string, options: LockOptions = {}): Promise<Lock> {
  const path = lockPathFor(stateFile);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  const me: LockInfo = {
    pid: options.pid ?? ownPid,
    host: hostname(),
    started_at: new Date().toISOString(),
    ...(options.command ? { command: options.command } : {}),
  };
  const mine = `${JSON.stringify(me)}\n`;
  let delay = 10;
  for (;;) {
    let created = false;
    try {
      const handle = await open(path, 'wx', 0o600);
      created = true;
      try {
        await handle.writeFile(mine);
        await handle.sync();
      } finally {
        await handle.close();
      }
      return { path, release: () => release(path, mine) };
    } catch (error) {
      if (!created && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        // The lock goes beside the file: its folder is missing, so there is no state file either.
        throw new ReadError(
          'file-not-found',
          `no such file: its folder ${dirname(stateFile)} does not exist; run the command in the deployer's working directory (the one holding state/), or name the file with --file or DEPLOYMENT_STATE_FILE; the deployer creates the file when it prepares a deployment`,
          { file: stateFile, cause: error },
        );
      }
      if (created || (error as NodeJS.ErrnoException).code !== 'EEXIST') {
        // E.g. a read-only folder or a full disk: nothing was written, say so instead of failing
        // as a bug, and leave no half-written lock behind.
        if (created) await unlink(path).catch(() => undefined);
        throw new WriteError(
          'lock-failed',
          `could not take the lock ${path}: ${describeFsError(error)}; nothing was changed, run the command again`,
          stateFile,
          error,
        );
      }
    }
    const holder = await readLock(path).catch((error) => {
      throw new WriteError(
        'lock-failed',
        `could not read the lock ${path}: ${describeFsError(error)}; nothing was changed, run the command again`,
        stateFile,
        error,
      );
    });
    if (holder && (await isStale(path, holder.info))) {
      const reclaimed = await reclaim(path, holder.raw).catch((error) => {
        throw new WriteError(
          'lock-failed',
          `could not reclaim the abandoned lock ${path}: ${describeFsError(error)}; nothing was changed, run the command again`,
          stateFile,
          error,
        );
      });
      if (reclaimed) continue;
    }
    if (Date.now() >= deadline) {
      const who = holder?.info
        ? `pid ${holder.info.pid} on ${holder.info.host} since ${holder.info.started_at}${holder.info.command ? ` (${holder.info.command})` : ''}`
        : 'an unknown process';
      throw new LockError(
        `is locked by ${who}; waited ${Math.round(timeoutMs / 1000)}s. Wait for it to finish, raise --lock-timeout, or if that process is gone for sure remove ${path}`,
        stateFile,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, Math.max(1, deadline - Date.now()))));
    delay = Math.min(delay * 2, 200);
  }
}

// Removes the lock file if it is still ours (someone may have removed a lock they judged
// abandoned, and another process taken it since).
async function release(path: string, mine: string): Promise<void> {
  const current = await readFile(path, 'utf8').catch(() => undefined);
  if (current === mine) await unlink(path).catch(() => undefined);
}

// A lock is stale when its holder is a process of this host that no longer runs, or when it
// is unreadable and old (a holder killed between creating and writing it).
async function isStale(path: string, info: LockInfo | undefined): Promise<boolean> {
  if (info && typeof info.pid === 'number') return info.host === hostname() && !processAlive(info.pid);
  try {
    const { mtimeMs } = await stat(path);
    return Date.now() - mtimeMs > 5_000;
  } catch {
    return false;
  }
}

// How old a reclaim guard must be before it counts as left by a reclaimer that was killed (a
// reclaim takes milliseconds).
const GUARD_STALE_MS = 10_000;

// Removes a stale lock without racing other reclaimers. Only the process that creates the
// `<lock>.reclaim` guard (O_EXCL) may remove the lock, and only while it still holds the stale
// content seen: a dead holder never changes it, and nobody else removes it meanwhile, so a live
// lock taken in the meantime is never removed. (Renaming the lock aside, as this did before,
// let a late reclaimer move a live lock away and two processes hold it at once.)
// Returns false when another process is reclaiming (then wait a little and look again).
async function reclaim(path: string, staleRaw: string): Promise<boolean> {
  const guard = `${path}.reclaim`;
  try {
    await (await open(guard, 'wx', 0o600)).close();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Another process is reclaiming; wait for it, or clear a guard its killed owner left.
    const info = await stat(guard).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > GUARD_STALE_MS) await unlink(guard).catch(() => undefined);
    return false;
  }
  try {
    const current = await readFile(path, 'utf8').catch(() => undefined);
    if (current === staleRaw) await unlink(path).catch(() => undefined);
  } finally {
    await unlink(guard).catch(() => undefined);
  }
  return true;
}
