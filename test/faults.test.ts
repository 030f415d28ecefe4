// Faults during a migration (issue 3, item 7): invalid input or output, a backup or a write that
// fails, a read-only folder, a killed process. Each time the original file is intact byte for
// byte, the message says what happened and what to do, the exit code is right, no stack trace,
// and no temp file survives the next run.
import { existsSync, watch } from 'node:fs';
import { chmod, chown, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Document } from 'yaml';
import { parse } from 'yaml';
import type { MigrationChain } from '../src/migrate/types.js';
import {
  checkV2,
  cleanupDeployments,
  cli,
  type Deployment,
  EVENTS_TEXT,
  finished,
  IS_ROOT,
  largeV1,
  list,
  makeDeployment,
  ok,
  REPO,
  STACK_LINE,
  sha256,
  snapshot,
  spawnCli,
  startCli,
  TEMP_FILE,
  unprivilegedPrefix,
} from './helpers/tmp-state.js';

// A simulated bug in a migration step, switched on per test: `corrupt` makes finalize-v2 leave a
// dangling current_run_id (the result breaks a v2 invariant); `throw` makes a step throw.
const fault = vi.hoisted(() => ({ mode: undefined as 'corrupt' | 'throw' | undefined }));
vi.mock('../migrations/index.js', async (importOriginal) => {
  const real = await importOriginal<{ CHAINS: readonly MigrationChain[]; REPAIRS: readonly unknown[] }>();
  return {
    REPAIRS: real.REPAIRS,
    CHAINS: real.CHAINS.map((chain) => ({
      ...chain,
      steps: chain.steps.map((step) => ({
        ...step,
        apply: (doc: Document, context: Parameters<typeof step.apply>[1]) => {
          if (fault.mode === 'throw' && step.id === 'group-runtime-state') {
            throw new TypeError('simulated bug');
          }
          const changes = step.apply(doc, context);
          if (fault.mode === 'corrupt' && step.id === 'finalize-v2') doc.set('current_run_id', 'no-such-run');
          return changes;
        },
      })),
    })),
  };
});

const STATE = 'state/deployment-state.yaml';
const PRLIMIT = '/usr/bin/prlimit';
// Root ignores file modes: read-only folders are tried as nobody (setpriv), or skipped.
const UNPRIVILEGED = await unprivilegedPrefix();
if (UNPRIVILEGED === undefined) {
  console.warn('read-only folder tests skipped: running as root and cannot drop to an unprivileged user');
}

afterAll(cleanupDeployments);

/** The original is intact byte for byte, and no lock or temp file is left beside it. */
async function untouched(d: Deployment, extra: string[] = []): Promise<void> {
  expect(await readFile(d.stateFile)).toEqual(d.original);
  expect((await list(d.stateDir)).filter((name) => !extra.includes(name))).toEqual(['deployment-state.yaml']);
}

