// The generated types in src/generated/ are fresh, and the staleness check really catches stale files.
import { spawnSync } from 'node:child_process';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOL_VERSION } from '../src/version.js';
import { makeTempDir, removeTempDir, repoRoot } from './helpers.js';

const script = join(repoRoot, 'scripts', 'generate-types.mjs');

function generate(...args: string[]) {
  const result = spawnSync(process.execPath, [script, ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('generated types', () => {
  it('src/generated/ is fresh: generate-types --check exits 0', () => {
    const result = generate('--check');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  describe('the check fails on a stale copy', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await makeTempDir();
    });
    afterAll(async () => {
      await removeTempDir(dir);
    });

    it('passes right after generating into a folder', async () => {
      expect(generate('--out', dir).status).toBe(0);
      expect((await readdir(dir)).sort()).toEqual([
        'deployment-state.v1.ts',
        'deployment-state.v2.ts',
        'schema-v1.ts',
        'schema-v2.ts',
        'schemas.ts',
        'validate-v1.ts',
        'validate-v2.ts',
        'validator.ts',
      ]);
      // What it generates is exactly what is committed.
      for (const name of await readdir(dir)) {
        expect(await readFile(join(dir, name), 'utf8')).toBe(
          await readFile(join(repoRoot, 'src', 'generated', name), 'utf8'),
        );
      }
      const check = generate('--check', '--out', dir);
      expect(check.stderr).toBe('');
      expect(check.status).toBe(0);
    });

    it('exits 1 and names the modified file', async () => {
      const stale = join(dir, 'deployment-state.v2.ts');
      const text = await readFile(stale, 'utf8');
      await writeFile(stale, text.replace('export interface DeploymentStateV2 {', 'export interface Old {'));
      expect(await readFile(stale, 'utf8')).not.toBe(text);
      const check = generate('--check', '--out', dir);
      expect(check.status).toBe(1);
      expect(check.stderr).toContain(stale);
      expect(check.stderr).toContain('run: npm run generate');
      // Only the modified file is named.
      expect(check.stderr).not.toContain('deployment-state.v1.ts');
      expect(check.stderr).not.toContain('schemas.ts');
    });

    it('exits 1 when a generated file is missing', async () => {
      await rm(join(dir, 'schemas.ts'));
      const check = generate('--check', '--out', dir);
      expect(check.status).toBe(1);
      expect(check.stderr).toContain(join(dir, 'schemas.ts'));
    });
  });
});

describe('version', () => {
  it('package.json version equals TOOL_VERSION', async () => {
    const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(TOOL_VERSION).toBe(pkg.version);
  });
});
