// writeAtomic's temp files: named without a cryptographic source (see src/write/atomic.ts), so
// what keeps a write safe is the exclusive create. A name someone else made first, a symbolic
// link included, is never written through, never removed, and costs only another name.
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';

const work = await mkdtemp(join(tmpdir(), 'k0rdent-state-atomic-'));
afterAll(() => rm(work, { recursive: true, force: true }));
afterEach(() => {
  vi.restoreAllMocks();
  vi.resetModules();
});

// The module with its per-process name part pinned: Math.random() = 0.5 gives "i", so the n-th
// temp file is named PREFIX + "i" + n in base 36.
async function atomicWithKnownNames() {
  vi.spyOn(Math, 'random').mockReturnValue(0.5);
  return import('../src/write/atomic.js');
}

async function folder(name: string): Promise<{ dir: string; file: string; sentinel: string }> {
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'deployment-state.yaml');
  await writeFile(file, 'old\n');
  const sentinel = join(work, `${name}-sentinel`);
  await writeFile(sentinel, 'not yours\n');
  return { dir, file, sentinel };
}

describe('writeAtomic temp names', () => {
  it('writes through a fresh name when the first is taken by a symbolic link, and leaves the link alone', async () => {
    const { writeAtomic, tempPrefix } = await atomicWithKnownNames();
    const { dir, file, sentinel } = await folder('taken-once');
    const taken = join(dir, `${tempPrefix(file)}i1`);
    await symlink(sentinel, taken);
    await writeAtomic(file, 'new\n');
    expect(await readFile(file, 'utf8')).toBe('new\n');
    expect(await readFile(sentinel, 'utf8')).toBe('not yours\n');
    expect((await lstat(taken)).isSymbolicLink()).toBe(true);
    expect(await readlink(taken)).toBe(sentinel);
    expect((await readdir(dir)).sort()).toEqual([`${tempPrefix(file)}i1`, 'deployment-state.yaml']);
  });

  it('gives up after eight taken names: write-failed, the file and every taken name untouched', async () => {
    const { writeAtomic, tempPrefix, WriteError } = await atomicWithKnownNames();
    const { dir, file, sentinel } = await folder('taken-all');
    const names = Array.from({ length: 8 }, (_, i) => `${tempPrefix(file)}i${(i + 1).toString(36)}`);
    for (const name of names) await symlink(sentinel, join(dir, name));
    const error = await writeAtomic(file, 'new\n').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WriteError);
    expect((error as InstanceType<typeof WriteError>).code).toBe('write-failed');
    expect(await readFile(file, 'utf8')).toBe('old\n');
    expect(await readFile(sentinel, 'utf8')).toBe('not yours\n');
    expect((await readdir(dir)).sort()).toEqual([...names, 'deployment-state.yaml'].sort());
  });

  it('twenty writes in a row leave the last content and no temp file', async () => {
    const { writeAtomic } = await import('../src/write/atomic.js');
    const { dir, file } = await folder('many');
    for (let i = 0; i < 20; i++) await writeAtomic(file, `v${i}\n`);
    expect(await readFile(file, 'utf8')).toBe('v19\n');
    expect(await readdir(dir)).toEqual(['deployment-state.yaml']);
  });
});
