// What an adversarial run found (issue 13), one describe per finding: modes, report paths,
// special files, writes over the read cap, and the smaller ones. Each test fails on the code
// before the fix. The secret findings are in test/secrets.test.ts.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  link,
  lstat,
  mkdir,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryIO, readCapped } from '../src/cli/io.js';
import { run } from '../src/cli/run.js';
import {
  cleanupDeployments,
  cli,
  EVENTS_TEXT,
  finished,
  makeDeployment,
  NOW,
  REPO,
  STACK_LINE,
  spawnCli,
  startCli,
} from './helpers/tmp-state.js';

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

describe('no hang on special files: every file is checked to be a regular file, with a cap', () => {
  /** Runs the installed CLI; fails (and kills it) when it takes longer than `ms`. */
  async function quick(argv: string[], cwd: string, ms = 15_000) {
    const child = startCli(argv, { cwd });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    const outcome = await finished(child);
    clearTimeout(timer);
    expect(outcome.signal, `${argv.join(' ')} hung: killed after ${ms} ms`).toBeNull();
    expect(outcome.err).not.toMatch(STACK_LINE);
    return outcome;
  }

  it('migrate --auto on a FIFO state file, and on one that is /dev/zero: refused, exit 3', async () => {
    const dep = await makeDeployment('e5-deployer.yaml');
    await rm(dep.stateFile);
    execFileSync('mkfifo', [dep.stateFile]);
    for (const argv of [
      ['migrate', '--auto', dep.stateFile],
      ['migrate', '--dry-run', dep.stateFile],
      ['get', 'config', '-f', dep.stateFile],
    ]) {
      const result = await quick(argv, dep.dir);
      expect(result.code).toBe(3);
      expect(result.err).toBe(
        `${dep.stateFile}: error: is not a regular file; pass the path of a deployment-state.yaml [not-a-regular-file]\n`,
      );
    }
    await rm(dep.stateFile);
    await symlink('/dev/zero', dep.stateFile);
    const zero = await quick(['migrate', '--auto', dep.stateFile], dep.dir);
    expect(zero.code).toBe(3);
    expect(zero.err).toContain('[not-a-regular-file]');
  });

  it('migrate with a FIFO as the events file: migrated, the event skipped, no hang while holding the lock', async () => {
    const dep = await makeDeployment('e5-deployer.yaml');
    execFileSync('mkfifo', [dep.eventsFile]);
    const result = await quick(['migrate', dep.stateFile], dep.dir);
    expect(result.code, result.err).toBe(0);
    expect(await readFile(dep.stateFile, 'utf8')).toMatch(/^schema_version: 2$/m);
    expect((await lstat(dep.eventsFile)).isFIFO()).toBe(true);
    expect(existsSync(`${dep.stateFile}.lock`)).toBe(false);
  });

  it('a FIFO at the lock path: refused at once, whatever --lock-timeout says', async () => {
    const dep = await makeDeployment('e5-deployer.yaml');
    execFileSync('mkfifo', [`${dep.stateFile}.lock`]);
    for (const argv of [
      ['migrate', dep.stateFile, '--lock-timeout', '2'],
      [
        'runtime',
        'set',
        'wireguard_config.vpn_connected',
        'true',
        '-f',
        dep.stateFile,
        '--lock-timeout',
        '2',
      ],
    ]) {
      const result = await quick(argv, dep.dir, 10_000);
      expect(result.code).toBe(6);
      expect(result.err).toBe(
        `${dep.stateFile}: error: the lock path ${dep.stateFile}.lock is a FIFO (named pipe), not a lock file; nothing was changed: remove it (rm ${dep.stateFile}.lock) and run the command again [lock-failed]\n`,
      );
    }
    expect(await readFile(dep.stateFile)).toEqual(dep.original);
  });

  it('Terraform inputs: a FIFO or a device as --outputs, --tfstate or the backend record', async () => {
    const dep = await makeDeployment('e5-deployer.yaml', {
      content: await readFile(join(REPO, 'fixtures/v2/fresh.yaml')),
    });
    execFileSync('mkfifo', [join(dep.dir, 'outputs.json')]);
    await mkdir(join(dep.dir, 'tf', '.terraform'), { recursive: true });
    execFileSync('mkfifo', [join(dep.dir, 'tf', '.terraform', 'terraform.tfstate')]);
    const cases: Array<[string[], string]> = [
      [['--outputs', 'outputs.json'], 'outputs.json: error: is a FIFO (named pipe), not a regular file'],
      [['--tfstate', '/dev/zero'], '/dev/zero: error: is a character device, not a regular file'],
      [
        ['--terraform-dir', 'tf'],
        'tf/.terraform/terraform.tfstate: error: is a FIFO (named pipe), not a regular file',
      ],
    ];
    for (const [args, message] of cases) {
      const result = await quick(['infra', 'sync', ...args, '-f', dep.stateFile], dep.dir);
      expect(result.code).toBe(3);
      expect(result.err.startsWith(message), result.err).toBe(true);
      expect(result.err).toMatch(
        /pipe it instead \(terraform output -json \| k0rdent-state infra sync --outputs -\).*\[terraform-not-a-file\]\n$/,
      );
    }
  });

  it('rollback skips a FIFO put in a backup folder', async () => {
    const dep = await makeDeployment('e5-deployer.yaml');
    expect((await cli(['migrate', dep.stateFile], dep.dir)).code).toBe(0);
    const [folder] = await readdir(dep.archive);
    const backup = join(dep.archive, folder as string, 'deployment-state.yaml');
    await rm(backup);
    execFileSync('mkfifo', [backup]);
    const result = await quick(['rollback', dep.stateFile], dep.dir);
    expect(result.code).toBe(1);
    expect(result.err).toContain('[backup-not-found]');
  });

  it('standard input is capped like a file', async () => {
    async function* endless() {
      for (;;) yield Buffer.alloc(64 * 1024, 0x20);
    }
    await expect(readCapped(endless(), 1024 * 1024)).rejects.toThrow(RangeError);
    expect(
      await readCapped(
        (async function* () {
          yield Buffer.from('{}');
        })(),
        2,
      ),
    ).toBe('{}');
    const dep = await makeDeployment('e5-deployer.yaml', {
      content: await readFile(join(REPO, 'fixtures/v2/fresh.yaml')),
    });
    const io = memoryIO({
      cwd: dep.dir,
      env: { K0RDENT_STATE_NOW: NOW },
      readStdin: (maxBytes) => readCapped(endless(), maxBytes),
    });
    const code = await run(['infra', 'sync', '--outputs', '-', '-f', dep.stateFile], io);
    expect(code).toBe(3);
    expect(io.err).toBe(
      '<stdin>: error: is over 256 MiB; pass what `terraform output -json` prints (run it in the Terraform folder) [terraform-file-too-large]\n',
    );
  });
});

