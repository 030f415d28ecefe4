import { constants, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { ReadError } from '../errors.js';
import { readRegularFileSync } from './read-sync.js';

/** Default cap on the size of a state file: real files stay under 3 MB. */
export const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

/** Options of {@link readStateBytes}. */
export interface ReadOptions {
  /** Refuse files larger than this many bytes (default 16 MiB). */
  maxBytes?: number;
}

/** Why {@link readRegularFile} did not read a path that exists. */
export class NotARegularFileError extends Error {
  /** `directory`, `special` (a FIFO, a device, a socket) or `too-large`. */
  readonly reason: 'directory' | 'special' | 'too-large';
  /** What the path is, for messages: `a directory`, `a FIFO (named pipe)`, `a character device`, ... */
  readonly kind: string;
  /** The size found, for `too-large`. */
  readonly size: number;
  /** True when the file grew while it was read: its size is `size` or more. */
  readonly atLeast: boolean;

  constructor(reason: 'directory' | 'special' | 'too-large', kind: string, size = 0, atLeast = false) {
    super(`${kind}${reason === 'too-large' ? ` of ${size} bytes${atLeast ? ' or more' : ''}` : ''}`);
    this.reason = reason;
    this.kind = kind;
    this.size = size;
    this.atLeast = atLeast;
  }
}

// Opening never blocks (a FIFO with no writer would hang an ordinary open) and never makes a
// terminal the controlling one; what was opened is checked on the open descriptor, so it cannot be
// swapped between the check and the read.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

/** What a path that is not a regular file is, for messages. */
export function fileKind(info: Stats): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Reads a regular file of at most `maxBytes` bytes; symbolic links are followed. Every file this
 * tool reads goes through here (state, events, lock, backups, Terraform files): a FIFO, a device
 * such as /dev/zero, a socket or a directory is refused with {@link NotARegularFileError} without
 * reading (or blocking on) it, and so is a file over the cap, even one that grows while it is
 * read. File-system errors (ENOENT, EACCES, ...) are thrown as they are.
 */
export async function readRegularFile(path: string, maxBytes: number): Promise<Buffer> {
  // The usual cases (a regular file under the cap, or none) without the promise API, whose first
  // use costs a cold call about 2 ms; every unusual one is read again below, which says what it is.
  const plain = readRegularFileSync(path, maxBytes, true);
  if (plain !== undefined) return plain;
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (error) {
    // A socket cannot be opened at all.
    if ((error as NodeJS.ErrnoException).code === 'ENXIO')
      throw new NotARegularFileError('special', 'a socket');
    throw error;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) {
      throw new NotARegularFileError(info.isDirectory() ? 'directory' : 'special', fileKind(info));
    }
    if (info.size > maxBytes) throw new NotARegularFileError('too-large', 'a file', info.size);
    // Read to the end, but never past the cap (the file may grow while it is read).
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(
        Math.min(Math.max(info.size - total, 64 * 1024), maxBytes + 1 - total),
      );
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, total);
      if (bytesRead === 0) break;
      chunks.push(bytesRead === chunk.length ? chunk : chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) throw new NotARegularFileError('too-large', 'a file', total, true);
    }
    return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}

/**
 * Reads a state file's bytes, refusing what is not a regular file or is over the size cap.
 * Symbolic links are followed. The file is never modified.
 */
export async function readStateBytes(path: string, options: ReadOptions = {}): Promise<Buffer> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  try {
    return await readRegularFile(path, maxBytes);
  } catch (error) {
    if (!(error instanceof NotARegularFileError)) throw fsError(path, error);
    if (error.reason === 'directory') {
      throw new ReadError(
        'is-directory',
        'is a directory, not a state file; pass the path of a deployment-state.yaml',
        { file: path },
      );
    }
    if (error.reason === 'special') {
      throw new ReadError(
        'not-a-regular-file',
        'is not a regular file; pass the path of a deployment-state.yaml',
        { file: path },
      );
    }
    throw new ReadError(
      'file-too-large',
      `is ${formatBytes(error.size)}${error.atLeast ? ' or more' : ''}, over the ${formatBytes(maxBytes)} limit; a real state file stays under 3 MB: check the path, or raise the limit with --max-size`,
      { file: path },
    );
  }
}

/** Turns a Node.js file-system error into a one-line {@link ReadError}. */
export function fsError(path: string, error: unknown): ReadError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return new ReadError(
        'file-not-found',
        'no such file; check the path (the default is state/deployment-state.yaml)',
        {
          file: path,
          cause: error,
        },
      );
    case 'EACCES':
    case 'EPERM':
      return new ReadError(
        'permission-denied',
        'permission denied; run as the user that owns the deployment',
        {
          file: path,
          cause: error,
        },
      );
    case 'EISDIR':
      return new ReadError(
        'is-directory',
        'is a directory, not a state file; pass the path of a deployment-state.yaml',
        {
          file: path,
          cause: error,
        },
      );
    default:
      return new ReadError(
        'read-failed',
        `cannot be read (${code ?? String(error)}); check that the path names a readable file (not a link that points to itself) and run the command again`,
        {
          file: path,
          cause: error,
        },
      );
  }
}

/** Formats a byte count for messages, e.g. `16 MiB`, `1.5 KiB`. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = Number.isInteger(value) ? String(value) : value.toFixed(1);
  return `${text} ${units[unit]}`;
}

/** Parses a size such as `16MiB`, `512k`, `1048576` into bytes; undefined when malformed. */
export function parseSize(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|bytes?|k|kb|kib|m|mb|mib|g|gb|gib)?\s*$/i.exec(text);
  if (!match) return undefined;
  const factor: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
  const unit = (match[2] ?? 'b').toLowerCase()[0] ?? 'b';
  return Math.floor(Number(match[1]) * (factor[unit] ?? 1));
}