describe('invalid input or output: exit 1, nothing written', () => {
  it('a v1 file with wg_vpn_connected: "maybe" is refused, the problem placed at line:col', async () => {
    const text = (await readFile(join(REPO, 'fixtures/v1/e5-deployer.yaml'), 'utf8')).replace(
      'wg_vpn_connected: true',
      'wg_vpn_connected: "maybe"',
    );
    const line = text.split('\n').findIndex((l) => l.startsWith('wg_vpn_connected:')) + 1;
    const d = await makeDeployment('', { content: text });

    for (const argv of [
      ['migrate', STATE],
      ['migrate', '--auto', STATE],
    ]) {
      const result = await spawnCli(argv, { cwd: d.dir });
      expect(result.code, result.err).toBe(1);
      expect(result.out).toBe('');
      expect(result.err.split('\n', 1)[0]).toBe(
        `${STATE}:${line}:19: error: wg_vpn_connected is "maybe", allowed: true, false, "true", "false", or null (not set) [schema-enum] (at /wg_vpn_connected)`,
      );
      expect(result.err).toContain(
        'cannot migrate: the file is not valid v1 (1 problem listed above); fix them, then run migrate again [input-invalid]',
      );
      expect(result.err).not.toMatch(STACK_LINE);
    }
    await untouched(d);
    expect(await list(d.dir)).toEqual(['state']);
  });

  it('a step that produces an invalid v2 file: exit 1, names the step and path, nothing written', async () => {
    const d = await makeDeployment('e5-deployer.yaml', { events: EVENTS_TEXT });
    fault.mode = 'corrupt';
    try {
      const result = await cli(['migrate', STATE], d.dir);
      expect(result.code, result.err).toBe(1);
      expect(result.out).toBe('');
      expect(result.err).toMatch(
        /^state\/deployment-state\.yaml: error: cannot migrate: step [a-z0-9-]+ produced an invalid v2 file at current_run_id \(current_run_id "no-such-run" names no run in deployment_runs; .+\); nothing was written: please report this \[output-invalid\]\n$/,
      );
    } finally {
      fault.mode = undefined;
    }
    await untouched(d, ['deployment-events.yaml']);
    expect(await readFile(d.eventsFile, 'utf8')).toBe(EVENTS_TEXT);
    expect(await list(d.dir)).toEqual(['state']);
  });

  it('a step that throws: exit 1, names the step, nothing written', async () => {
    const d = await makeDeployment('e3-phases.yaml');
    fault.mode = 'throw';
    try {
      const result = await cli(['migrate', '--auto', STATE], d.dir);
      expect(result.code, result.err).toBe(1);
      expect(result.err).toContain('cannot migrate: step group-runtime-state failed (simulated bug)');
      expect(result.err).toMatch(/\[step-failed\]\n$/);
      expect(result.err).toContain('nothing was written');
      expect(result.err).not.toMatch(STACK_LINE);
    } finally {
      fault.mode = undefined;
    }
    await untouched(d);
    expect(await list(d.dir)).toEqual(['state']);
  });
});

describe('the backup or the write fails: exit 6, the original intact', () => {
  it('old_deployments is a file, so the backup folder cannot be made', async () => {
    const d = await makeDeployment('e5-deployer.yaml');
    await writeFile(d.archive, 'not a folder\n');

    const result = await spawnCli(['migrate', STATE], { cwd: d.dir });

    expect(result.code, result.err).toBe(6);
    expect(result.out).toBe('');
    expect(result.err).toBe(
      `${STATE}: error: could not be backed up to ${d.archive}: ${d.archive} is in the way: a folder is needed there, move it aside; nothing was changed, run the command again [backup-failed]\n`,
    );
    await untouched(d);
    expect(await readFile(d.archive, 'utf8')).toBe('not a folder\n');

    // Once the way is clear, the same command works.
    await rm(d.archive);
    await ok(spawnCli(['migrate', '--auto', STATE], { cwd: d.dir }));
    expect(checkV2(await readFile(d.stateFile, 'utf8')).errors).toEqual([]);
  });

  it.skipIf(!existsSync(PRLIMIT))(
    'the new file cannot be written (file-size limit): no temp file left, original intact',
    async () => {
      const d = await makeDeployment('e5-deployer.yaml', { events: EVENTS_TEXT });
      // The original (2.9 kB) and the lock fit under 4000 bytes; the v2 file (4.4 kB) does not, so
      // writing the temp file fails with EFBIG (Node ignores SIGXFSZ), as a full disk would.
      const prefix = [PRLIMIT, '--fsize=4000'];
      expect(d.original.length).toBeLessThan(4000);

      const result = await spawnCli(['migrate', STATE], { cwd: d.dir, prefix });

      expect(result.code, result.err).toBe(6);
      expect(result.out).toBe('');
      expect(result.err).toBe(
        `${STATE}: error: could not be written: the file is larger than the file-size limit of this process (ulimit -f): raise the limit; the original file is unchanged, run the command again [write-failed]\n`,
      );
      await untouched(d, ['deployment-events.yaml']);
      expect(await readFile(d.eventsFile, 'utf8')).toBe(EVENTS_TEXT);
      // The backup made before the write is kept (nothing is ever deleted) and holds the original.
      const [folder] = await list(d.archive);
      expect(await readFile(join(d.archive, folder as string, 'deployment-state.yaml'))).toEqual(d.original);
    },
  );

  describe('read-only folders (as an unprivileged user: root ignores file modes)', () => {
    const prefix = UNPRIVILEGED;
    const skip = prefix === undefined;

    async function readOnly(folder: 'state' | 'root') {
      const d = await makeDeployment('e5-deployer.yaml');
      if (IS_ROOT) {
        for (const path of [d.dir, d.stateDir, d.stateFile]) await chown(path, 65534, 65534);
      }
      await chmod(folder === 'state' ? d.stateDir : d.dir, 0o555);
      return d;
    }

    it.skipIf(skip)('the state folder is read-only: the lock cannot be taken, exit 6', async () => {
      const d = await readOnly('state');
      const result = await spawnCli(['migrate', STATE], { cwd: d.dir, prefix: prefix as string[] });
      expect(result.code, result.err).toBe(6);
      expect(result.out).toBe('');
      expect(result.err).toBe(
        `${STATE}: error: could not take the lock ${d.stateFile}.lock: permission denied (is the folder read-only, or owned by another user?): make it writable or run as the owner; nothing was changed, run the command again [lock-failed]\n`,
      );
      await untouched(d);
      expect(await list(d.dir)).toEqual(['state']);
    });

    it.skipIf(skip)('the working folder is read-only: old_deployments cannot be made, exit 6', async () => {
      const d = await readOnly('root');
      const result = await spawnCli(['migrate', '--auto', STATE], { cwd: d.dir, prefix: prefix as string[] });
      expect(result.code, result.err).toBe(6);
      expect(result.out).toBe('');
      expect(result.err).toBe(
        `${STATE}: error: could not be backed up to ${d.archive}: permission denied (is the folder read-only, or owned by another user?): make it writable or run as the owner; nothing was changed, run the command again [backup-failed]\n`,
      );
      await untouched(d);
      expect(await list(d.dir)).toEqual(['state']);
    });
  });
});

