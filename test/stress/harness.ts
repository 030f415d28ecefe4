// Crash and concurrency trials shared by the default suite (a few) and the stress suite (many):
// the CLI as the deployer runs it (`node bin/k0rdent-state.js`, child processes), killed with
// SIGKILL at random moments or started 16 at a time on one state file. Not a test file itself.
import { watch } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { parse } from 'yaml';
import {
  checkV2,
  type Deployment,
  EVENTS_TEXT,
  finished,
  largeV1,
  list,
  makeDeployment,
  STACK_LINE,
  sha256,
  startCli,
  TEMP_FILE,
} from '../helpers/tmp-state.js';

export const STATE = 'state/deployment-state.yaml';
/** VMs (and peers) in the file the crash trials use: big enough that a run takes a while. */
export const CRASH_VMS = 150;
/** The runtime change the crash trials make (the file has `wg_vpn_connected: true`). */
export const RUNTIME_SET = ['runtime', 'set', 'wireguard_config.vpn_connected', 'false', '--file', STATE];

/** What a crash trial runs. */
export type CrashKind = 'migrate' | 'runtime-set-v2' | 'runtime-set-v1';
/**
 * When the process is killed: after a random delay (from its start, or from the moment it takes
 * the lock), or as soon as something happens on disk: the lock appears, the backup folder
 * appears, the temp file of the new state appears, or the temp file is renamed over the state.
 */
export type KillMoment = 'random' | 'lock' | 'backup' | 'temp-file' | 'rename';
/** Mode of the state files of the trials: every write must keep it. */
const MODE = 0o600;

/** The files a complete run of each kind writes, from one uninterrupted run each. */
export interface CrashReferences {
  /** The v1 file. */
  v1: Buffer;
  /** `migrate` of the v1 file (the clock is pinned, so every run writes these bytes). */
  migrated: Buffer;
  /** `runtime set` on the migrated file. */
  set: Buffer;
  /** How long an uninterrupted run of each kind takes, in ms. */
  duration: Record<CrashKind, number>;
  /** How long it runs once it holds the lock (reading, migrating, writing), in ms. */
  locked: Record<CrashKind, number>;
}

function argvOf(kind: CrashKind): string[] {
  return kind === 'migrate' ? ['migrate', STATE] : RUNTIME_SET;
}

async function deploymentFor(kind: CrashKind, refs: { v1: Buffer; migrated: Buffer }): Promise<Deployment> {
  return makeDeployment('', {
    content: kind === 'runtime-set-v2' ? refs.migrated : refs.v1,
    events: EVENTS_TEXT,
    mode: MODE,
  });
}

/** Runs each kind once, uninterrupted: the bytes a complete run writes and how long it takes. */
export async function crashReferences(): Promise<CrashReferences> {
  const v1 = Buffer.from(largeV1(CRASH_VMS));
  const timed = async (kind: CrashKind, content: Buffer) => {
    const d = await makeDeployment('', { content, events: EVENTS_TEXT, mode: MODE });
    let lockedAt = 0;
    const watcher = watch(d.stateDir, (_event, name) => {
      if (name === 'deployment-state.yaml.lock' && lockedAt === 0) lockedAt = Date.now();
    });
    const started = Date.now();
    const result = await finished(startCli(argvOf(kind), { cwd: d.dir })).finally(() => watcher.close());
    const ended = Date.now();
    expect(result.code, result.err).toBe(0);
    const bytes = await readFile(d.stateFile);
    expect(checkV2(bytes.toString('utf8')).errors).toEqual([]);
    return {
      bytes,
      ms: ended - started,
      lockedMs: lockedAt === 0 ? (ended - started) / 2 : ended - lockedAt,
    };
  };
  const migrated = await timed('migrate', v1);
  const set = await timed('runtime-set-v2', migrated.bytes);
  const fromV1 = await timed('runtime-set-v1', v1);
  // A runtime set on a v1 file migrates it first, then sets: it ends where the two steps end.
  expect(fromV1.bytes.equals(set.bytes)).toBe(true);
  // The migration is recorded once, with the sha256 of the v1 original (rollback checks it).
  for (const bytes of [migrated.bytes, set.bytes]) {
    const applied = checkV2(bytes.toString('utf8')).data.migrations_applied as Array<{
      input_sha256: string;
    }>;
    expect(applied.map((entry) => entry.input_sha256)).toEqual([sha256(v1)]);
  }
  return {
    v1,
    migrated: migrated.bytes,
    set: set.bytes,
    duration: { migrate: migrated.ms, 'runtime-set-v2': set.ms, 'runtime-set-v1': fromV1.ms },
    locked: { migrate: migrated.lockedMs, 'runtime-set-v2': set.lockedMs, 'runtime-set-v1': fromV1.lockedMs },
  };
}