describe('the smaller ones', () => {
  it('a killed rollback leaves a temp file (with the keys); the next rollback removes it', async () => {
    const dep = await makeDeployment('e5-deployer.yaml');
    expect((await cli(['migrate', dep.stateFile], dep.dir)).code).toBe(0);
    const temp = join(dep.stateDir, '.deployment-state.yaml.k0rdent-state-tmp-0123456789ab');
    await writeFile(temp, dep.original);
    const result = await cli(['rollback', dep.stateFile], dep.dir);
    expect(result.code, result.err).toBe(0);
    expect(existsSync(temp)).toBe(false);
    expect(await readFile(dep.stateFile)).toEqual(dep.original);
  });
});

describe('lock records are validated, and printed escaped', () => {
  const old = new Date(Date.now() - 60_000);

  it.each([
    ['without a host', { pid: 999_999, started_at: '2026-01-01T00:00:00Z' }],
    ['with pid 0', { pid: 0, host: hostname(), started_at: '2026-01-01T00:00:00Z' }],
    ['with pid -1', { pid: -1, host: hostname(), started_at: '2026-01-01T00:00:00Z' }],
    ['with a pid that is text', { pid: '1', host: hostname(), started_at: '2026-01-01T00:00:00Z' }],
  ])('an old lock record %s is not live for ever: it is reclaimed', async (_name, record) => {
    const dep = await makeDeployment('e5-deployer.yaml', {
      content: await readFile(join(REPO, 'fixtures/v2/fresh.yaml')),
    });
    const lock = `${dep.stateFile}.lock`;
    await writeFile(lock, `${JSON.stringify(record)}\n`);
    await utimes(lock, old, old);
    const result = await cli(
      [
        'runtime',
        'set',
        'wireguard_config.vpn_connected',
        'true',
        '-f',
        dep.stateFile,
        '--lock-timeout',
        '1',
      ],
      dep.dir,
    );
    expect(result.code, result.err).toBe(0);
    expect(existsSync(lock)).toBe(false);
  });

  it("a live holder's fields reach the terminal escaped", async () => {
    const dep = await makeDeployment('e5-deployer.yaml', {
      content: await readFile(join(REPO, 'fixtures/v2/fresh.yaml')),
    });
    const lock = `${dep.stateFile}.lock`;
    // Another host's lock cannot be judged dead: it is waited for.
    await writeFile(
      lock,
      JSON.stringify({
        pid: 4242,
        host: 'other\u001b[2Jhost',
        started_at: 'now\rFAKE',
        command: 'x\u009b31m',
      }),
    );
    const result = await cli(
      [
        'runtime',
        'set',
        'wireguard_config.vpn_connected',
        'true',
        '-f',
        dep.stateFile,
        '--lock-timeout',
        '0.2',
      ],
      dep.dir,
    );
    expect(result.code).toBe(5);
    expect(result.err).toBe(
      `${dep.stateFile}: error: is locked by pid 4242 on other\\x1b[2Jhost since now\\x0dFAKE (x\\x9b31m); waited 0s. Wait for it to finish, raise --lock-timeout, or if that process is gone for sure remove ${lock} [lock-timeout]\n`,
    );
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
    expect(result.err).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });
});