describe('leftover temp files', () => {
  const LEFTOVERS = [
    '.deployment-state.yaml.k0rdent-state-tmp-abc123',
    '.deployment-events.yaml.k0rdent-state-tmp-0f0f0f',
  ];

  it.each(['v1', 'v2'])('next to a %s file are removed by the next migrate --auto', async (version) => {
    const d = await makeDeployment('e5-deployer.yaml', { events: EVENTS_TEXT });
    if (version === 'v2') await ok(cli(['migrate', STATE], d.dir));
    const before = await snapshot(d.stateFile);
    for (const name of LEFTOVERS) await writeFile(join(d.stateDir, name), 'half a file: ');
    // Another state file's temp file in the same folder is not ours to remove.
    await writeFile(join(d.stateDir, '.other-state.yaml.k0rdent-state-tmp-123456'), 'not ours');

    const result = await spawnCli(['migrate', '--auto', STATE], { cwd: d.dir });

    expect(result.code, result.err).toBe(0);
    expect(result.out).toBe('');
    expect(await list(d.stateDir)).toEqual([
      '.other-state.yaml.k0rdent-state-tmp-123456',
      'deployment-events.yaml',
      'deployment-state.yaml',
    ]);
    if (version === 'v2') {
      expect(result.err).toBe('');
      expect((await snapshot(d.stateFile)).bytes).toEqual(before.bytes);
    } else {
      expect(checkV2(await readFile(d.stateFile, 'utf8')).errors).toEqual([]);
    }
  });
});

