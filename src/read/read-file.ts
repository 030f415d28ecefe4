import { readFile, stat } from 'node:fs/promises';
import { ReadError } from '../errors.js';

/** Default cap on the size of a state file: real files stay under 3 MB. */
export const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

/** Options of {@link readStateBytes}. */
export interface ReadOptions {
  /** Refuse files larger than this many bytes (default 16 MiB). */
  maxBytes?: number;
}

/**
 * Reads a state file's bytes, refusing what is not a regular file or is over the size cap.
 * Symbolic links are followed. The file is never modified.
 */
export async function readStateBytes(path: string, options: ReadOptions = {}): Promise<Buffer> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    throw fsError(path, error);
  }
  if (info.isDirectory()) {
    throw new ReadError(
      'is-directory',
      'is a directory, not a state file; pass the path of a deployment-state.yaml',
      {
        file: path,
      },
    );
  }
  if (!info.isFile()) {
    throw new ReadError(
      'not-a-regular-file',
      'is not a regular file; pass the path of a deployment-state.yaml',
      {
        file: path,
      },
    );
  }
  if (info.size > maxBytes) {
    throw new ReadError(
      'file-too-large',
      `is ${formatBytes(info.size)}, over the ${formatBytes(maxBytes)} limit; a real state file stays under 3 MB: check the path, or raise the limit with --max-size`,
      { file: path },
    );
  }
  try {
    return await readFile(path);
  } catch (error) {
    throw fsError(path, error);
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