/** How a crash trial ended. */
export interface CrashOutcome {
  kind: CrashKind;
  moment: KillMoment;
  /** What the killed run left: the old file, the migrated file (runtime set on v1: the first of its two writes), or the new one. */
  left: 'old' | 'migrated' | 'new';
  /** The killed process had already exited when the signal came. */
  finishedFirst: boolean;
  /** A temp file, lock or reclaim guard was left beside the state file. */
  leftovers: boolean;
  /** Time the next run took (ms): a lock killed before its content was written costs a wait. */
  nextMs: number;
  description: string;
}

/**
 * One crash trial: start `kind` as a child process, SIGKILL it at `moment`, check the state file
 * is byte for byte the old version or a complete new one (never anything else), then run the
 * same command again and check it cleans up what the killed run left and succeeds.
 */
export async function crashTrial(
  kind: CrashKind,
  moment: KillMoment,
  refs: CrashReferences,
  random: () => number = Math.random,
): Promise<CrashOutcome> {
  const d = await deploymentFor(kind, refs);
  const original = await readFile(d.stateFile);
  const child = startCli(argvOf(kind), { cwd: d.dir });
  const done = finished(child);
  let description: string;
  const watchers: Array<{ close(): void }> = [];
  const kill = () => child.kill('SIGKILL');
  // runtime set on v1 writes twice (the migration, then the change): kill at the first or the second.
  const nth = kind === 'runtime-set-v1' && random() < 0.5 ? 2 : 1;
  const onName = (folder: string, matches: (name: string) => boolean, count = 1) => {
    const seen = new Set<string>();
    watchers.push(
      watch(folder, (_event, name) => {
        if (!name || !matches(name)) return;
        seen.add(name);
        if (seen.size >= count) kill();
      }),
    );
  };
  if (moment === 'random' && random() < 0.3) {
    // Anywhere in the run, start-up included.
    const delay = Math.round(refs.duration[kind] * (0.1 + 0.85 * random()));
    description = `${delay}ms after start`;
    setTimeout(kill, delay);
  } else if (moment === 'random') {
    // While it holds the lock: reading, migrating, backing up, writing, renaming, logging.
    const delay = Math.round(refs.locked[kind] * random());
    description = `${delay}ms after the lock`;
    let armed = false;
    watchers.push(
      watch(d.stateDir, (_event, name) => {
        if (name === 'deployment-state.yaml.lock' && !armed) {
          armed = true;
          setTimeout(kill, delay);
        }
      }),
    );
  } else if (moment === 'temp-file') {
    description = `at temp file #${nth}`;
    onName(d.stateDir, (name) => TEMP_FILE.test(name) && name.startsWith('.deployment-state.yaml'), nth);
  } else if (moment === 'rename') {
    // The rename shows as an event on deployment-state.yaml (the temp file's own events come first).
    description = `at rename #${nth}`;
    let renames = 0;
    watchers.push(
      watch(d.stateDir, (_event, name) => {
        if (name === 'deployment-state.yaml' && ++renames >= nth) kill();
      }),
    );
  } else if (moment === 'lock') {
    description = 'at lock';
    onName(d.stateDir, (name) => name === 'deployment-state.yaml.lock');
  } else {
    description = 'at backup';
    onName(d.dir, (name) => name === 'old_deployments');
  }
  const killed = await done.finally(() => {
    for (const watcher of watchers) watcher.close();
  });
  const finishedFirst = killed.signal !== 'SIGKILL';
  if (finishedFirst) expect(killed.code, killed.err).toBe(0);

  // The state file is one of the complete versions, byte for byte.
  const after = await readFile(d.stateFile);
  const finalBytes = kind === 'migrate' ? refs.migrated : refs.set;
  const left = after.equals(original)
    ? 'old'
    : after.equals(finalBytes)
      ? 'new'
      : kind === 'runtime-set-v1' && after.equals(refs.migrated)
        ? 'migrated'
        : undefined;
  expect(
    left,
    `${kind} ${description}: the state file is neither the old nor a complete new version`,
  ).toBeDefined();
  expect((await stat(d.stateFile)).mode & 0o7777, 'the mode is kept').toBe(MODE);
  const names = await readdir(d.stateDir);
  const leftovers = names.some(
    (name) => TEMP_FILE.test(name) || name.endsWith('.lock') || name.endsWith('.reclaim'),
  );
  // The events log is whole: its first event, and at most one state_migrated after it.
  const events = parse(await readFile(d.eventsFile, 'utf8')).events as Array<{ action: string }>;
  expect(events[0]?.action).toBe('deployment_started');
  expect(events.length).toBeLessThanOrEqual(2);

  // The next run (what the deployer's next script does) cleans up and succeeds.
  const started = Date.now();
  const next = await finished(startCli(argvOf(kind), { cwd: d.dir }));
  const nextMs = Date.now() - started;
  expect(next.err).not.toMatch(STACK_LINE);
  expect(next.code, next.err).toBe(0);
  expect(
    await readFile(d.stateFile),
    `${kind} ${description}: the next run ends with the complete file`,
  ).toEqual(finalBytes);
  expect((await list(d.stateDir)).filter((name) => name !== 'deployment-events.yaml')).toEqual([
    'deployment-state.yaml',
  ]);
  expect((await stat(d.stateFile)).mode & 0o7777, 'the mode is kept').toBe(MODE);
  const eventsAfter = parse(await readFile(d.eventsFile, 'utf8')).events as Array<{ action: string }>;
  expect(eventsAfter[0]?.action).toBe('deployment_started');
  // A migration's state_migrated event is never lost, whenever the kill came (issue 13): the next
  // run appends the one a killed run recorded, or its own.
  expect(eventsAfter.map((event) => event.action)).toEqual(
    kind === 'runtime-set-v2' ? ['deployment_started'] : ['deployment_started', 'state_migrated'],
  );
  if (kind !== 'runtime-set-v2') {
    // Some backup folder holds the v1 original (the file's migration record names its sha256: see crashReferences).
    const backups = await Promise.all(
      (await list(d.archive)).map((folder) =>
        readFile(join(d.archive, folder, 'deployment-state.yaml')).catch(() => Buffer.alloc(0)),
      ),
    );
    expect(backups.some((bytes) => bytes.equals(refs.v1))).toBe(true);
  }
  return {
    kind,
    moment,
    left: left as CrashOutcome['left'],
    finishedFirst,
    leftovers,
    nextMs,
    description: `${kind} ${description}: ${killed.signal ?? `exit ${killed.code}`}, left ${left}${leftovers ? ' + leftovers' : ''}, next run ${nextMs}ms`,
  };
}