describe('a migration killed at a random moment', () => {
  const COUNT = 250;
  let text: string;
  let reference: Buffer;
  let duration: number;

  beforeAll(async () => {
    text = largeV1(COUNT);
    // One uninterrupted run gives the complete v2 file (the clock is pinned, so every run writes
    // the same bytes) and how long a run takes.
    const d = await makeDeployment('', { content: text, events: EVENTS_TEXT });
    const started = Date.now();
    const result = await spawnCli(['migrate', '--auto', STATE], { cwd: d.dir });
    duration = Date.now() - started;
    expect(result.code, result.err).toBe(0);
    reference = await readFile(d.stateFile);
    expect(checkV2(reference.toString('utf8')).errors).toEqual([]);
  }, 60_000);

  it('leaves the original or the complete v2 file, and the next --auto run recovers', async () => {
    const original = Buffer.from(text);
    const applied = checkV2(reference.toString('utf8')).data.migrations_applied as Array<{
      input_sha256: string;
    }>;
    expect(applied[0]?.input_sha256).toBe(sha256(original));
    const outcomes: string[] = [];

    // `random`: kill after a random delay, spread over the run and weighted to its second half
    // where the writes happen. `temp`: kill as soon as the temp file of the new state appears.
    async function trial(n: number, when: 'random' | 'temp') {
      const d = await makeDeployment('', { content: text, events: EVENTS_TEXT });
      const delay = Math.round(duration * (0.2 + 0.9 * Math.random()));
      const child = startCli(['migrate', '--auto', STATE], { cwd: d.dir });
      const done = finished(child);
      if (when === 'random') {
        await new Promise((resolve) => setTimeout(resolve, delay));
        child.kill('SIGKILL');
      } else {
        const watcher = watch(d.stateDir, (_event, name) => {
          if (name?.startsWith('.deployment-state.yaml.k0rdent-state-tmp-')) child.kill('SIGKILL');
        });
        done.finally(() => watcher.close());
      }
      const killed = await done;

      const after = await readFile(d.stateFile);
      const state = after.equals(original) ? 'original' : after.equals(reference) ? 'v2' : 'CORRUPT';
      const leftover = (await readdir(d.stateDir)).some((name) => TEMP_FILE.test(name));
      outcomes.push(
        `#${n} ${when === 'temp' ? 'at temp file' : `${delay}ms`} ${killed.signal ?? `exit ${killed.code}`}: ${state}${leftover ? ' + temp file' : ''}`,
      );
      expect(state).not.toBe('CORRUPT');
      // The events log is whole: its first event, and at most one state_migrated after it.
      const events = parse(await readFile(d.eventsFile, 'utf8')).events as Array<{ action: string }>;
      expect(events[0]?.action).toBe('deployment_started');
      expect(events.length).toBeLessThanOrEqual(2);

      // A planted leftover too, as a writer killed during its temp file would leave.
      await writeFile(join(d.stateDir, '.deployment-state.yaml.k0rdent-state-tmp-abc123'), 'partial');
      // In-process (the same code as the installed CLI past its fast path; the fast path with
      // leftovers is tested above), to keep the test quick.
      const next = await cli(['migrate', '--auto', STATE], d.dir);
      expect({
        code: next.code,
        out: next.out,
        err: next.err.replace(/^k0rdent-state: migrated .*\n$/, ''),
      }).toEqual({
        code: 0,
        out: '',
        err: '',
      });
      expect(await readFile(d.stateFile)).toEqual(reference);
      const names = (await readdir(d.stateDir)).sort();
      expect(names.filter((name) => TEMP_FILE.test(name))).toEqual([]);
      // A lock the killed run left behind is stale (its process is gone): the next run reclaims it
      // and removes it when done.
      expect(names).toEqual(['deployment-events.yaml', 'deployment-state.yaml']);
      const eventsAfter = parse(await readFile(d.eventsFile, 'utf8')).events as Array<{ action: string }>;
      expect(eventsAfter.length).toBeLessThanOrEqual(2);
      // Some backup folder holds the original bytes.
      const backups = await Promise.all(
        (await list(d.archive)).map((folder) =>
          readFile(join(d.archive, folder, 'deployment-state.yaml')).catch(() => Buffer.alloc(0)),
        ),
      );
      expect(backups.some((bytes) => bytes.equals(original))).toBe(true);
    }

    // Two at a time (2 cores): 8 random kills, then 2 kills during the write.
    for (let n = 0; n < 8; n += 2) await Promise.all([trial(n, 'random'), trial(n + 1, 'random')]);
    await Promise.all([trial(8, 'temp'), trial(9, 'temp')]);
    console.info(`killed runs (a full run took ${duration}ms):\n  ${outcomes.sort().join('\n  ')}`);
  }, 120_000);
});
