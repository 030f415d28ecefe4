// `k0rdent-state rollback` (issue 3, item 5): restores the newest verified migration backup,
// archives the replaced file, deletes nothing, and refuses a backup whose bytes changed.
import { existsSync } from 'node:fs';
import { appendFile, lstat, mkdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  cleanupDeployments,
  cli,
  EVENTS_TEXT,
  list,
  makeDeployment,
  ok,
  REPO,
  STACK_LINE,
  STAMP,
  sha256,
  snapshot,
  spawnCli,
} from './helpers/tmp-state.js';

const STATE = 'state/deployment-state.yaml';
const LATER = '2026-05-06T07:08:09Z';
const LATER_STAMP = '2026-05-06_07-08-09';

afterAll(cleanupDeployments);

/** Every file under old_deployments/ with its sha256, to prove nothing was deleted or changed. */
async function archiveContents(archive: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const folder of await list(archive)) {
    for (const name of await list(join(archive, folder))) {
      out[`${folder}/${name}`] = sha256(await readFile(join(archive, folder, name)));
    }
  }
  return out;
}

async function migrated(fixture: string, options: { events?: string; mode?: number } = {}) {
  const d = await makeDeployment(fixture, options);
  const result = await cli(['migrate', STATE], d.dir);
  expect(result.code, result.err).toBe(0);
  const id = String(parse(d.original.toString('utf8')).deployment_id);
  return { ...d, id, v2: await readFile(d.stateFile) };
}

