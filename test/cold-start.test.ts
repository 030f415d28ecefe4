// What a cold call of the built binary loads of Node (issue 11: a cold call costs at most 1.5×
// `node -e 0`; bench/RESULTS.md has the figures). The state commands and the adapter's one call
// per process must not load node:crypto, node:net, node:child_process or node:fs/promises (whose
// first use also starts the libuv thread pool), nor build the stream of a piped standard output:
// each costs milliseconds of start-up (bin/load.js, src/cli/stdio.ts, src/write/atomic.ts,
// src/validate/ipv4.ts). Not a timing: the list of modules Node loaded.
// Expects a built dist/ (npm test builds first).
import { spawnSync } from 'node:child_process';
import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir, repoRoot } from './helpers.js';

const BIN = join(repoRoot, 'bin/k0rdent-state.js');
const FORBIDDEN = [
  'NativeModule crypto',
  'NativeModule net',
  'NativeModule child_process',
  'NativeModule tty',
  'NativeModule fs/promises',
];

let dir = '';
let hook = '';
beforeAll(async () => {
  dir = await makeTempDir();
  hook = join(dir, 'modules.cjs');
  // Written at exit, to the file the test names: every module Node loaded in the process.
  await writeFile(
    hook,
    "process.on('exit', () => require('node:fs').writeFileSync(process.env.MODULES_OUT, process.moduleLoadList.join('\\n')));\n",
  );
});
afterAll(() => removeTempDir(dir));

async function coldCall(
  args: string[],
  events = false,
): Promise<{ code: number | null; out: string; err: string; modules: string[] }> {
  const state = join(dir, 'deployment-state.yaml');
  await copyFile(join(repoRoot, 'fixtures/v2/several-runs.yaml'), state);
  const eventsFile = join(dir, 'deployment-events.yaml');
  await rm(eventsFile, { force: true });
  if (events) await copyFile(join(repoRoot, 'fixtures/invalid/events-file.yaml'), eventsFile);
  const out = join(dir, 'modules.txt');
  const argv = args.map((arg) => (arg === 'STATE' ? state : arg));
  // Standard output and error are pipes, as in a script's $(...) or the adapter's process substitution.
  const result = spawnSync(process.execPath, ['-r', hook, BIN, ...argv], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, MODULES_OUT: out, K0RDENT_STATE_NOW: '2026-03-01T00:00:00Z' },
  });
  const modules = (await readFile(out, 'utf8')).split('\n');
  return { code: result.status, out: result.stdout, err: result.stderr, modules };
}

describe('a cold call loads only what it needs of Node', () => {
  it.each([
    ['get', ['get', '-f', 'STATE', 'wireguard_config.vpn_connected'], 'true\n'],
    ['runtime set', ['runtime', 'set', '-f', 'STATE', 'k0rdent_install_state.namespace', 'ns1'], ''],
    ['phase set', ['phase', 'set', '-f', 'STATE', 'install_k0s', 'in_progress'], ''],
    ['adapter get_state', ['__adapter-call', 'STATE', '', '', 'get_state', 'wg_vpn_connected'], undefined],
    [
      'adapter phase_mark_in_progress',
      ['__adapter-call', 'STATE', '', '', 'phase_mark_in_progress', 'install_k0s'],
      undefined,
    ],
    [
      'adapter update_runtime_state',
      ['__adapter-call', 'STATE', '', '', 'update_runtime_state', 'k0rdent_install_state.namespace', 'ns2'],
      undefined,
    ],
  ])('%s', async (_name, args, stdout) => {
    const result = await coldCall(args);
    expect(result.code, result.err).toBe(0);
    if (stdout !== undefined) expect(result.out).toBe(stdout);
    else expect(result.out).not.toBe('');
    expect(result.modules.length).toBeGreaterThan(20);
    expect(result.modules.filter((name) => FORBIDDEN.includes(name))).toEqual([]);
  });

  it('adapter phase_mark_completed with an events file: the event is appended, without the promise API', async () => {
    const result = await coldCall(
      [
        '__adapter-call',
        'STATE',
        join(dir, 'deployment-events.yaml'),
        '',
        'phase_mark_completed',
        'install_k0s',
      ],
      true,
    );
    expect(result.code, result.err).toBe(0);
    expect(await readFile(join(dir, 'deployment-events.yaml'), 'utf8')).toMatch(/install_k0s/);
    expect(result.modules.filter((name) => FORBIDDEN.includes(name))).toEqual([]);
  });

  it('a command that needs one gets it through the stand-in: run start draws its id from node:crypto', async () => {
    const result = await coldCall(['run', 'start', '-f', 'STATE']);
    expect(result.code, result.err).toBe(0);
    expect(result.out).toMatch(/^20260301T000000Z-[0-9a-f]{6}\n$/);
    expect(result.modules).toContain('NativeModule crypto');
  });
});
