import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { kill, pid as ownPid } from 'node:process';
import { ExitCode, StateError } from '../errors.js';

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
  let delay = 10;
  for (;;) {
    try {
      const handle = await open(path, 'wx', 0o600);
      try {
        await handle.writeFile(`${JSON.stringify(me)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      return { path, release: () => unlink(path).catch(() => undefined) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readLock(path);
    if (holder && (await isStale(path, holder.info))) {
      await reclaim(path, holder.raw);
      continue;
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

// Reclaims a stale lock without racing another reclaimer: the lock is renamed aside (only one
// rename of that file can succeed) and put back if what was renamed is not the stale lock seen.
async function reclaim(path: string, staleRaw: string): Promise<void> {
  const aside = `${path}.stale-${ownPid}-${Date.now()}`;
  try {
    await rename(path, aside);
  } catch {
    return;
  }
  const moved = await readFile(aside, 'utf8').catch(() => '');
  if (moved === staleRaw) {
    await unlink(aside).catch(() => undefined);
    return;
  }
  // Another process took the lock between our read and our rename: give it back.
  try {
    const handle = await open(path, 'wx', 0o600);
    try {
      await handle.writeFile(moved);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // The path is taken again; the holder we displaced loses its lock file but still finishes.
  }
  await unlink(aside).catch(() => undefined);
}