describe('rollback', () => {
  it.each([
    ['e5-deployer.yaml', 0o600],
    ['crlf.yaml', 0o640],
    ['comments.yaml', 0o644],
  ])(
    '%s: apply then rollback restores the original bytes exactly and archives the v2 file',
    async (fixture, mode) => {
      const d = await migrated(fixture, { events: EVENTS_TEXT, mode });
      expect(sha256(d.v2)).not.toBe(sha256(d.original));
      const archiveBefore = await archiveContents(d.archive);

      const result = await cli(['rollback', '--now', LATER, STATE], d.dir);

      expect(result.err).toBe('');
      expect(result.code, result.err).toBe(0);
      const restored = await readFile(d.stateFile);
      expect(sha256(restored)).toBe(sha256(d.original));
      expect(restored).toEqual(d.original);
      expect((await stat(d.stateFile)).mode & 0o7777).toBe(mode);

      const rollbackFolder = `${d.id}_${LATER_STAMP}_rollback`;
      expect(await list(d.archive)).toEqual([`${d.id}_${STAMP}_migration`, rollbackFolder]);
      expect(await readFile(join(d.archive, rollbackFolder, 'deployment-state.yaml'))).toEqual(d.v2);
      // Nothing under old_deployments/ was deleted or changed.
      expect(await archiveContents(d.archive)).toMatchObject(archiveBefore);
      expect(result.out).toBe(
        `restored ${STATE} (v1) from old_deployments/${d.id}_${STAMP}_migration; the replaced file is in old_deployments/${rollbackFolder}\n`,
      );
      const events = parse(await readFile(d.eventsFile, 'utf8')).events as Array<{ action: string }>;
      expect(events.map((event) => event.action)).toEqual([
        'deployment_started',
        'state_migrated',
        'state_rolled_back',
      ]);
      expect(await list(d.stateDir)).toEqual(['deployment-events.yaml', 'deployment-state.yaml']);
    },
  );

  it('restores through a symlinked state file, which stays a link', async () => {
    const d = await makeDeployment('e5-deployer.yaml');
    const real = join(d.dir, 'volume', 'real-state.yaml');
    await mkdir(join(d.dir, 'volume'));
    await writeFile(real, d.original);
    await rm(d.stateFile);
    await symlink('../volume/real-state.yaml', d.stateFile);
    await ok(cli(['migrate', STATE], d.dir));
    const v2 = await readFile(real);

    await ok(cli(['rollback', '--now', LATER, STATE], d.dir));

    expect((await lstat(d.stateFile)).isSymbolicLink()).toBe(true);
    expect(await readFile(real)).toEqual(d.original);
    const id = String(parse(d.original.toString('utf8')).deployment_id);
    expect(await readFile(join(d.archive, `${id}_${LATER_STAMP}_rollback`, 'deployment-state.yaml'))).toEqual(
      v2,
    );
    expect(await list(join(d.dir, 'volume'))).toEqual(['real-state.yaml']);
  });

  it('restores the newest migration after a second migrate, and keeps every folder', async () => {
    const d = await migrated('e6-skipped.yaml');
    await ok(cli(['rollback', '--now', LATER, STATE], d.dir));
    await ok(cli(['migrate', '--now', '2026-07-01T00:00:00Z', STATE], d.dir));
    const before = await archiveContents(d.archive);

    const result = await cli(['rollback', '--now', '2026-08-01T00:00:00Z', STATE], d.dir);

    expect(result.code, result.err).toBe(0);
    expect(result.out).toContain(`from old_deployments/${d.id}_2026-07-01_00-00-00_migration;`);
    expect(await readFile(d.stateFile)).toEqual(d.original);
    expect(await list(d.archive)).toEqual([
      `${d.id}_${STAMP}_migration`,
      `${d.id}_${LATER_STAMP}_rollback`,
      `${d.id}_2026-07-01_00-00-00_migration`,
      `${d.id}_2026-08-01_00-00-00_rollback`,
    ]);
    expect(await archiveContents(d.archive)).toMatchObject(before);
  });

  it('--dry-run says which backup it would restore and changes nothing', async () => {
    const d = await migrated('e4-source-config.yaml', { events: EVENTS_TEXT });
    const past = new Date('2025-01-01T00:00:00Z');
    await utimes(d.stateFile, past, past);
    const before = await snapshot(d.stateFile);
    const events = await snapshot(d.eventsFile);
    const archive = await archiveContents(d.archive);

    const result = await cli(['rollback', '--dry-run', STATE], d.dir);

    expect(result.code, result.err).toBe(0);
    expect(result.err).toBe('');
    expect(result.out).toBe(
      `would restore ${STATE} (v1) from old_deployments/${d.id}_${STAMP}_migration, after archiving the current file to old_deployments/<id>_<time>_rollback/\n`,
    );
    expect(await snapshot(d.stateFile)).toEqual(before);
    expect(await snapshot(d.eventsFile)).toEqual(events);
    expect(await archiveContents(d.archive)).toEqual(archive);
    expect(await list(d.stateDir)).toEqual(['deployment-events.yaml', 'deployment-state.yaml']);
  });

  it('refuses a tampered backup: exit 1, a clear message, the state file untouched', async () => {
    const d = await migrated('e5-deployer.yaml', { events: EVENTS_TEXT });
    const folder = `${d.id}_${STAMP}_migration`;
    await appendFile(join(d.archive, folder, 'deployment-state.yaml'), '# edited by hand\n');
    const before = await snapshot(d.stateFile);
    const archive = await archiveContents(d.archive);

    for (const argv of [
      ['rollback', STATE],
      ['rollback', '--dry-run', STATE],
    ]) {
      const result = await cli(argv, d.dir);
      expect(result.code, result.err).toBe(1);
      expect(result.out).toBe('');
      expect(result.err).toMatch(/^state\/deployment-state\.yaml: error: refusing to restore/);
      expect(result.err).toContain(`old_deployments/${folder}`);
      expect(result.err).toContain('does not match input_sha256');
      expect(result.err).toContain('restore the original by hand');
      expect(result.err).toMatch(/\[backup-mismatch\]\n$/);
    }
    expect(await snapshot(d.stateFile)).toEqual(before);
    expect(await archiveContents(d.archive)).toEqual(archive);
    expect(await list(d.stateDir)).toEqual(['deployment-events.yaml', 'deployment-state.yaml']);
  });

  it('refuses when the backup is gone: exit 1, the state file untouched', async () => {
    const d = await migrated('e2-flags.yaml');
    await rm(join(d.archive, `${d.id}_${STAMP}_migration`), { recursive: true });
    const before = await snapshot(d.stateFile);
    const result = await cli(['rollback', STATE], d.dir);
    expect(result.code, result.err).toBe(1);
    expect(result.err).toContain(`no migration backup of ${d.id} in old_deployments/`);
    expect(result.err).toMatch(/\[backup-not-found\]\n$/);
    expect(await snapshot(d.stateFile)).toEqual(before);
    expect(await list(d.archive)).toEqual([]);
  });

  it('refuses a file without migrations_applied: exit 1, a clear message', async () => {
    const v1 = await makeDeployment('e5-deployer.yaml');
    const fresh = await makeDeployment('', { content: await readFile(join(REPO, 'fixtures/v2/fresh.yaml')) });
    for (const d of [v1, fresh]) {
      const result = await cli(['rollback', STATE], d.dir);
      expect(result.code, result.err).toBe(1);
      expect(result.out).toBe('');
      expect(result.err).toBe(
        `${STATE}: error: records no migration (migrations_applied is empty or missing), so there is nothing to roll back [nothing-to-roll-back]\n`,
      );
      expect(await readFile(d.stateFile)).toEqual(d.original);
      expect(existsSync(d.archive)).toBe(false);
    }
  });

  it('works through the installed CLI, without a stack trace on refusal', async () => {
    const d = await makeDeployment('failed.yaml');
    await ok(spawnCli(['migrate', '--auto'], { cwd: d.dir }));
    const restored = await spawnCli(['rollback', '--now', LATER], { cwd: d.dir });
    expect(restored.code, restored.err).toBe(0);
    expect(await readFile(d.stateFile)).toEqual(d.original);
    const again = await spawnCli(['rollback'], { cwd: d.dir });
    expect(again.code, again.err).toBe(1);
    expect(again.err).toContain('nothing to roll back');
    expect(again.err).not.toMatch(STACK_LINE);
  });
});