describe('get and vm info look up own properties only', () => {
  it.each([
    'get constructor',
    'get toString',
    'get __proto__',
    'get config.constructor',
    'get wireguard_config.peers.hasOwnProperty',
    'get vm_details.constructor',
    'vm info constructor',
    'vm info k0rdent-t6p1w9za-controller constructor',
    'vm runtime toString',
    'vm runtime k0rdent-t6p1w9za-controller valueOf',
  ])('%s: not found (exit 1), no internal error', async (command) => {
    const dep = await makeDeployment('e5-deployer.yaml', {
      content: await readFile(join(REPO, 'fixtures/v2/mid-run.yaml')),
    });
    const result = await cli([...command.split(' '), '-f', dep.stateFile], dep.dir);
    expect(result).toEqual({ code: 1, out: '', err: '' });
  });

  it('a key of the file named like one is found', async () => {
    const text = (await readFile(join(REPO, 'fixtures/v2/fresh.yaml'), 'utf8')).replace(
      /^unrecognized: \{\}$/m,
      'unrecognized: {constructor: "kept", toString: 7}',
    );
    const dep = await makeDeployment('e5-deployer.yaml', { content: text });
    expect(await cli(['get', 'unrecognized.constructor', '-f', dep.stateFile], dep.dir)).toEqual({
      code: 0,
      out: 'kept\n',
      err: '',
    });
  });
});

describe('migrate --auto and a malformed file with a schema_version: 2 line', () => {
  it.each([
    ['broken YAML', 'config: [unclosed\n'],
    ['a tab indent', 'config:\n\tazure_location: x\n'],
    ['no config', ''],
  ])('%s: reported (exit 3 or 1), not a silent 0', async (_name, tail) => {
    const text = `schema_version: 2\ndeployment_id: "k0rdent-x"\n${tail}`;
    const dep = await makeDeployment('e5-deployer.yaml', { content: text });
    const result = await spawnCli(['migrate', '--auto', dep.stateFile], { cwd: dep.dir });
    expect(result.code === 1 || result.code === 3, `exit ${result.code}`).toBe(true);
    expect(result.err).toMatch(/^\S+: error: .* \[[a-z-]+\]\n$/);
    expect(await readFile(dep.stateFile, 'utf8')).toBe(text);
  });

  it('a well-formed v2 file still takes the fast path: silent, exit 0', async () => {
    const dep = await makeDeployment('e5-deployer.yaml', {
      content: await readFile(join(REPO, 'fixtures/v2/several-runs.yaml')),
    });
    expect(await spawnCli(['migrate', '--auto', dep.stateFile], { cwd: dep.dir })).toMatchObject({
      code: 0,
      out: '',
      err: '',
    });
  });
});

