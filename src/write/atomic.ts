import {
  chmodSync,
  closeSync,
  fsyncSync,
  openSync,
  readdirSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ExitCode, StateError } from '../errors.js';
import { formatBytes } from '../read/read-file.js';

/** Writing the new file failed; the original is untouched (exit 6). */
export class WriteError extends StateError {
  constructor(code: string, message: string, file: string, cause?: unknown) {
    super(code, message, { exitCode: ExitCode.writeFailed, file, cause });
  }
}

const TEMP_MARK = '.k0rdent-state-tmp-';

// The file-system calls here are synchronous behind asynchronous signatures: a write is a few
// small calls, and the libuv thread pool and the promise API they would start cost a cold call
// more than the calls themselves (bench/RESULTS.md). The co-process serves its calls one at a
// time, so it loses nothing by them.

/** Temp files this process has named (after its random part, so that its names never repeat). */
let tempCount = 0;

/** This process's part of its temp names. */
const TEMP_PROCESS = Math.random().toString(36).slice(2, 10);

/** Attempts at a fresh temp name: one is taken only when another process created it first. */
const TEMP_ATTEMPTS = 8;

/**
 * A temp name for a write of `target`. Not from a cryptographic source on purpose: the temp file
 * is created with `open(…, 'wx')` (O_CREAT | O_EXCL), which refuses a name that exists, a symbolic
 * link included, so an unpredictable name adds no safety; and loading node:crypto costs a cold
 * call about 5 ms (bench/RESULTS.md).
 */
function tempName(target: string): string {
  tempCount += 1;
  return join(dirname(target), `${tempPrefix(target)}${TEMP_PROCESS}${tempCount.toString(36)}`);
}

/** Name prefix of the temp files written beside `file`. */
export function tempPrefix(file: string): string {
  return `.${basename(file)}${TEMP_MARK}`;
}

/** The events file kept beside the state file (see backup.ts; repeated here to avoid an import cycle). */
const EVENTS_NAME = 'deployment-events.yaml';

/**
 * Name prefixes of the temp files a writer of `file` leaves when killed: the state file's and
 * the events file's beside it (the events file is only written under the state file's lock).
 */
export function leftoverPrefixes(file: string): string[] {
  return [tempPrefix(file), tempPrefix(join(dirname(file), EVENTS_NAME))];
}

/** The file a path designates, following symbolic links (so a link is kept and its target written). */
export async function resolveTarget(file: string): Promise<string> {
  return resolveTargetSync(file);
}

/** {@link resolveTarget}, synchronously. */
export function resolveTargetSync(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

/**
 * Removes temp files a killed writer left beside `file` (its own and the events file's). Call it
 * while holding the lock: then no live writer owns such a file.
 */
export async function removeLeftovers(file: string): Promise<string[]> {
  const folder = dirname(file);
  const prefixes = leftoverPrefixes(file);
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (prefixes.some((prefix) => name.startsWith(prefix))) {
      try {
        unlinkSync(join(folder, name));
      } catch {
        // Gone already, or not ours to remove: the next writer tries again.
      }
      removed.push(join(folder, name));
    }
  }
  return removed;
}

/** A one-line explanation of a file-system error for write failures, with what to do about it. */
export function describeFsError(error: unknown): string {
  const { code, path } = error as NodeJS.ErrnoException;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied (is the folder read-only, or owned by another user?): make it writable or run as the owner';
    case 'EROFS':
      return 'the file system is read-only: remount it read-write';
    case 'ENOSPC':
      return 'the disk is full: free some space';
    case 'EDQUOT':
      return 'the disk quota is exceeded: free some space';
    case 'EFBIG':
      return 'the file is larger than the file-size limit of this process (ulimit -f): raise the limit';
    case 'EEXIST':
    case 'ENOTDIR':
      return `${path ?? 'a path on the way'} is in the way: a folder is needed there, move it aside`;
    default:
      return code ?? String(error);
  }
}

/** Creates `temp` exclusively (its descriptor); undefined when the name is taken. */
function openFresh(temp: string, mode: number): number | undefined {
  try {
    return openSync(temp, 'wx', mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw error;
  }
}

/**
 * Replaces `file` with `content` atomically: a temp file in the same folder (same mode as the
 * file it replaces), fsync, rename over the file, fsync the folder. On failure the original is
 * untouched and the temp file removed.
 */
export async function writeAtomic(file: string, content: string | Uint8Array, mode?: number): Promise<void> {
  const target = resolveTargetSync(file);
  const folder = dirname(target);
  let fileMode = mode;
  if (fileMode === undefined) {
    try {
      fileMode = statSync(target).mode & 0o7777;
    } catch {
      fileMode = 0o600;
    }
  }
  let temp = tempName(target);
  let created = false;
  try {
    let fd = openFresh(temp, fileMode);
    for (let attempt = 1; fd === undefined; attempt++) {
      temp = tempName(target);
      // The last attempt's error, if its name is taken too, is the one reported.
      fd = attempt + 1 < TEMP_ATTEMPTS ? openFresh(temp, fileMode) : openSync(temp, 'wx', fileMode);
    }
    created = true;
    try {
      writeAll(fd, typeof content === 'string' ? Buffer.from(content) : content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // open() applies the umask; chmod makes the mode exactly the original's.
    chmodSync(temp, fileMode);
    renameSync(temp, target);
  } catch (error) {
    // Never a file of the same name that another process created.
    if (created) {
      try {
        unlinkSync(temp);
      } catch {
        // Already gone.
      }
    }
    throw new WriteError(
      'write-failed',
      `could not be written: ${describeFsError(error)}; the original file is unchanged, run the command again`,
      file,
      error,
    );
  }
  await syncFolder(folder);
}

// writeSync may write less than asked (a signal, a file-size limit reached mid-way): the rest is
// written, or the error that stopped it thrown.
function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) {
    const written = writeSync(fd, bytes, done, bytes.length - done);
    if (written <= 0) throw Object.assign(new Error('nothing written'), { code: 'EIO' });
    done += written;
  }
}

/**
 * Refuses (exit 1, `result-too-large`) a state file the next reader would refuse: one over the
 * size cap (`--max-size`, 16 MiB by default) could not be read by any command afterwards. Call it
 * before anything is written.
 */
export function refuseOverCap(text: string, maxBytes: number, name: string): void {
  const bytes = Buffer.byteLength(text);
  if (bytes <= maxBytes) return;
  throw new StateError(
    'result-too-large',
    `refused: the result would be ${formatBytes(bytes)}, over the ${formatBytes(maxBytes)} limit every command reads state files with, so nothing could read it afterwards; the file is unchanged (store less, or raise the limit with --max-size for every command)`,
    { exitCode: ExitCode.invalid, file: name },
  );
}

/** fsyncs a folder so a rename in it survives a crash (best effort where unsupported). */
export async function syncFolder(folder: string): Promise<void> {
  try {
    const fd = openSync(folder, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some file systems cannot fsync a folder; the rename itself is still atomic.
  }
}
