import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

// Opening without blocking: a FIFO given by mistake must not hang the read (it is refused below);
// nor making a terminal the controlling one (as readRegularFile opens).
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

/**
 * Reads a regular file of at most `maxBytes` synchronously: for checking many small files, where
 * the asynchronous calls cost more than the reading, and for a cold call's one read. Undefined for anything else (missing, not a
 * regular file, too large, unreadable, changing while read): readStateBytes then reads it or says
 * what is wrong.
 */
export function readRegularFileSync(path: string, maxBytes: number): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch {
    return undefined;
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile() || info.size > maxBytes) return undefined;
    const buffer = Buffer.allocUnsafe(info.size);
    let read = 0;
    while (read < info.size) {
      const n = readSync(fd, buffer, read, info.size - read, read);
      if (n === 0) return undefined;
      read += n;
    }
    // A file that grew since fstat: let readStateBytes read it whole.
    if (readSync(fd, Buffer.allocUnsafe(1), 0, 1, read) !== 0) return undefined;
    return buffer;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
