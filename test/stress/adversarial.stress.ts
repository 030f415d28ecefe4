// The long trials of issue 13 (what an adversarial run found), run by `npm run test:stress`:
//   - migrate killed with SIGKILL right after the new state file is in place, while it appends to
//     a long events file: the state_migrated event is never lost (the next run appends the one
//     the killed run recorded) and never doubled;
//   - every file the tool opens replaced by a FIFO, /dev/zero, /dev/null, a directory or a socket,
//     under every command that opens it: each run ends within the time limit with a one-line
//     error (or skips the file), never a hang, and leaves the state file as it was.
// Prints the counts and times at the end.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, symlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cleanupDeployments,
  cli,
  type Deployment,
  finished,
  makeDeployment,
  REPO,
  STACK_LINE,
  startCli,
} from '../helpers/tmp-state.js';

afterAll(cleanupDeployments);

const migratedEvents = (text: string) => (text.match(/action: "state_migrated"/g) ?? []).length;

describe('migrate killed between the state rename and the event append', () => {
  it('never loses the state_migrated event, never writes it twice', { timeout: 900_000 }, async () => {
    const events = `events:\n${Array.from(
      { length: 15_000 },
      (_, i) =>
        `  - {timestamp: "2025-12-03T09:12:44Z", action: "vm_ready", message: "vm ${i} is ready after the first boot"}\n`,
    ).join('')}`;
    const TRIALS = 40;
    const counts = { trials: 0, inWindow: 0, appendedFirst: 0, beforeRename: 0, failures: [] as string[] };
    const started = Date.now();
    for (let trial = 0; trial < TRIALS; trial++) {
      try {
        const dep = await makeDeployment('e5-deployer.yaml', { events });
        const record = join(dep.stateDir, '.deployment-state.yaml.k0rdent-state-pending-event');
        const child = startCli(['migrate', dep.stateFile], { cwd: dep.dir });
        const done = finished(child);
        // A random extra delay after the rename, so the kill lands anywhere in the append, or
        // after it (then the next run must not append it again).
        const extra = Math.random() < 0.5 ? 0 : Math.floor(Math.random() * 4000);
        for (;;) {
          const text = await readFile(dep.stateFile, 'utf8').catch(() => '');
          if (text.includes('schema_version: 2')) break;
          if (child.exitCode !== null) break;
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
        await new Promise((resolve) => setTimeout(resolve, extra));
        child.kill('SIGKILL');
        await done;
        const migrated = (await readFile(dep.stateFile, 'utf8')).includes('schema_version: 2');
        const before = migratedEvents(await readFile(dep.eventsFile, 'utf8'));
        if (!migrated) counts.beforeRename++;
        else if (before === 1) counts.appendedFirst++;
        else if (existsSync(record)) counts.inWindow++;
        const next = await finished(startCli(['migrate', '--auto', dep.stateFile], { cwd: dep.dir }));
        expect(next.code, next.err).toBe(0);
        expect(next.err).not.toMatch(STACK_LINE);
        expect(migratedEvents(await readFile(dep.eventsFile, 'utf8')), `trial ${trial}`).toBe(1);
        expect(existsSync(record), `trial ${trial}: the record is gone`).toBe(false);
      } catch (error) {
        counts.failures.push(`#${trial}: ${(error as Error).message.split('\n')[0]}`);
      } finally {
        counts.trials++;
      }
    }
    console.info(
      `event trials: ${counts.trials} trials, ${counts.inWindow} killed between the rename and the append (event recorded, appended by the next run), ${counts.appendedFirst} after the append, ${counts.beforeRename} before the rename; ${counts.failures.length} failures; ${Math.round((Date.now() - started) / 1000)}s`,
    );
    expect(counts.failures).toEqual([]);
    expect(counts.inWindow).toBeGreaterThan(0);
    expect(counts.appendedFirst).toBeGreaterThan(0);
  });
});

describe('special files in place of every file the tool opens', () => {
  type Kind = 'fifo' | 'dev-zero' | 'dev-null' | 'directory' | 'socket';
  const KINDS: Kind[] = ['fifo', 'dev-zero', 'dev-null', 'directory', 'socket'];

  // Puts a special file at `path`; returns a function that cleans up what it started.
  async function plant(path: string, kind: Kind): Promise<() => void> {
    await rm(path, { recursive: true, force: true });
    if (kind === 'fifo') execFileSync('mkfifo', [path]);
    else if (kind === 'dev-zero') await symlink('/dev/zero', path);
    else if (kind === 'dev-null') await symlink('/dev/null', path);
    else if (kind === 'directory') await mkdir(path);
    else {
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(path, resolve);
      });
      return () => server.close();
    }
    return () => undefined;
  }

  /** Where a special file goes, and the command that opens it. */
  interface Role {
    role: string;
    /** The state file's content. */
    state: 'v1' | 'v2';
    path: (d: Deployment) => string;
    argv: (d: Deployment) => string[];
    /** True when the command must still succeed (the file is skipped, e.g. the events file). */
    succeeds?: boolean;
    setup?: (d: Deployment) => Promise<void>;
  }
  const ROLES: Role[] = [
    {
      role: 'state file (migrate --auto)',
      state: 'v1',
      path: (d) => d.stateFile,
      argv: (d) => ['migrate', '--auto', d.stateFile],
    },
    {
      role: 'state file (validate)',
      state: 'v1',
      path: (d) => d.stateFile,
      argv: (d) => ['validate', d.stateFile],
    },
    {
      role: 'state file (get)',
      state: 'v2',
      path: (d) => d.stateFile,
      argv: (d) => ['get', 'config', '-f', d.stateFile],
    },
    {
      role: 'events file (migrate)',
      state: 'v1',
      path: (d) => d.eventsFile,
      argv: (d) => ['migrate', d.stateFile],
      succeeds: true,
    },
    {
      role: 'lock (runtime set)',
      state: 'v2',
      path: (d) => `${d.stateFile}.lock`,
      argv: (d) => [
        'runtime',
        'set',
        'wireguard_config.vpn_connected',
        'true',
        '-f',
        d.stateFile,
        '--lock-timeout',
        '3',
      ],
    },
    {
      role: '--outputs',
      state: 'v2',
      path: (d) => join(d.dir, 'outputs.json'),
      argv: (d) => ['infra', 'sync', '--outputs', join(d.dir, 'outputs.json'), '-f', d.stateFile],
    },
    {
      role: '--tfstate',
      state: 'v2',
      path: (d) => join(d.dir, 'terraform.tfstate'),
      argv: (d) => ['infra', 'sync', '--tfstate', join(d.dir, 'terraform.tfstate'), '-f', d.stateFile],
    },
    {
      role: 'backend record (--terraform-dir)',
      state: 'v2',
      path: (d) => join(d.dir, 'tf', '.terraform', 'terraform.tfstate'),
      argv: (d) => ['infra', 'sync', '--terraform-dir', join(d.dir, 'tf'), '-f', d.stateFile],
      setup: async (d) => {
        await mkdir(join(d.dir, 'tf', '.terraform'), { recursive: true });
      },
    },
    {
      role: 'backup (rollback)',
      state: 'v1',
      path: (d) => join(d.archive, 'k0rdent-q7x2m9pa_2026-03-04_05-06-07_migration', 'deployment-state.yaml'),
      argv: (d) => ['rollback', d.stateFile],
      setup: async (d) => {
        expect((await cli(['migrate', d.stateFile], d.dir)).code).toBe(0);
      },
    },
  ];

  it('no run hangs; each ends with a one-line error or skips the file; the state is untouched', {
    timeout: 900_000,
  }, async () => {
    const LIMIT_MS = 20_000;
    const lines: string[] = [];
    const failures: string[] = [];
    let slowest = 0;
    for (const role of ROLES) {
      for (const kind of KINDS) {
        const where = `${role.role} as ${kind}`;
        try {
          const d = await makeDeployment('e5-deployer.yaml', {
            content: role.state === 'v2' ? await readFile(join(REPO, 'fixtures/v2/fresh.yaml')) : undefined,
            events: 'events: []\n',
          });
          await role.setup?.(d);
          const stop = await plant(role.path(d), kind).catch((error: NodeJS.ErrnoException) => {
            // A socket path is limited to about 107 bytes; a deeper path cannot hold one.
            if (kind === 'socket' && error.code === 'EINVAL') return undefined;
            throw error;
          });
          if (stop === undefined) {
            lines.push(`${where}: skipped (the path is too long for a socket)`);
            continue;
          }
          const before = role.role.startsWith('state file') ? undefined : await readFile(d.stateFile);
          const child = startCli(role.argv(d), { cwd: d.dir });
          const timer = setTimeout(() => child.kill('SIGKILL'), LIMIT_MS);
          const started = Date.now();
          const outcome = await finished(child);
          const ms = Date.now() - started;
          clearTimeout(timer);
          stop();
          slowest = Math.max(slowest, ms);
          expect(outcome.signal, `${where}: hung (killed after ${LIMIT_MS} ms)`).toBeNull();
          expect(outcome.err, where).not.toMatch(STACK_LINE);
          expect(outcome.err, where).not.toContain('internal error');
          if (role.succeeds) {
            expect(outcome.code, `${where}: ${outcome.err}`).toBe(0);
          } else {
            expect(outcome.code, `${where}: ${outcome.err}`).not.toBe(0);
            expect(
              // validate prints a file's error on standard output, its summary on standard error.
              `${outcome.out}${outcome.err}`
                .split('\n')
                .some((line) => /error: .* \[[a-z0-9-]+\]$/.test(line)),
              `${where}: ${outcome.err}`,
            ).toBe(true);
          }
          if (before !== undefined && !role.succeeds && !role.role.includes('rollback')) {
            expect(await readFile(d.stateFile), `${where}: the state file is untouched`).toEqual(before);
          }
          lines.push(
            `${where}: exit ${outcome.code} in ${ms} ms: ${outcome.err.trimEnd().split('\n').at(-1) ?? ''}`,
          );
        } catch (error) {
          failures.push(`${where}: ${(error as Error).message.split('\n')[0]}`);
        }
      }
    }
    console.info(
      [
        `special files: ${lines.length + failures.length} runs, ${failures.length} failures, slowest ${slowest} ms`,
        ...lines.map((line) => `  ${line}`),
      ].join('\n'),
    );
    expect(failures).toEqual([]);
  });
});
