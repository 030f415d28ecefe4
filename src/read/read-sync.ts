import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

// Opening without blocking: a FIFO given by mistake must not hang the read (it is refused below);
// nor making a terminal the controlling one (as readRegularFile opens).
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

/**
 * Reads a regular file of at most `maxBytes` synchronously: for checking many small files, where
 * the asynchronous calls cost more than the reading, and for a cold call's one read. Undefined for anything else (missing, not a
 * regular file, too large, unreadable, changing while read): readStateBytes then reads it or says
 * what is wrong. With `throwMissing`, a missing file throws its ENOENT error instead.
 */
export function readRegularFileSync(
  path: string,
  maxBytes: number,
  throwMissing = false,
): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (error) {
    // A missing file is the usual answer for some reads (no lock, no pending event): with
    // `throwMissing` it is thrown as the asynchronous open would.
    if (throwMissing && (error as NodeJS.ErrnoException).code === 'ENOENT') throw error;
    return undefined;
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile() || info.size > maxBytes) return undefined;
    // One read of one byte more than fstat said, rather than a read and a probe for more: a
    // regular file reads short only at its end, so getting exactly its size means that was all
    // of it. More (it grew since fstat) or less (it shrank, or a short read): readStateBytes
    // reads it whole or says what is wrong.
    const buffer = Buffer.allocUnsafe(info.size + 1);
    if (readSync(fd, buffer, 0, info.size + 1, 0) !== info.size) return undefined;
    return buffer.subarray(0, info.size);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
