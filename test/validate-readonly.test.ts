// `validate` never writes: every fixture keeps its bytes and modification time, and no file
// appears beside it.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runCli } from './helpers.js';

const folders = ['fixtures/v1', 'fixtures/v2', 'fixtures/invalid'];

const fixtures = folders.flatMap((folder) =>
  readdirSync(join(repoRoot, folder))
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => `${folder}/${name}`),
);

function snapshot() {
  return {
    listing: folders.map((folder) => readdirSync(join(repoRoot, folder)).sort()),
    files: fixtures.map((file) => {
      const path = join(repoRoot, file);
      const info = statSync(path);
      const sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
      return { file, sha256, size: info.size, mtimeMs: info.mtimeMs, mode: info.mode };
    }),
  };
}

describe('validate never writes', () => {
  it('finds fixtures in every folder', () => {
    for (const folder of folders) expect(fixtures.some((file) => file.startsWith(`${folder}/`))).toBe(true);
  });

  it.each([
    [[]],
    [['--strict']],
    [['--require-latest']],
    [['--format', 'json']],
    [['--schema', 'v1']],
    [['--schema', 'v2']],
  ])('leaves every fixture untouched with options %j', async (options) => {
    const before = snapshot();
    // One run over all files together, then each file on its own.
    const all = await runCli(['validate', ...options, ...fixtures]);
    expect(all.code).toBeGreaterThan(0);
    for (const file of fixtures) await runCli(['validate', ...options, file]);
    expect(snapshot()).toEqual(before);
  });
});
