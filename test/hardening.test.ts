// What an adversarial run found (issue 13), one describe per finding: modes, report paths,
// special files, writes over the read cap, and the smaller ones. Each test fails on the code
// before the fix. The secret findings are in test/secrets.test.ts.
import { link, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupDeployments, cli, makeDeployment } from './helpers/tmp-state.js';

afterAll(cleanupDeployments);

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

describe('every write keeps the replaced file mode; report files are 0600', () => {
  it('rollback restores the backup with the mode of the file it replaces', async () => {
    const dep = await makeDeployment('e5-deployer.yaml', { mode: 0o644 });
    expect((await cli(['migrate', dep.stateFile], dep.dir)).code).toBe(0);
    // The operator tightens the migrated file; the backup of the original stays 0644.
    const { chmod } = await import('node:fs/promises');
    await chmod(dep.stateFile, 0o600);
    const result = await cli(['rollback', dep.stateFile], dep.dir);
    expect(result.code, result.err).toBe(0);
    expect(await readFile(dep.stateFile)).toEqual(dep.original);
    expect(await modeOf(dep.stateFile)).toBe(0o600);
  });

  it.each(['text', 'json', 'markdown'])(
    'a --report file (%s) is written 0600, a replaced one too',
    async (format) => {
      const dep = await makeDeployment('e5-deployer.yaml');
      const fresh = join(dep.dir, 'fresh-report');
      const old = join(dep.dir, 'old-report');
      await writeFile(old, 'previous report\n', { mode: 0o644 });
      for (const report of [fresh, old]) {
        const result = await cli(
          ['migrate', '--dry-run', dep.stateFile, '--format', format, '--report', report],
          dep.dir,
        );
        expect(result.code, result.err).toBe(0);
        expect(await modeOf(report)).toBe(0o600);
        expect(await readFile(report, 'utf8')).toContain('private_key');
      }
    },
  );
});

describe('migrate --report never overwrites the state, the events file or a backup', () => {
  async function refused(
    report: (dep: Awaited<ReturnType<typeof makeDeployment>>) => Promise<string>,
    dryRun = true,
  ) {
    const dep = await makeDeployment('e5-deployer.yaml', {
      events:
        'events:\n  - {timestamp: "2025-12-03T09:12:44Z", action: "deployment_started", message: "x"}\n',
    });
    // A backup to protect: an earlier migration's folder.
    const backup = join(dep.archive, 'k0rdent-q7x2m9pa_2026-01-01_00-00-00_migration');
    await mkdir(backup, { recursive: true });
    await writeFile(join(backup, 'deployment-state.yaml'), dep.original);
    const path = await report(dep);
    const events = await readFile(dep.eventsFile);
    const result = await cli(
      ['migrate', ...(dryRun ? ['--dry-run'] : []), dep.stateFile, '--report', path],
      dep.dir,
    );
    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(result.err).toMatch(
      /^\S+: error: --report \S+ is .*; a report must not overwrite the state file, its lock, the events file or a backup: pass another path, e\.g\. migration-report\.txt \[report-path-refused\]\n$/,
    );
    expect(await readFile(dep.stateFile)).toEqual(dep.original);
    expect(await readFile(dep.eventsFile)).toEqual(events);
    expect(await readFile(join(backup, 'deployment-state.yaml'))).toEqual(dep.original);
    expect(await readdir(dep.archive)).toEqual(['k0rdent-q7x2m9pa_2026-01-01_00-00-00_migration']);
    return result;
  }

  it('the state file itself (dry run and apply)', async () => {
    const result = await refused(async (dep) => dep.stateFile);
    expect(result.err).toContain('is the state file (or a link to it)');
    await refused(async (dep) => dep.stateFile, false);
  });

  it('a relative path to it, a symbolic link and a hard link to it', async () => {
    await refused(async () => 'state/../state/deployment-state.yaml');
    await refused(async (dep) => {
      const path = join(dep.dir, 'report-link');
      await symlink(dep.stateFile, path);
      return path;
    });
    await refused(async (dep) => {
      const path = join(dep.dir, 'hard-link');
      await link(dep.stateFile, path);
      return path;
    });
  });

  it('the events file, the lock, and anything under old_deployments/', async () => {
    expect((await refused(async (dep) => dep.eventsFile)).err).toContain('is the events file');
    expect((await refused(async (dep) => `${dep.stateFile}.lock`)).err).toContain("is the state file's lock");
    for (const inside of [
      '',
      'new-report.txt',
      'k0rdent-q7x2m9pa_2026-01-01_00-00-00_migration/deployment-state.yaml',
    ]) {
      const result = await refused(async (dep) => join(dep.archive, inside));
      expect(result.err).toContain('is the old_deployments/ archive');
    }
  });

  it('a report beside them is fine', async () => {
    const dep = await makeDeployment('e5-deployer.yaml');
    const result = await cli(
      ['migrate', '--dry-run', dep.stateFile, '--report', join(dep.stateDir, 'report.txt')],
      dep.dir,
    );
    expect(result.code, result.err).toBe(0);
    expect(await readFile(dep.stateFile)).toEqual(dep.original);
  });
});