/** Counts of a series of crash trials. */
export interface CrashCounts {
  trials: number;
  old: number;
  migrated: number;
  new: number;
  finishedFirst: number;
  leftovers: number;
  failures: string[];
}

/** Runs trials two at a time (two cores), collecting failures instead of stopping at the first. */
export async function crashSeries(
  plan: ReadonlyArray<{ kind: CrashKind; moment: KillMoment }>,
  refs: CrashReferences,
  log: (line: string) => void = () => undefined,
): Promise<CrashCounts> {
  const counts: CrashCounts = {
    trials: 0,
    old: 0,
    migrated: 0,
    new: 0,
    finishedFirst: 0,
    leftovers: 0,
    failures: [],
  };
  const one = async ({ kind, moment }: { kind: CrashKind; moment: KillMoment }, n: number) => {
    try {
      const outcome = await crashTrial(kind, moment, refs);
      counts[outcome.left]++;
      if (outcome.finishedFirst) counts.finishedFirst++;
      if (outcome.leftovers) counts.leftovers++;
      log(`#${n} ${outcome.description}`);
    } catch (error) {
      counts.failures.push(`#${n} ${kind} ${moment}: ${(error as Error).message.split('\n')[0]}`);
      log(`#${n} ${kind} ${moment}: FAILED ${(error as Error).message.split('\n')[0]}`);
    } finally {
      counts.trials++;
    }
  };
  for (let i = 0; i < plan.length; i += 2) {
    await Promise.all(plan.slice(i, i + 2).map((trial, k) => one(trial, i + k + 1)));
  }
  return counts;
}