describe('rollback: what was recorded after the migration', () => {
  const SYNCED = '2026-04-01T00:00:00Z';
  const OUTPUTS = join(REPO, 'fixtures/terraform/outputs.json');

  /** A migrated deployment that then ran twice, synced Terraform, and logged events. */
  async function usedAfterMigration() {
    const d = await migrated('e5-deployer.yaml', { events: EVENTS_TEXT });
    const runs: string[] = [];
    for (const now of ['2026-03-05T00:00:00Z', '2026-03-06T00:00:00Z']) {
      const started = await cli(['run', 'start', '--kof', 'false', '--now', now], d.dir);
      expect(started.code, started.err).toBe(0);
      runs.push(started.out.trim());
      await appendFile(
        d.eventsFile,
        `  - {timestamp: "${now}", action: "deployment_started", message: "run ${started.out.trim()}"}\n`,
      );
    }
    const synced = await cli(['infra', 'sync', '--outputs', OUTPUTS, '--now', SYNCED], d.dir);
    expect(synced.code, synced.err).toBe(0);
    return { ...d, runs, used: await readFile(d.stateFile) };
  }

  it('the dry run lists the runs, the Terraform sync and the events it would leave behind', async () => {
    const d = await usedAfterMigration();
    const result = await cli(['rollback', '--dry-run', STATE], d.dir);
    expect(result.code, result.err).toBe(0);
    expect(result.out).toBe(
      [
        `would restore ${STATE} (v1) from old_deployments/${d.id}_${STAMP}_migration, after archiving the current file to old_deployments/<id>_<time>_rollback/`,
        `would leave behind 2 runs (${d.runs.join(', ')}), a Terraform sync (${SYNCED}) and 2 events in deployment-events.yaml, recorded after the migration of 2026-03-04T05:06:07Z: the restored file would not have them (the archived file keeps them); rolling back needs --discard-later-runs`,
        '',
      ].join('\n'),
    );
    expect(await readFile(d.stateFile)).toEqual(d.used);
  });

  it('refuses to act without --discard-later-runs, naming them, and changes nothing', async () => {
    const d = await usedAfterMigration();
    const archive = await archiveContents(d.archive);
    const events = await readFile(d.eventsFile);
    const result = await cli(['rollback', '--now', LATER, STATE], d.dir);
    expect(result.err).toBe(
      `${STATE}: error: refusing to roll back: the file has 2 runs (${d.runs.join(', ')}), a Terraform sync (${SYNCED}) and 2 events in deployment-events.yaml, recorded after the migration of 2026-03-04T05:06:07Z, which the restored v1 file would not have (the replaced file would keep them in old_deployments/, the events stay in deployment-events.yaml); nothing was changed: review with k0rdent-state rollback --dry-run ${STATE}, then add --discard-later-runs to roll back anyway [later-runs]\n`,
    );
    expect(result.code).toBe(1);
    expect(await readFile(d.stateFile)).toEqual(d.used);
    expect(await readFile(d.eventsFile)).toEqual(events);
    expect(await archiveContents(d.archive)).toEqual(archive);
  });

  it('with --discard-later-runs restores the original and says what the archived file keeps', async () => {
    const d = await usedAfterMigration();
    const result = await cli(['rollback', '--discard-later-runs', '--now', LATER, STATE], d.dir);
    expect(result.code, result.err).toBe(0);
    expect(await readFile(d.stateFile)).toEqual(d.original);
    const folder = `old_deployments/${d.id}_${LATER_STAMP}_rollback`;
    expect(await readFile(join(d.dir, folder, 'deployment-state.yaml'))).toEqual(d.used);
    expect(result.out.split('\n')[1]).toBe(
      `left behind 2 runs (${d.runs.join(', ')}), a Terraform sync (${SYNCED}) and 2 events in deployment-events.yaml, recorded after the migration of 2026-03-04T05:06:07Z; ${folder} keeps them`,
    );
  });

  it('a runtime write alone after the migration is named too; nothing after it needs no option', async () => {
    const d = await migrated('e5-deployer.yaml', { events: EVENTS_TEXT });
    const clean = await cli(['rollback', '--dry-run', STATE], d.dir);
    expect(clean.out.split('\n')).toHaveLength(2);
    const set = await cli(
      ['runtime', 'set', 'wireguard_config.vpn_connected', 'false', '--now', LATER],
      d.dir,
    );
    expect(set.code, set.err).toBe(0);
    const refused = await cli(['rollback', STATE], d.dir);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(
      `the file has changes written at ${LATER}, recorded after the migration of 2026-03-04T05:06:07Z`,
    );
  });
});
