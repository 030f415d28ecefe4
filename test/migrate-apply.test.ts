// `k0rdent-state migrate` on a deployer working folder (issue 3, item 4): dry run, apply with
// backup, mode, events, --auto, --check, --report, symlinks and CRLF.
import { existsSync, readdirSync } from 'node:fs';
import { lstat, mkdir, readFile, readlink, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { migrateFile } from '../src/migrate/apply.js';
import {
  checkV2,
  cleanupDeployments,
  cli,
  EVENTS_TEXT,
  list,
  makeDeployment,
  NOW,
  ok,
  REPO,
  STACK_LINE,
  STAMP,
  STEP_IDS,
  sha256,
  snapshot,
  spawnCli,
  TEMP_FILE,
} from './helpers/tmp-state.js';

const STATE = 'state/deployment-state.yaml';
const E5_ID = 'k0rdent-q7x2m9pa';
const PACKAGE_VERSION = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')).version as string;
const V1_FIXTURES = readdirSync(join(REPO, 'fixtures/v1'))
  .filter((name) => name.endsWith('.yaml'))
  .sort();

afterAll(cleanupDeployments);

/** Pushes a file's mtime into the past, so that a rewrite within the same second shows. */
async function age(file: string): Promise<void> {
  const past = new Date('2025-01-01T00:00:00Z');
  await utimes(file, past, past);
}

/** Every private_key value of a v1 file. */
function privateKeys(text: string): string[] {
  return [...text.matchAll(/private_key:\s*"([^"]+)"/g)].map((match) => match[1] as string);
}

describe('migrate --dry-run', () => {
  it('prints the report and the diff and changes nothing: bytes, mtime, no old_deployments', async () => {
    const d = await makeDeployment('e5-deployer.yaml', { events: EVENTS_TEXT, mode: 0o600 });
    await age(d.stateFile);
    await age(d.eventsFile);
    const before = await snapshot(d.stateFile);
    const eventsBefore = await snapshot(d.eventsFile);

    const result = await cli(['migrate', '--dry-run', STATE], d.dir);

    expect(result.code, result.err).toBe(0);
    expect(result.out).toMatch(
      /^Would migrate state\/deployment-state\.yaml from v1 to v2: \d+ changes in 6 steps/,
    );
    for (const id of STEP_IDS) expect(result.out).toContain(id);
    expect(result.out).toContain('+schema_version: 2');
    expect(result.out).toContain('-azure_rg_status: "created"');
    expect(await snapshot(d.stateFile)).toEqual(before);
    expect(await snapshot(d.eventsFile)).toEqual(eventsBefore);
    expect(existsSync(d.archive)).toBe(false);
    expect(await list(d.stateDir)).toEqual(['deployment-events.yaml', 'deployment-state.yaml']);
  });

  it('never prints a private key, in any format', async () => {
    const d = await makeDeployment('large-peers.yaml');
    const keys = privateKeys(d.original.toString('utf8'));
    expect(keys.length).toBeGreaterThanOrEqual(5);
    for (const format of ['text', 'json', 'markdown']) {
      const result = await cli(['migrate', '--dry-run', '--format', format, STATE], d.dir);
      expect(result.code, result.err).toBe(0);
      expect(result.out).toContain('<redacted>');
      for (const key of keys) expect(result.out).not.toContain(key);
    }
    expect(await readFile(d.stateFile)).toEqual(d.original);
  });
});

describe('migrate (apply)', () => {
  it('backs up the original and the events file, writes valid v2, keeps mode 0600, logs an event', async () => {
    const d = await makeDeployment('e5-deployer.yaml', { events: EVENTS_TEXT, mode: 0o600 });

    const result = await cli(['migrate', STATE], d.dir);

    expect(result.err).toBe('');
    expect(result.code, result.err).toBe(0);
    const folder = `${E5_ID}_${STAMP}_migration`;
    expect(await list(d.archive)).toEqual([folder]);
    expect(await list(join(d.archive, folder))).toEqual(['deployment-events.yaml', 'deployment-state.yaml']);
    expect(await readFile(join(d.archive, folder, 'deployment-state.yaml'))).toEqual(d.original);
    expect(await readFile(join(d.archive, folder, 'deployment-events.yaml'), 'utf8')).toBe(EVENTS_TEXT);
    expect(result.out).toContain(`Backup: old_deployments/${folder}\n`);

    const after = await snapshot(d.stateFile);
    expect(after.mode).toBe(0o600);
    const { data, errors } = checkV2(after.bytes.toString('utf8'));
    expect(errors).toEqual([]);
    expect(data.schema_version).toBe(2);
    expect(data.deployment_id).toBe(E5_ID);
    expect(data.last_updated).toBe(NOW);
    const applied = data.migrations_applied as Array<Record<string, unknown>>;
    expect(applied).toHaveLength(1);
    expect(applied[0]).toMatchObject({
      id: 'v1-to-v2',
      from_version: 1,
      to_version: 2,
      steps: STEP_IDS,
      applied_at: NOW,
      tool_version: PACKAGE_VERSION,
      input_sha256: sha256(d.original),
    });
    // The header comment survives.
    expect(after.bytes.toString('utf8')).toMatch(/^# k0rdent Deployment State\n/);

    const events = parse(await readFile(d.eventsFile, 'utf8')).events as Array<Record<string, string>>;
    expect(events).toHaveLength(2);
    expect(events[0]).toEqual({
      timestamp: '2025-12-03T09:12:44Z',
      action: 'deployment_started',
      message: 'Deployment started',
    });
    expect(events[1]?.action).toBe('state_migrated');
    expect(events[1]?.timestamp).toBe(NOW);
    expect(events[1]?.message).toContain(`old_deployments/${folder}`);
    expect(await list(d.stateDir)).toEqual(['deployment-events.yaml', 'deployment-state.yaml']);
  });

  it('keeps mode 0640, names the folder in UTC, and creates no events file when there is none', async () => {
    const d = await makeDeployment('e3-phases.yaml', { mode: 0o640 });
    const id = String(parse(d.original.toString('utf8')).deployment_id);

    // 07:06:07 at +02:00 is 05:06:07 UTC.
    const result = await cli(['migrate', '--now', '2026-03-04T07:06:07+02:00', STATE], d.dir);

    expect(result.code, result.err).toBe(0);
    expect((await stat(d.stateFile)).mode & 0o7777).toBe(0o640);
    expect(await list(d.archive)).toEqual([`${id}_2026-03-04_05-06-07_migration`]);
    expect(await list(join(d.archive, `${id}_2026-03-04_05-06-07_migration`))).toEqual([
      'deployment-state.yaml',
    ]);
    expect(await list(d.stateDir)).toEqual(['deployment-state.yaml']);
    expect(checkV2(await readFile(d.stateFile, 'utf8')).errors).toEqual([]);
  });

  it.each(V1_FIXTURES)(
    '%s: one backup holding the original bytes, a valid v2 file recording them',
    async (fixture) => {
      const d = await makeDeployment(fixture);
      const id = String(parse(d.original.toString('utf8')).deployment_id);

      const result = await cli(['migrate', STATE], d.dir);

      expect(result.code, result.err).toBe(0);
      expect(result.out + result.err).not.toMatch(STACK_LINE);
      const folders = await list(d.archive);
      expect(folders).toEqual([`${id.replace(/[^A-Za-z0-9._-]/g, '_')}_${STAMP}_migration`]);
      expect(await readFile(join(d.archive, folders[0] as string, 'deployment-state.yaml'))).toEqual(
        d.original,
      );
      const { data, errors } = checkV2(await readFile(d.stateFile, 'utf8'));
      expect(errors).toEqual([]);
      const applied = data.migrations_applied as Array<Record<string, unknown>>;
      expect(applied).toHaveLength(1);
      expect(applied[0]?.input_sha256).toBe(sha256(d.original));
      expect(applied[0]?.steps).toEqual(STEP_IDS);
      expect(await list(d.stateDir)).toEqual(['deployment-state.yaml']);
    },
  );

  it('is a no-op on a file that is already v2: same bytes, no backup', async () => {
    const d = await makeDeployment('e5-deployer.yaml');
    await ok(cli(['migrate', STATE], d.dir));
    await age(d.stateFile);
    const migrated = await snapshot(d.stateFile);

    const again = await cli(['migrate', '--now', '2027-01-01T00:00:00Z', STATE], d.dir);

    expect(again.code, again.err).toBe(0);
    expect(again.out).toBe('');
    expect(again.err).toBe(`${STATE} is already v2; nothing to migrate\n`);
    expect(await snapshot(d.stateFile)).toEqual(migrated);
    expect(await list(d.archive)).toHaveLength(1);

    const fixture = await makeDeployment('', {
      content: await readFile(join(REPO, 'fixtures/v2/several-runs.yaml')),
    });
    await age(fixture.stateFile);
    const before = await snapshot(fixture.stateFile);
    await ok(cli(['migrate', STATE], fixture.dir));
    expect(await snapshot(fixture.stateFile)).toEqual(before);
    expect(existsSync(fixture.archive)).toBe(false);
  });

  it('writes through a symlinked state file: the link stays, backup and events stay beside the link', async () => {
    const d = await makeDeployment('e5-deployer.yaml', { events: EVENTS_TEXT });
    const shared = join(d.dir, 'shared', 'volume');
    await mkdir(shared, { recursive: true });
    const real = join(shared, 'real-state.yaml');
    await writeFile(real, d.original);
    await rm(d.stateFile);
    await symlink('../shared/volume/real-state.yaml', d.stateFile);

    const result = await cli(['migrate', STATE], d.dir);

    expect(result.err).toBe('');
    expect(result.code, result.err).toBe(0);
    expect((await lstat(d.stateFile)).isSymbolicLink()).toBe(true);
    expect(await readlink(d.stateFile)).toBe('../shared/volume/real-state.yaml');
    expect(checkV2(await readFile(real, 'utf8')).errors).toEqual([]);
    const folder = `${E5_ID}_${STAMP}_migration`;
    expect(await list(d.archive)).toEqual([folder]);
    expect(await readFile(join(d.archive, folder, 'deployment-state.yaml'))).toEqual(d.original);
    expect(existsSync(join(d.dir, 'shared', 'old_deployments'))).toBe(false);
    expect(await readFile(d.eventsFile, 'utf8')).toContain('state_migrated');
    expect(await list(shared)).toEqual(['real-state.yaml']);
    expect(await list(d.stateDir)).toEqual(['deployment-events.yaml', 'deployment-state.yaml']);
  });

  it('keeps CRLF line endings', async () => {
    const d = await makeDeployment('crlf.yaml');
    expect(d.original.toString('utf8')).toContain('\r\n');

    await ok(cli(['migrate', STATE], d.dir));

    const text = await readFile(d.stateFile, 'utf8');
    expect(text).toContain('schema_version: 2\r\n');
    expect(
      text
        .split('\n')
        .slice(0, -1)
        .every((line) => line.endsWith('\r')),
    ).toBe(true);
    expect(checkV2(text).errors).toEqual([]);
    const [folder] = await list(d.archive);
    expect(await readFile(join(d.archive, folder as string, 'deployment-state.yaml'))).toEqual(d.original);
  });
});

describe('the diff in the report', () => {
  it('is only computed on apply when asked for (it is slow on large files, and apply holds the lock)', async () => {
    const plain = await makeDeployment('e5-deployer.yaml');
    const applied = await migrateFile(plain.stateFile, { now: new Date(NOW) });
    expect(applied.status).toBe('migrated');
    expect(applied.report?.diff).toBe('');
    expect(applied.report?.changes.length).toBeGreaterThan(10);

    const asked = await makeDeployment('e5-deployer.yaml');
    const withDiff = await migrateFile(asked.stateFile, { now: new Date(NOW), diff: true });
    expect(withDiff.report?.diff).toContain('+schema_version: 2');

    const dry = await makeDeployment('e5-deployer.yaml');
    const dryRun = await migrateFile(dry.stateFile, { now: new Date(NOW), dryRun: true });
    expect(dryRun.report?.diff).toContain('+schema_version: 2');
  });
});

describe('migrate --report', () => {
  it('--format json writes the report of the apply, with the backup and the input hash', async () => {
    const d = await makeDeployment('large-peers.yaml');
    const result = await cli(['migrate', '--report', 'migration.json', '--format', 'json', STATE], d.dir);
    expect(result.code, result.err).toBe(0);
    const text = await readFile(join(d.dir, 'migration.json'), 'utf8');
    const report = JSON.parse(text);
    expect(report).toMatchObject({
      file: STATE,
      from_version: 1,
      to_version: 2,
      applied: true,
      migrated_at: NOW,
      input_sha256: sha256(d.original),
      backup: `old_deployments/${(await list(d.archive))[0]}`,
    });
    expect(report.steps.map((step: { id: string }) => step.id)).toEqual(STEP_IDS);
    expect(report.changes.length).toBeGreaterThan(10);
    expect(report.diff).toContain('+schema_version: 2');
    for (const key of privateKeys(d.original.toString('utf8'))) expect(text).not.toContain(key);
  });

  it('--format markdown with --dry-run writes a markdown report and nothing else', async () => {
    const d = await makeDeployment('kof-enabled.yaml');
    const before = await snapshot(d.stateFile);
    const result = await cli(
      ['migrate', '--dry-run', '--report', 'migration.md', '--format', 'markdown', STATE],
      d.dir,
    );
    expect(result.code, result.err).toBe(0);
    const text = await readFile(join(d.dir, 'migration.md'), 'utf8');
    expect(text).toMatch(/^### Would migrate `state\/deployment-state\.yaml` from v1 to v2/);
    expect(text).toContain('| `normalize-v1` |');
    expect(text).toContain('```diff');
    expect(await snapshot(d.stateFile)).toEqual(before);
    expect(existsSync(d.archive)).toBe(false);
  });
});

describe('migrate --check', () => {
  it('exits 1 on v1 and 0 on v2, writing nothing', async () => {
    const d = await makeDeployment('e2-flags.yaml');
    const before = await snapshot(d.stateFile);
    const v1 = await cli(['migrate', '--check', STATE], d.dir);
    expect(v1.code, v1.err).toBe(1);
    expect(v1.out).toContain('needs migrating to v2');
    expect(await snapshot(d.stateFile)).toEqual(before);
    expect(existsSync(d.archive)).toBe(false);

    await ok(cli(['migrate', STATE], d.dir));
    const v2 = await cli(['migrate', '--check', STATE], d.dir);
    expect(v2).toEqual({ code: 0, out: '', err: '' });
  });
});

describe('migrate --auto (the installed CLI, as deployer scripts run it)', () => {
  it('on v1: migrates, one line on stderr, nothing on stdout', async () => {
    const d = await makeDeployment('mid-deploy.yaml', { events: EVENTS_TEXT });
    const id = String(parse(d.original.toString('utf8')).deployment_id);

    const result = await spawnCli(['migrate', '--auto'], { cwd: d.dir });

    expect(result.code, result.err).toBe(0);
    expect(result.out).toBe('');
    expect(result.err).toBe(
      `k0rdent-state: migrated ${STATE} from v1 to v2; original saved in old_deployments/${id}_${STAMP}_migration\n`,
    );
    expect(checkV2(await readFile(d.stateFile, 'utf8')).errors).toEqual([]);
    expect(await readFile(join(d.archive, `${id}_${STAMP}_migration`, 'deployment-state.yaml'))).toEqual(
      d.original,
    );
  });

  it('on v2: silent, exit 0, file untouched', async () => {
    for (const fixture of ['fresh.yaml', 'migrated.yaml']) {
      const d = await makeDeployment('', { content: await readFile(join(REPO, 'fixtures/v2', fixture)) });
      await age(d.stateFile);
      const before = await snapshot(d.stateFile);
      const result = await spawnCli(['migrate', '--auto', STATE], { cwd: d.dir });
      expect({ fixture, ...result }).toEqual({ fixture, code: 0, out: '', err: '', signal: null });
      expect(await snapshot(d.stateFile)).toEqual(before);
      expect(await list(d.dir)).toEqual(['state']);
      expect(await list(d.stateDir)).toEqual(['deployment-state.yaml']);
    }
  });

  it('on a v2 file through the full path (in-process): silent, exit 0, file untouched', async () => {
    const d = await makeDeployment('e6-skipped.yaml');
    await ok(cli(['migrate', STATE], d.dir));
    await age(d.stateFile);
    const before = await snapshot(d.stateFile);
    expect(await cli(['migrate', '--auto', STATE], d.dir)).toEqual({ code: 0, out: '', err: '' });
    expect(await snapshot(d.stateFile)).toEqual(before);
    expect(await list(d.archive)).toHaveLength(1);
  });

  it('on a missing file: silent, exit 0, creates nothing', async () => {
    const d = await makeDeployment('e0-initial.yaml');
    const empty = join(d.dir, 'fresh-checkout');
    await mkdir(empty);
    const result = await spawnCli(['migrate', '--auto'], { cwd: empty });
    expect(result).toEqual({ code: 0, out: '', err: '', signal: null });
    expect(await list(empty)).toEqual([]);
    expect(await cli(['migrate', '--auto'], empty)).toEqual({ code: 0, out: '', err: '' });
    expect(await list(empty)).toEqual([]);
  });

  it('on schema_version 99: exit 4, names 99 and 2, file untouched', async () => {
    const text = (await readFile(join(REPO, 'fixtures/v1/e5-deployer.yaml'), 'utf8')).replace(
      'deployment_id:',
      'schema_version: 99\ndeployment_id:',
    );
    const d = await makeDeployment('', { content: text });
    await age(d.stateFile);
    const before = await snapshot(d.stateFile);
    for (const argv of [
      ['migrate', '--auto'],
      ['migrate', STATE],
    ]) {
      const result = await spawnCli(argv, { cwd: d.dir });
      expect(result.code, result.err).toBe(4);
      expect(result.out).toBe('');
      expect(result.err).toMatch(/schema_version 99 is newer than this tool knows \(2\)/);
      expect(result.err).toMatch(/upgrade k0rdent-state/);
      expect(result.err.trim().split('\n')).toHaveLength(1);
      expect(result.err).not.toMatch(STACK_LINE);
    }
    expect(await snapshot(d.stateFile)).toEqual(before);
    expect(await list(d.dir)).toEqual(['state']);
    expect((await list(d.stateDir)).filter((name) => TEMP_FILE.test(name) || name.endsWith('.lock'))).toEqual(
      [],
    );
  });
});