/** A state file's data after checking it is valid v2. */
async function validV2(file: string) {
  const { data, errors } = checkV2(await readFile(file, 'utf8'));
  expect(errors).toEqual([]);
  return data;
}

/** A lock file left by a process that is gone (same host), which the next writer must reclaim. */
export async function plantDeadLock(d: Deployment, deadPid: number): Promise<void> {
  await writeFile(
    `${d.stateFile}.lock`,
    `${JSON.stringify({ pid: deadPid, host: hostname(), started_at: '2026-01-01T00:00:00Z', command: 'k0rdent-state' })}\n`,
  );
}

/**
 * 16 processes at once, each `runtime set artifacts.k<i> v<i>` on one file: every key must be
 * there (no lost update), the file valid v2 with its mode, and no lock or temp file left. On a v1
 * file, `autos` of the 16 run `migrate --auto` instead: exactly one migration then, one backup.
 */
export async function sixteenWriters(d: Deployment, options: { autos?: number; tag?: string } = {}) {
  const autos = options.autos ?? 0;
  const tag = options.tag ?? 'k';
  const argv = (i: number) =>
    i < autos
      ? ['migrate', '--auto', STATE]
      : ['runtime', 'set', `artifacts.${tag}${i}`, `v${i}`, '--file', STATE];
  const modeBefore = (await stat(d.stateFile)).mode & 0o7777;
  const children = Array.from({ length: 16 }, (_, i) => startCli(argv(i), { cwd: d.dir }));
  const results = await Promise.all(children.map(finished));
  for (const [i, result] of results.entries()) {
    expect(result.err, `process ${i}`).not.toMatch(STACK_LINE);
    expect(result.code, `process ${i}: ${result.err}`).toBe(0);
    expect(result.out).toBe('');
  }
  const data = await validV2(d.stateFile);
  const artifacts = (data.artifacts ?? {}) as Record<string, unknown>;
  for (let i = autos; i < 16; i++) expect(artifacts[`${tag}${i}`], `artifacts.${tag}${i}`).toBe(`v${i}`);
  expect((await stat(d.stateFile)).mode & 0o7777, 'the mode is kept').toBe(modeBefore);
  const names = await list(d.stateDir);
  expect(names.filter((name) => name !== 'deployment-events.yaml')).toEqual(['deployment-state.yaml']);
  const migratedLines = results.filter((result) => result.err.includes('k0rdent-state: migrated '));
  return { data, results, migratedLines: migratedLines.length };
}
