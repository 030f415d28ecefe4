import { closeSync, fsyncSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { open, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { kill, pid as ownPid } from 'node:process';
import { ExitCode, printable, ReadError, StateError } from '../errors.js';
import { NotARegularFileError, readRegularFile } from '../read/read-file.js';
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
  /** The state file's name as the user gave it: a failure's error names it (`error.file`). */
  displayName?: string;
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

/** Largest lock file read: a record is about 150 bytes; anything larger is not one of ours. */
const MAX_LOCK_BYTES = 64 * 1024;

// The lock file's text; undefined when it is gone. Never blocks on a FIFO or reads a device.
async function readLockText(path: string): Promise<string | undefined> {
  try {
    return (await readRegularFile(path, MAX_LOCK_BYTES)).toString('utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    // Too large: not a record this tool wrote; it is judged by its age like a damaged one.
    if (error instanceof NotARegularFileError && error.reason === 'too-large') return '';
    throw error;
  }
}

async function readLock(path: string): Promise<{ info: LockInfo | undefined; raw: string } | undefined> {
  const raw = await readLockText(path);
  if (raw === undefined) return undefined;
  return { info: lockRecord(raw), raw };
}

/**
 * The record of a lock file when it is one this tool writes: a JSON object with a positive integer
 * `pid`, a non-empty `host` and a `started_at` text (and optionally `command`). Anything else is
 * not a record (a damaged file, or one written by something else): undefined, so that the lock is
 * judged by its age, never taken as held by a live process for ever (pid 0 and -1 name process
 * groups, which always "exist").
 */
export function lockRecord(raw: string): LockInfo | undefined {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return undefined;
  const { pid, host, started_at: startedAt, command } = data as Record<string, unknown>;
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) return undefined;
  if (typeof host !== 'string' || host === '' || host.length > 255) return undefined;
  if (typeof startedAt !== 'string' || startedAt.length > 64) return undefined;
  if (command !== undefined && typeof command !== 'string') return undefined;
  return {
    pid,
    host,
    started_at: startedAt,
    ...(typeof command === 'string' ? { command: command.slice(0, 200) } : {}),
  };
}

/**
 * Takes the exclusive lock beside a state file: a `<file>.lock` created with O_EXCL that records
 * pid, host and start time. A lock whose process is gone (same host) is reclaimed; a live one
 * is waited for up to the timeout, then a {@link LockError} names the holder.
 */
export async function acquireLock(stateFile: string, options: LockOptions = {}): Promise<Lock> {
  try {
    return await takeLock(stateFile, options);
  } catch (error) {
    if (options.displayName !== undefined && error instanceof Error) {
      (error as Error & { file?: string }).file = options.displayName;
    }
    throw error;
  }
}

async function takeLock(stateFile: string, options: LockOptions): Promise<Lock> {
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
      // Synchronous, as the atomic write (atomic.ts): the lock is a few small calls.
      const fd = openSync(path, 'wx', 0o600);
      created = true;
      try {
        const bytes = Buffer.from(mine);
        if (writeSync(fd, bytes) !== bytes.length)
          throw Object.assign(new Error('short write'), { code: 'EIO' });
        fsyncSync(fd);
      } finally {
        closeSync(fd);
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
        if (created) {
          try {
            unlinkSync(path);
          } catch {
            // Not there any more.
          }
        }
        throw new WriteError(
          'lock-failed',
          `could not take the lock ${path}: ${describeFsError(error)}; nothing was changed, run the command again`,
          stateFile,
          error,
        );
      }
    }
    const holder = await readLock(path).catch((error) => {
      if (error instanceof NotARegularFileError) {
        // Not a lock at all, and never one: waiting for it would be waiting for ever.
        throw new WriteError(
          'lock-failed',
          `the lock path ${path} is ${error.kind}, not a lock file; nothing was changed: remove it (rm ${path}) and run the command again`,
          stateFile,
          error,
        );
      }
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
      // The record's texts come from a file anyone can write: printed escaped.
      const who = holder?.info
        ? `pid ${holder.info.pid} on ${printable(holder.info.host)} since ${printable(holder.info.started_at)}${holder.info.command ? ` (${printable(holder.info.command)})` : ''}`
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
  const current = await readLockText(path).catch(() => undefined);
  if (current !== mine) return;
  try {
    unlinkSync(path);
  } catch {
    // Already removed (by someone who judged it abandoned).
  }
}

// A lock is stale when its holder is a process of this host that no longer runs, or when it
// is unreadable and old (a holder killed between creating and writing it).
async function isStale(path: string, info: LockInfo | undefined): Promise<boolean> {
  if (info) return info.host === hostname() && !processAlive(info.pid);
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
    const current = await readLockText(path).catch(() => undefined);
    if (current === staleRaw) await unlink(path).catch(() => undefined);
  } finally {
    await unlink(guard).catch(() => undefined);
  }
  return true;
}
