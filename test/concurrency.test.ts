// Concurrent writers (issue 3, item 6) and the lock beside the state file: 16 `migrate --auto`
// processes at once end with one migration; a dead holder's lock is reclaimed; a live one is
// waited for and then reported (exit 5).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  checkV2,
  cleanupDeployments,
  cli,
  EVENTS_TEXT,
  finished,
  list,
  makeDeployment,
  ok,
  STACK_LINE,
  STAMP,
  sha256,
  snapshot,
  spawnCli,
  startCli,
} from './helpers/tmp-state.js';

const STATE = 'state/deployment-state.yaml';
const E5_ID = 'k0rdent-q7x2m9pa';

afterAll(cleanupDeployments);

/** The pid of a process that has exited (so no process has it, barring reuse). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  expect(child.status).toBe(0);
  return child.pid as number;
}

function lockText(pid: number, host = hostname()): string {
  return `${JSON.stringify({ pid, host, started_at: '2026-01-01T00:00:00Z', command: 'k0rdent-state migrate' })}\n`;
}

/** Runs 16 `migrate --auto` at once and checks they end with exactly one migration. */
async function sixteenAtOnce(d: Awaited<ReturnType<typeof makeDeployment>>) {
  const children = Array.from({ length: 16 }, () => startCli(['migrate', '--auto', STATE], { cwd: d.dir }));
  const results = await Promise.all(children.map(finished));

  for (const result of results) {
    expect(result.err).not.toMatch(STACK_LINE);
    expect(result.out).toBe('');
    expect(result.code, result.err).toBe(0);
  }
  const folder = `${E5_ID}_${STAMP}_migration`;
  // Exactly one of them migrated and said so; the others found nothing to do.
  expect(results.filter((result) => result.err !== '').map((result) => result.err)).toEqual([
    `k0rdent-state: migrated ${STATE} from v1 to v2; original saved in old_deployments/${folder}\n`,
  ]);
  expect(await list(d.archive)).toEqual([folder]);
  expect(await readFile(join(d.archive, folder, 'deployment-state.yaml'))).toEqual(d.original);
  const { data, errors } = checkV2(await readFile(d.stateFile, 'utf8'));
  expect(errors).toEqual([]);
  const applied = data.migrations_applied as Array<{ input_sha256: string }>;
  expect(applied).toHaveLength(1);
  expect(applied[0]?.input_sha256).toBe(sha256(d.original));
  const events = parse(await readFile(d.eventsFile, 'utf8')).events as Array<{ action: string }>;
  expect(events.filter((event) => event.action === 'state_migrated')).toHaveLength(1);
  // No lock, no temp file, no reclaimed-lock leftovers.
  expect(await list(d.stateDir)).toEqual(['deployment-events.yaml', 'deployment-state.yaml']);
}

describe('16 processes running migrate --auto on one v1 file at once', () => {
  it('end with one migration, one backup folder, a valid v2 file and no lock or temp file', async () => {
    const d = await makeDeployment('e5-deployer.yaml', { events: EVENTS_TEXT, mode: 0o600 });
    await sixteenAtOnce(d);
    expect((await snapshot(d.stateFile)).mode).toBe(0o600);
  });

  it('do the same when a dead process left its lock behind', async () => {
    const d = await makeDeployment('e5-deployer.yaml', { events: EVENTS_TEXT });
    await writeFile(`${d.stateFile}.lock`, lockText(deadPid()));
    await sixteenAtOnce(d);
  });
});

describe('the lock beside the state file', () => {
  it('reclaims a lock whose process is gone', async () => {
    const d = await makeDeployment('e5-deployer.yaml');
    await writeFile(`${d.stateFile}.lock`, lockText(deadPid()));

    const result = await spawnCli(['migrate', '--lock-timeout', '2', STATE], { cwd: d.dir });

    expect(result.err).toBe('');
    expect(result.code, result.err).toBe(0);
    expect(checkV2(await readFile(d.stateFile, 'utf8')).errors).toEqual([]);
    expect(await list(d.archive)).toEqual([`${E5_ID}_${STAMP}_migration`]);
    expect(await list(d.stateDir)).toEqual(['deployment-state.yaml']);
  });

  it('waits for a live holder, then exits 5 naming it, the file untouched', async () => {
    const d = await makeDeployment('e5-deployer.yaml');
    const lock = lockText(process.pid);
    await writeFile(`${d.stateFile}.lock`, lock);
    const before = await snapshot(d.stateFile);

    const started = Date.now();
    const result = await spawnCli(['migrate', '--lock-timeout', '1', STATE], { cwd: d.dir });
    const elapsed = Date.now() - started;

    expect(result.code, result.err).toBe(5);
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(6000);
    expect(result.out).toBe('');
    expect(result.err).toMatch(
      new RegExp(
        `^${STATE}: error: is locked by pid ${process.pid} on ${hostname()} since 2026-01-01T00:00:00Z`,
      ),
    );
    expect(result.err).toContain('waited 1s');
    expect(result.err).toContain('raise --lock-timeout');
    expect(result.err).toMatch(/\[lock-timeout\]\n$/);
    expect(result.err).not.toMatch(STACK_LINE);
    expect(await snapshot(d.stateFile)).toEqual(before);
    expect(await readFile(`${d.stateFile}.lock`, 'utf8')).toBe(lock);
    expect(existsSync(d.archive)).toBe(false);
    expect(await list(d.stateDir)).toEqual(['deployment-state.yaml', 'deployment-state.yaml.lock']);
  });

  it('does not reclaim the lock of another host (its process cannot be checked)', async () => {
    const d = await makeDeployment('e5-deployer.yaml');
    const lock = lockText(deadPid(), 'some-other-host.example');
    await writeFile(`${d.stateFile}.lock`, lock);
    const before = await snapshot(d.stateFile);

    const result = await cli(['migrate', '--lock-timeout', '0.3', STATE], d.dir);

    expect(result.code, result.err).toBe(5);
    expect(result.err).toContain('on some-other-host.example');
    expect(await snapshot(d.stateFile)).toEqual(before);
    expect(await readFile(`${d.stateFile}.lock`, 'utf8')).toBe(lock);
    expect(existsSync(d.archive)).toBe(false);
  });

  it('is taken by rollback too: a live holder makes it exit 5 and change nothing', async () => {
    const d = await makeDeployment('e5-deployer.yaml');
    await ok(cli(['migrate', STATE], d.dir));
    await writeFile(`${d.stateFile}.lock`, lockText(process.pid));
    const before = await snapshot(d.stateFile);
    const result = await cli(['rollback', '--lock-timeout', '0.3', STATE], d.dir);
    expect(result.code, result.err).toBe(5);
    expect(result.err).toContain(`is locked by pid ${process.pid}`);
    expect(await snapshot(d.stateFile)).toEqual(before);
    expect(await list(d.archive)).toEqual([`${E5_ID}_${STAMP}_migration`]);
  });
});