describe('backup folders', () => {
  it('are created 0700 even under umask 000', async () => {
    const dep = await makeDeployment('e5-deployer.yaml', { mode: 0o600 });
    const result = await spawnCli(['migrate', dep.stateFile], {
      cwd: dep.dir,
      prefix: ['sh', '-c', 'umask 000 && exec "$0" "$@"'],
    });
    expect(result.code, result.err).toBe(0);
    expect(await modeOf(dep.archive)).toBe(0o700);
    const [folder] = await readdir(dep.archive);
    expect(await modeOf(join(dep.archive, folder as string))).toBe(0o700);
    expect(await modeOf(join(dep.archive, folder as string, 'deployment-state.yaml'))).toBe(0o600);
    expect(await modeOf(dep.stateFile)).toBe(0o600);
  });

  it.each([
    ['a deployment_id of 300 characters', `k0rdent-${'x'.repeat(292)}`],
    ['a deployment_id of ..', '..'],
    ['a deployment_id starting with a dot', '.hidden'],
  ])('%s: migrated and rolled back, in a visible folder of a short name', async (_name, id) => {
    const text = (await readFile(join(REPO, 'fixtures/v1/e5-deployer.yaml'), 'utf8')).replace(
      /^deployment_id: .*$/m,
      `deployment_id: "${id}"`,
    );
    const dep = await makeDeployment('e5-deployer.yaml', { content: text });
    const migrated = await cli(['migrate', dep.stateFile], dep.dir);
    expect(migrated.code, migrated.err).toBe(0);
    const folders = await readdir(dep.archive);
    expect(folders).toHaveLength(1);
    const folder = folders[0] as string;
    expect(folder.startsWith('.')).toBe(false);
    expect(Buffer.byteLength(folder)).toBeLessThan(128);
    // The id is kept whole inside.
    expect(await readFile(join(dep.archive, folder, 'deployment-state.yaml'), 'utf8')).toContain(
      `deployment_id: "${id}"`,
    );
    const rolled = await cli(['rollback', dep.stateFile], dep.dir);
    expect(rolled.code, rolled.err).toBe(0);
    expect(await readFile(dep.stateFile)).toEqual(dep.original);
  });
});

