// readRegularFileSync (src/read/read-sync.ts), the synchronous read `validate` and `migrate --auto`
// take for plain files: the whole file in one read, and undefined (readStateBytes decides) for
// anything that is not a regular file of at most maxBytes, without blocking on a FIFO.
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRegularFileSync } from '../src/read/read-sync.js';
import { makeTempDir, removeTempDir } from './helpers.js';

describe('readRegularFileSync', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeTempDir();
  });
  afterAll(async () => {
    await removeTempDir(dir);
  });

  it('reads a regular file whole, at every size around the buffer pool’s and up to maxBytes', async () => {
    for (const size of [0, 1, 100, 4095, 4096, 4097, 8191, 8192, 65_537]) {
      const bytes = Buffer.alloc(size);
      for (let i = 0; i < size; i++) bytes[i] = (i * 7 + size) % 251;
      const file = join(dir, `f${size}`);
      await writeFile(file, bytes);
      const read = readRegularFileSync(file, size);
      expect(read, String(size)).toBeDefined();
      expect(Buffer.compare(read as Buffer, bytes), String(size)).toBe(0);
      expect(read?.length).toBe(size);
      // One byte over the limit: left to readStateBytes, which says it is too large.
      if (size > 0) expect(readRegularFileSync(file, size - 1)).toBeUndefined();
    }
  });

  it('leaves a missing file, a directory, a FIFO and a device to readStateBytes, without blocking', async () => {
    const sub = join(dir, 'sub');
    await mkdir(sub);
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    for (const path of [join(dir, 'missing'), sub, fifo, '/dev/null', '/dev/zero']) {
      expect(readRegularFileSync(path, 1024), path).toBeUndefined();
    }
  });
});