describe('a kill between the state rename and the event append loses no event', () => {
  // A long events file makes the append take long enough to land the kill in that window.
  const manyEvents = () =>
    `events:\n${Array.from(
      { length: 15_000 },
      (_, i) =>
        `  - {timestamp: "2025-12-03T09:12:44Z", action: "vm_ready", message: "vm ${i} is ready after the first boot"}\n`,
    ).join('')}`;
  const migratedEvents = (text: string) => (text.match(/action: "state_migrated"/g) ?? []).length;

  it('the next run appends the recorded state_migrated event, once', { timeout: 120_000 }, async () => {
    for (let attempt = 0; ; attempt++) {
      const dep = await makeDeployment('e5-deployer.yaml', { events: manyEvents() });
      const record = join(dep.stateDir, '.deployment-state.yaml.k0rdent-state-pending-event');
      const child = startCli(['migrate', dep.stateFile], { cwd: dep.dir });
      const done = finished(child);
      // Kill as soon as the new state file is in place.
      for (;;) {
        const text = await readFile(dep.stateFile, 'utf8').catch(() => '');
        if (text.includes('schema_version: 2')) break;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      child.kill('SIGKILL');
      await done;
      const events = await readFile(dep.eventsFile, 'utf8');
      if (migratedEvents(events) > 0 && attempt < 5) continue; // The append won the race; again.
      expect(migratedEvents(events)).toBe(0);
      expect(existsSync(record)).toBe(true);
      const next = await spawnCli(['migrate', '--auto', dep.stateFile], { cwd: dep.dir });
      expect(next.code, next.err).toBe(0);
      expect(migratedEvents(await readFile(dep.eventsFile, 'utf8'))).toBe(1);
      expect(existsSync(record)).toBe(false);
      // And not again.
      expect((await spawnCli(['migrate', '--auto', dep.stateFile], { cwd: dep.dir })).code).toBe(0);
      expect(migratedEvents(await readFile(dep.eventsFile, 'utf8'))).toBe(1);
      return;
    }
  });

  it('a record whose event was appended (killed before removing the record) is not appended again', async () => {
    const state = await readFile(join(REPO, 'fixtures/v2/fresh.yaml'));
    const event = { timestamp: NOW, action: 'state_migrated', message: 'migrated, record left behind' };
    const events = `${EVENTS_TEXT}  - {timestamp: "${NOW}", action: "state_migrated", message: "${event.message}"}\n`;
    const dep = await makeDeployment('e5-deployer.yaml', { content: state, events });
    const record = join(dep.stateDir, '.deployment-state.yaml.k0rdent-state-pending-event');
    const { createHash } = await import('node:crypto');
    await writeFile(
      record,
      JSON.stringify({
        state_file: dep.stateFile,
        state_sha256: createHash('sha256').update(state).digest('hex'),
        event,
      }),
    );
    const result = await cli(['migrate', '--auto', dep.stateFile], dep.dir);
    expect(result.code, result.err).toBe(0);
    expect(existsSync(record)).toBe(false);
    expect(await readFile(dep.eventsFile, 'utf8')).toBe(events);
  });

  it('a record of a write that never happened (killed before the rename) is dropped, not appended', async () => {
    const dep = await makeDeployment('e5-deployer.yaml', {
      content: await readFile(join(REPO, 'fixtures/v2/fresh.yaml')),
      events: EVENTS_TEXT,
    });
    const record = join(dep.stateDir, '.deployment-state.yaml.k0rdent-state-pending-event');
    await writeFile(
      record,
      JSON.stringify({
        state_file: dep.stateFile,
        state_sha256: '0'.repeat(64),
        event: { timestamp: NOW, action: 'state_migrated', message: 'never happened' },
      }),
    );
    const result = await cli(
      ['runtime', 'set', 'wireguard_config.vpn_connected', 'true', '-f', dep.stateFile],
      dep.dir,
    );
    expect(result.code, result.err).toBe(0);
    expect(existsSync(record)).toBe(false);
    expect(await readFile(dep.eventsFile, 'utf8')).toBe(EVENTS_TEXT);
  });
});

describe('a write whose result would exceed the read cap is refused before writing', () => {
  const v2 = () => readFile(join(REPO, 'fixtures/v2/fresh.yaml'));

  it('infra sync of more outputs than the cap holds: refused early, file unchanged, still readable', async () => {
    const dep = await makeDeployment('e5-deployer.yaml', { content: await v2() });
    const outputs = Object.fromEntries(
      Array.from({ length: 4000 }, (_, i) => [
        `output_${i}`,
        { sensitive: false, type: 'string', value: `value-${i}` },
      ]),
    );
    await writeFile(join(dep.dir, 'outputs.json'), JSON.stringify(outputs));
    const result = await cli(
      ['infra', 'sync', '--outputs', 'outputs.json', '-f', dep.stateFile, '--max-size', '64k'],
      dep.dir,
    );
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      `${dep.stateFile}: error: refused: the outputs would make the state file over the 64 KiB limit every command reads state files with (the first 2946 of them alone do), so nothing could read it afterwards; the file is unchanged (sync fewer outputs, or raise the limit with --max-size for every command) [result-too-large]\n`,
    );
    expect(await readFile(dep.stateFile)).toEqual(dep.original);
    expect(
      (await cli(['get', 'deployment_id', '-f', dep.stateFile, '--max-size', '64k'], dep.dir)).code,
    ).toBe(0);
  });

  it('infra sync stops reading the outputs at the cap: what follows is not read, nor parsed', async () => {
    const dep = await makeDeployment('e5-deployer.yaml', { content: await v2() });
    const head = Array.from(
      { length: 4000 },
      (_, i) => `"output_${i}": {"sensitive": false, "type": "string", "value": "value-${i}"}`,
    ).join(',\n');
    // A cut file: the reading is refused at the cap before the cut is reached.
    await writeFile(join(dep.dir, 'outputs.json'), `{${head},\n"cut": {"sensitive": fa`);
    const result = await cli(
      ['infra', 'sync', '--outputs', 'outputs.json', '-f', dep.stateFile, '--max-size', '64k'],
      dep.dir,
    );
    expect(result.code).toBe(1);
    expect(result.err).toContain('(the first 2946 of them alone do)');
    expect(result.err).toMatch(/\[result-too-large\]\n$/);
    expect(await readFile(dep.stateFile)).toEqual(dep.original);
    // Under a cap it fits, the same file is refused for what it is.
    const roomy = await cli(['infra', 'sync', '--outputs', 'outputs.json', '-f', dep.stateFile], dep.dir);
    expect(roomy.code).toBe(3);
    expect(roomy.err).toMatch(/outputs\.json:4001:22: error: is not JSON: .*\[terraform-not-json\]\n$/);
    expect(await readFile(dep.stateFile)).toEqual(dep.original);
  });

  it('runtime set of a value that pushes the file over the cap', async () => {
    const dep = await makeDeployment('e5-deployer.yaml', { content: await v2() });
    const size = dep.original.length;
    const result = await cli(
      [
        'runtime',
        'set',
        'artifacts.big.path',
        'x'.repeat(2000),
        '-f',
        dep.stateFile,
        '--max-size',
        String(size + 1000),
      ],
      dep.dir,
    );
    expect(result.code).toBe(1);
    expect(result.err).toMatch(
      /^\S+: error: refused: the result would be [\d.]+ KiB, over the [\d.]+ KiB limit every command reads state files with, so nothing could read it afterwards; the file is unchanged \(store less, or raise the limit with --max-size for every command\) \[result-too-large\]\n$/,
    );
    expect(await readFile(dep.stateFile)).toEqual(dep.original);
  });

  it('migrate of a file whose v2 form would be over the cap: no backup, no write', async () => {
    const dep = await makeDeployment('e5-deployer.yaml');
    const result = await cli(
      ['migrate', dep.stateFile, '--max-size', String(dep.original.length + 10)],
      dep.dir,
    );
    expect(result.code).toBe(1);
    expect(result.err).toContain('[result-too-large]');
    expect(await readFile(dep.stateFile)).toEqual(dep.original);
    expect(existsSync(dep.archive)).toBe(false);
  });
});

describe('a diff too large to be useful is left out, with a warning', () => {
  it('6,000 unknown top-level keys moved under unrecognized: no diff, warning diff-too-large', async () => {
    const base = await readFile(join(REPO, 'fixtures/v1/e5-deployer.yaml'), 'utf8');
    const extra = Array.from({ length: 6000 }, (_, i) => `operator_note_${i}: "note ${i}"`).join('\n');
    const dep = await makeDeployment('e5-deployer.yaml', { content: `${base}${extra}\n` });
    const result = await cli(['migrate', '--dry-run', dep.stateFile, '--format', 'json'], dep.dir);
    expect(result.code, result.err).toBe(0);
    const report = JSON.parse(result.out) as { diff: string; warnings: unknown[] };
    expect(report.diff).toBe('');
    expect(report.warnings).toContainEqual({
      step: 'report',
      code: 'diff-too-large',
      path: '',
      message:
        'the diff is left out: the files differ in more than 10000 lines; the list of changes above is complete',
    });
  });

  it('a per-section summary stands in its place: in JSON, text and Markdown', async () => {
    const base = await readFile(join(REPO, 'fixtures/v1/e5-deployer.yaml'), 'utf8');
    const extra = Array.from({ length: 6000 }, (_, i) => `operator_note_${i}: "note ${i}"`).join('\n');
    const dep = await makeDeployment('e5-deployer.yaml', { content: `${base}${extra}\n` });
    const json = await cli(['migrate', '--dry-run', dep.stateFile, '--format', 'json'], dep.dir);
    const report = JSON.parse(json.out) as { diff_summary: Array<Record<string, unknown>> };
    // What differs first; every section of either version is listed.
    expect(report.diff_summary[0]).toEqual({
      section: 'last_updated',
      lines_before: 1,
      lines_after: 1,
      state: 'changed',
    });
    expect(report.diff_summary).toContainEqual({
      section: 'unrecognized',
      lines_before: null,
      lines_after: 6001,
      state: 'added',
    });
    expect(report.diff_summary).toContainEqual({
      section: 'operator_note_5999',
      lines_before: 1,
      lines_after: null,
      state: 'removed',
    });
    const sections = report.diff_summary.length;
    const text = await cli(['migrate', '--dry-run', dep.stateFile], dep.dir);
    expect(text.out).toContain('Diff left out, too large to review line by line; by top-level section:');
    expect(text.out).toMatch(/\n {2}unrecognized +none → 6001 lines +added\n/);
    expect(text.out).toContain(`  ... ${sections - 50} more sections (all in --format json)`);
    const markdown = await cli(
      ['migrate', '--dry-run', dep.stateFile, '--format', 'markdown', '--max-bytes', '0'],
      dep.dir,
    );
    expect(markdown.out).toContain(
      `<details><summary>Diff left out: too large to review line by line (${sections.toLocaleString('en-US')} top-level sections, the first 50 listed; all in \`--format json\`)</summary>`,
    );
    expect(markdown.out).toContain('| `unrecognized` | none | 6,001 | added |');
    expect(markdown.out).not.toContain('```diff');
    expect(await readFile(dep.stateFile)).toEqual(dep.original);
  });
});
