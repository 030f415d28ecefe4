// The bash adapter (shell/state-management.sh) end to end: bash sources it in a deployer-like temp
// folder and plays a deployment on a v1 file: auto-migration, a run with KOF off, phases, Terraform
// sync, reads, the deprecated update_state, a failed run, a resumed successful run, history and
// compare-runs. Needs the build (bin/k0rdent-state.js runs dist/).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ADAPTER,
  BIN,
  backups,
  fixturePath,
  loadState,
  makeWorkdir,
  RUN_ID,
  removeWorkdir,
  type Workdir,
} from './support-runtime.js';

interface ShellResult {
  rc: number | null;
  out: string;
  err: string;
}

/** Runs `script` in bash after sourcing the adapter (unless `source` is false), in `cwd`. */
function bash(
  cwd: string,
  script: string,
  env: Record<string, string | undefined>,
  options: { source?: boolean } = {},
): ShellResult {
  const prelude = options.source === false ? '' : 'source "$ADAPTER" || exit $?\n';
  const result = spawnSync('bash', ['-c', `${prelude}${script}`], {
    cwd,
    env: { HOME: process.env.HOME ?? tmpdir(), LANG: 'C.UTF-8', ADAPTER, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.error) throw result.error;
  return { rc: result.status, out: result.stdout, err: result.stderr };
}

if (!existsSync(join(BIN, '../../dist/src/cli/main.js'))) {
  throw new Error('build first: npx tsc -p tsconfig.build.json (the adapter runs bin/k0rdent-state.js)');
}

/** Phases and components that only KOF or Azure child clusters bring. */
const OPTIONAL_PHASE = /install_kof_|install_azure_csi|setup_azure_children/;
const PEER_KEY = 'N2QlS60pYSo3tWx/urmcX2wtgQb5jkBH4oNKHfkhwxc=';
const BACKUP = 'k0rdent-q7x2m9pa_2026-03-04_05-00-00_migration';

describe('a deployment driven through the bash adapter (v1 file, KOF off)', () => {
  let work: Workdir;
  let file: string;
  let run1 = '';
  let run2 = '';

  /** Runs a step of the scenario with the clock pinned to `now`. */
  function step(now: string, script: string): ShellResult {
    return bash(work.dir, script, {
      PATH: process.env.PATH,
      K0RDENT_STATE_BIN: BIN,
      K0RDENT_STATE_NO_TERRAFORM: '1',
      DEPLOYMENT_STATE_FILE: file,
      K0RDENT_STATE_NOW: now,
    });
  }

  beforeAll(async () => {
    work = await makeWorkdir('v1/e5-deployer.yaml', { terraform: 'local' });
    file = work.file;
  });
  afterAll(() => removeWorkdir(work));

  // No KOF (or other non-applicable) phase is ever a live phase, at any step (a run's history may
  // record one the scripts marked: a disabled component skipped).
  afterEach(async () => {
    const text = await readFile(file, 'utf8');
    if (/^schema_version: 2$/m.test(text)) {
      expect(Object.keys((await loadState(file)).phases).filter((name) => OPTIONAL_PHASE.test(name))).toEqual(
        [],
      );
    }
  });

  it('sourcing migrates the v1 file to v2, once, with one backup folder', async () => {
    const original = await readFile(file);
    const first = step('2026-03-04T05:00:00Z', 'echo "sourced=$?"');
    expect(first).toEqual({
      rc: 0,
      out: 'sourced=0\n',
      err: `k0rdent-state: migrated ${file} from v1 to v2; original saved in old_deployments/${BACKUP}\n`,
    });
    expect(await backups(work.dir)).toEqual([BACKUP]);
    expect(
      (await readFile(join(work.dir, 'old_deployments', BACKUP, 'deployment-state.yaml'))).equals(original),
    ).toBe(true);
    const state = await loadState(file);
    expect(state.schema_version).toBe(2);
    expect(state.deployment_flags).toEqual({ azure_children: false, kof: false });
    // The v1 file's pending KOF phases were pruned, and so was its stale kof_mothership_installed.
    expect(await readFile(file, 'utf8')).not.toMatch(/kof_mothership|install_kof/);

    // Sourcing again (in the same shell, and in a new one) migrates nothing.
    const migrated = await readFile(file);
    const again = step('2026-03-04T05:00:30Z', 'source "$ADAPTER"; echo "again=$?"');
    expect(again).toEqual({ rc: 0, out: 'again=0\n', err: '' });
    expect(await backups(work.dir)).toEqual([BACKUP]);
    expect((await readFile(file)).equals(migrated)).toBe(true);
  });

  it('start_deployment_run --kof false prints the run id; the live phases are the seven that apply', async () => {
    const result = step(
      '2026-03-04T05:01:00Z',
      'id="$(start_deployment_run --kof false)"; echo "rc=$?"; echo "$id"',
    );
    expect(result.rc).toBe(0);
    expect(result.err).toBe('');
    const [rc, id, ...rest] = result.out.split('\n');
    expect(rc).toBe('rc=0');
    expect(rest).toEqual(['']);
    expect(id).toMatch(RUN_ID);
    expect(id?.startsWith('20260304T050100Z-')).toBe(true);
    run1 = id ?? '';
    const state = await loadState(file);
    expect(state.current_run_id).toBe(run1);
    expect(Object.keys(state.phases)).toEqual([
      'prepare_deployment',
      'setup_network',
      'create_vms',
      'setup_vpn',
      'connect_vpn',
      'install_k0s',
      'install_k0rdent',
    ]);
    expect(Object.values(state.phases).every((entry) => entry.status === 'pending')).toBe(true);
  });

  it('the KOF phases do not apply: phase_is_applicable returns 1; a mark goes to the run, never an error', async () => {
    const result = step(
      '2026-03-04T05:01:30Z',
      [
        'phase_is_applicable install_kof_mothership; echo "kof=$?"',
        'phase_is_applicable install_k0s; echo "k0s=$?"',
        'phase_status install_kof_mothership',
        'phase_needs_run install_kof_regional; echo "needs=$?"',
        'phase_mark_completed install_kof_mothership; echo "mark=$?"',
      ].join('\n'),
    );
    // As the deployer's phase functions answer for a phase nothing recorded: pending.
    expect(result).toEqual({ rc: 0, out: 'kof=1\nk0s=0\npending\nneeds=0\nmark=0\n', err: '' });
    const state = await loadState(file);
    expect(state.phases.install_kof_mothership).toBeUndefined();
    expect(state.deployment_runs.at(-1)?.phases?.install_kof_mothership?.status).toBe('completed');
  });

  it('phases are marked in_progress and completed', async () => {
    const result = step(
      '2026-03-04T05:02:00Z',
      [
        'phase_mark_in_progress prepare_deployment || exit 1',
        'for p in prepare_deployment setup_network create_vms setup_vpn connect_vpn; do',
        '  phase_mark_completed "$p" || exit 1',
        'done',
        'phase_mark_in_progress install_k0s || exit 1',
        'phase_status connect_vpn',
        'phase_status install_k0s',
        'phase_needs_run connect_vpn; echo "needs=$?"',
      ].join('\n'),
    );
    expect(result).toEqual({ rc: 0, out: 'completed\nin_progress\nneeds=1\n', err: '' });
    const state = await loadState(file);
    expect(
      Object.fromEntries(Object.entries(state.phases).map(([name, entry]) => [name, entry.status])),
    ).toEqual({
      prepare_deployment: 'completed',
      setup_network: 'completed',
      create_vms: 'completed',
      setup_vpn: 'completed',
      connect_vpn: 'completed',
      install_k0s: 'in_progress',
      install_k0rdent: 'pending',
    });
    expect(state.deployment_runs.at(-1)?.current_phase).toBe('install_k0s');
  });

  it('sync_terraform_to_state caches the local Terraform state (no terraform binary)', async () => {
    const result = step('2026-03-04T05:05:00Z', 'sync_terraform_to_state; echo "rc=$?"');
    expect(result).toEqual({
      rc: 0,
      out: 'rc=0\n',
      err: 'synced from terraform/terraform.tfstate: 8 outputs; added controller_ips, location, resource_group_name, ssh_private_key, ssh_public_key, vnet_name, worker_ips; removed network, resource_group, ssh_key; changed vm_details; sensitive (value not stored): ssh_private_key\n',
    });
    const state = await loadState(file);
    const hash = createHash('sha256')
      .update(await readFile(join(work.dir, 'terraform/terraform.tfstate')))
      .digest('hex');
    expect(state.terraform_backend).toEqual({ type: 'local', config: { path: 'terraform.tfstate' } });
    expect(state.terraform_state_path).toBe('terraform/terraform.tfstate');
    expect(state.terraform_version).toBe('1.9.8');
    expect(state.last_terraform_sync).toBe('2026-03-04T05:05:00Z');
    expect(state.infrastructure_facts).toMatchObject({
      source: 'terraform',
      stale: false,
      cache_timestamp: '2026-03-04T05:05:00Z',
      old_cache_timestamp: '2025-12-03T09:41:02Z',
      terraform_state_checksum: `sha256:${hash} lineage=3f9c2b7e-8d41-4a6e-b0c5-71e2d94a6f18 serial=12`,
    });
    expect(state.infrastructure_facts.outputs.ssh_private_key).toEqual({ sensitive: true });
    expect(await readFile(file, 'utf8')).not.toContain('FAKE-KEY');
    // Infrastructure facts are not copied into the runtime layer.
    expect(state.vm_runtime_status ?? {}).toEqual({});
  });

  it('get_state, get_vm_info and get_vm_runtime_status answer as the old functions did', async () => {
    const result = step(
      '2026-03-04T05:08:00Z',
      [
        'get_state resource_group_name; echo "rc=$?"',
        'get_state no_such_key; echo "rc=$?"',
        'get_state wg_vpn_connected',
        'get_state wireguard_config.peers.mylaptop.private_key; echo "secret=$?"',
        'get_vm_info k0rdent-t6p1w9za-controller public_ip',
        'get_vm_info no-such-vm public_ip; echo "rc=$?"',
        'get_vm_runtime_status k0rdent-t6p1w9za-controller ssh_verified',
        '"$K0RDENT_STATE_BIN" vm mark k0rdent-t6p1w9za-controller ssh-verified --file "$DEPLOYMENT_STATE_FILE" || exit 1',
        'get_vm_runtime_status k0rdent-t6p1w9za-controller ssh_verified',
        'get_vm_runtime_status k0rdent-t6p1w9za-controller verification_timestamp',
      ].join('\n'),
    );
    expect(result.rc).toBe(0);
    expect(result.out).toBe(
      [
        'k0rdent-t6p1w9za-resgrp',
        'rc=0',
        'null',
        'rc=0',
        'true',
        'secret=1',
        '20.103.88.14',
        'null',
        'rc=0',
        'null',
        'true',
        '2026-03-04T05:08:00Z',
        '',
      ].join('\n'),
    );
    expect(result.err).toBe(
      `${file}: error: refused: wireguard_config.peers.mylaptop.private_key is a secret and is never printed; scripts read a WireGuard key with get_wireguard_private_key HOST [secret-refused]\n`,
    );
    expect(result.out + result.err).not.toContain(PEER_KEY);

    // Three hours after the sync, get_vm_info answers as it always did (polled in loops, it stays
    // quiet); get_cached_infra is the reader that warns about an old cache.
    const late = step(
      '2026-03-04T08:05:00Z',
      'get_vm_info k0rdent-t6p1w9za-controller public_ip\nget_cached_infra vm_details.k0rdent-t6p1w9za-controller.public_ip',
    );
    expect(late).toEqual({
      rc: 0,
      out: '20.103.88.14\n20.103.88.14\n',
      err: 'warning: the infrastructure cache is 3h 00m old (limit 1h 00m); refresh it with: k0rdent-state infra sync\n',
    });
  });

  it('update_state wg_vpn_connected true: one deprecation line, stored in wireguard_config.vpn_connected', async () => {
    const off = step(
      '2026-03-04T05:10:00Z',
      'update_runtime_state wireguard_config.vpn_connected false || exit 1\nget_state wg_vpn_connected',
    );
    expect(off).toEqual({ rc: 0, out: 'false\n', err: '' });
    const result = step('2026-03-04T05:11:00Z', 'update_state wg_vpn_connected true; echo "rc=$?"');
    expect(result).toEqual({
      rc: 0,
      out: 'rc=0\n',
      err: 'k0rdent-state: update_state is deprecated (said once per shell): call update_runtime_state KEY VALUE for runtime keys, update_infra_cache OUTPUT JSON for infrastructure facts; each v1 key is stored at its v2 place (this one at wireguard_config.vpn_connected)\n',
    });
    const state = await loadState(file);
    expect(state.wireguard_config?.vpn_connected).toBe(true);
    expect(state).not.toHaveProperty('wg_vpn_connected');
    expect(state.unrecognized ?? {}).not.toHaveProperty('wg_vpn_connected');
  });

  it('complete_deployment_run failed install_k0s "msg" 1 records the failure', async () => {
    const result = step(
      '2026-03-04T05:16:00Z',
      'complete_deployment_run failed install_k0s "k0sctl apply failed: timeout" 1; echo "rc=$?"',
    );
    expect(result).toEqual({ rc: 0, out: 'rc=0\n', err: '' });
    const run = (await loadState(file)).deployment_runs.find((entry) => entry.run_id === run1);
    expect(run).toMatchObject({
      outcome: 'failed',
      ended_at: '2026-03-04T05:16:00Z',
      duration_seconds: 900,
      current_phase: 'install_k0s',
      error: { phase: 'install_k0s', message: 'k0sctl apply failed: timeout', exit_code: 1 },
    });
    // Nothing left to complete.
    const again = step('2026-03-04T05:16:30Z', 'complete_deployment_run success; echo "rc=$?"');
    expect(again.out).toBe('rc=1\n');
    expect(again.err).toContain('[no-run-in-progress]');
  });

  it('start_deployment_run --resume keeps the completed phases: phase_needs_run returns 1 for them', async () => {
    const result = step(
      '2026-03-04T06:00:00Z',
      [
        'id="$(start_deployment_run --resume)" || exit 1',
        'echo "$id"',
        'for p in prepare_deployment connect_vpn install_k0s; do',
        '  phase_needs_run "$p"; echo "$p=$?"',
        'done',
        'phase_status install_k0s',
      ].join('\n'),
    );
    expect(result.rc).toBe(0);
    expect(result.err).toBe('');
    const [id, ...lines] = result.out.split('\n');
    expect(id).toMatch(RUN_ID);
    expect(id).not.toBe(run1);
    run2 = id ?? '';
    expect(lines).toEqual(['prepare_deployment=1', 'connect_vpn=1', 'install_k0s=0', 'pending', '']);
    const state = await loadState(file);
    expect(
      Object.fromEntries(Object.entries(state.phases).map(([name, entry]) => [name, entry.status])),
    ).toEqual({
      prepare_deployment: 'completed',
      setup_network: 'completed',
      create_vms: 'completed',
      setup_vpn: 'completed',
      connect_vpn: 'completed',
      install_k0s: 'pending',
      install_k0rdent: 'pending',
    });
    expect(state.deployment_flags.kof).toBe(false);
    expect(state.current_run_id).toBe(run2);
    // The completed phases keep the time they were completed in the first run.
    expect(state.phases.prepare_deployment).toEqual({
      status: 'completed',
      updated_at: '2026-03-04T05:02:00Z',
    });
  });

  it('complete_deployment_run success ends the resumed run', async () => {
    const result = step(
      '2026-03-04T06:20:00Z',
      [
        'phase_mark_completed install_k0s || exit 1',
        'phase_mark_completed install_k0rdent || exit 1',
        'complete_deployment_run success; echo "rc=$?"',
      ].join('\n'),
    );
    expect(result).toEqual({ rc: 0, out: 'rc=0\n', err: '' });
    const run = (await loadState(file)).deployment_runs.find((entry) => entry.run_id === run2);
    expect(run).toMatchObject({ outcome: 'success', duration_seconds: 1200, error: null });
    expect(Object.values(run?.phases ?? {}).every((entry) => entry.status === 'completed')).toBe(true);
  });

  it('show_deployment_history lists the migrated run, the failed run and the successful one', () => {
    const result = step('2026-03-04T06:30:00Z', 'show_deployment_history');
    expect(result.rc).toBe(0);
    expect(result.err).toBe('');
    // The deployer's own history index first (none in this folder), then the runs.
    const [none, blank, title, header, ...rows] = result.out.trimEnd().split('\n');
    expect([none, blank, title]).toEqual(['==> No deployment history found', '', '=== Deployment Runs ===']);
    expect(header?.split(/ {2,}/)).toEqual([
      '',
      'RUN',
      'STARTED',
      'DURATION',
      'OUTCOME',
      'PHASES',
      'FAILED PHASE',
      'ERROR',
    ]);
    expect(rows.map((row) => [row.slice(0, 2), ...row.slice(2).split(/ {2,}/)])).toEqual([
      [
        '  ',
        'migrated-20251203T091244Z (migrated)',
        '2025-12-03T09:12:44Z',
        '-',
        'interrupted',
        '5/7',
        '-',
        '-',
      ],
      [
        '  ',
        run1,
        '2026-03-04T05:01:00Z',
        '15m 00s',
        'failed',
        '5/7',
        'install_k0s',
        'k0sctl apply failed: timeout',
      ],
      ['* ', run2, '2026-03-04T06:00:00Z', '20m 00s', 'success', '7/7', '-', '-'],
    ]);

    const json = step('2026-03-04T06:30:00Z', 'show_deployment_history --json');
    expect(json.rc).toBe(0);
    const parsed = JSON.parse(json.out) as { run_id: string; outcome: string; synthetic: boolean }[];
    expect(parsed.map((row) => [row.run_id, row.outcome, row.synthetic])).toEqual([
      ['migrated-20251203T091244Z', 'interrupted', true],
      [run1, 'failed', false],
      [run2, 'success', false],
    ]);
  });

  it('compare_runs shows what changed between the failed and the successful run; show_run_details the error', () => {
    const result = step('2026-03-04T06:30:00Z', `compare_runs "${run1}" "${run2}"`);
    expect(result.rc).toBe(0);
    expect(result.err).toBe('');
    const lines = result.out.trimEnd().split('\n');
    const cells = lines.map((line) => line.trim().split(/ {2,}/));
    expect(cells).toContainEqual(['outcome', 'failed', '→', 'success']);
    expect(cells).toContainEqual(['duration', '15m 00s', '→', '20m 00s']);
    expect(cells).toContainEqual(['install_k0s', 'failed', '→', 'completed']);
    expect(cells).toContainEqual(['install_k0rdent', 'pending', '→', 'completed']);
    expect(lines).toContain('phases:');
    expect(lines).not.toContain('flags:');
    expect(lines.at(-1)).toBe('same in both: flags, config_snapshot');
    // The two phases differ, and the KOF phase run 1 recorded (marked while KOF was off).
    expect(lines.slice(lines.indexOf('phases:') + 1, -2)).toHaveLength(3);
    expect(cells).toContainEqual(['install_kof_mothership', 'completed', '→', 'not applicable']);

    const details = step('2026-03-04T06:30:00Z', `show_run_details "${run1}"`);
    expect(details.rc).toBe(0);
    expect(details.out).toContain(`Run ${run1}\n  outcome:       failed\n`);
    expect(details.out).toContain(
      'Error:\n  phase:     install_k0s\n  exit code: 1\n  message:   k0sctl apply failed: timeout\n',
    );
    const unknown = step('2026-03-04T06:30:00Z', 'show_run_details nope; echo "rc=$?"');
    expect(unknown.out).toBe('rc=1\n');
    expect(unknown.err).toContain('run "nope" not found');
  });

  it('after the whole scenario: still one migration and one backup folder', async () => {
    const result = step('2026-03-04T07:00:00Z', 'source "$ADAPTER"; echo ok');
    expect(result).toEqual({ rc: 0, out: 'ok\n', err: '' });
    expect(await backups(work.dir)).toEqual([BACKUP]);
    const state = await loadState(file);
    expect(state.migrations_applied).toHaveLength(1);
    expect(state.deployment_runs.map((run) => run.run_id)).toEqual(['migrated-20251203T091244Z', run1, run2]);
    expect(await readFile(file, 'utf8')).not.toContain('FAKE-KEY');
  });
});

describe('the bash adapter outside the scenario', () => {
  let scratch: string | undefined;
  let work: Workdir | undefined;
  afterEach(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
    await removeWorkdir(work);
    scratch = undefined;
    work = undefined;
  });

  it('pipes `terraform output -json` into infra sync when terraform is installed; DEPLOYMENT_STATE_FILE is honoured', async () => {
    work = await makeWorkdir('v2/fresh.yaml', { terraform: 'local' });
    scratch = await mkdtemp(join(tmpdir(), 'k0rdent-state-bash-'));
    const bin = join(scratch, 'bin');
    await mkdir(bin);
    const tfDir = join(work.dir, 'terraform');
    // A stand-in for terraform: checks its arguments and prints the fixture's `terraform output -json`.
    await writeFile(
      join(bin, 'terraform'),
      `#!/bin/sh\n[ "$1" = "-chdir=${tfDir}" ] && [ "$2" = output ] && [ "$3" = -json ] || { echo "unexpected: $*" >&2; exit 9; }\ncat "${fixturePath('terraform/outputs.json')}"\n`,
      { mode: 0o755 },
    );
    // cwd is an empty folder: the state file is found through DEPLOYMENT_STATE_FILE only.
    const result = bash(scratch, `sync_terraform_to_state "${tfDir}"; echo "rc=$?"`, {
      PATH: `${bin}:${process.env.PATH}`,
      K0RDENT_STATE_BIN: BIN,
      DEPLOYMENT_STATE_FILE: work.file,
      K0RDENT_STATE_NOW: '2026-03-04T05:00:00Z',
    });
    expect(result).toEqual({
      rc: 0,
      out: 'rc=0\n',
      err: `synced from ${tfDir}/terraform.tfstate: 8 outputs; added controller_ips, location, resource_group_name, ssh_private_key, ssh_public_key, vm_details, vnet_name, worker_ips; sensitive (value not stored): ssh_private_key\n`,
    });
    expect(existsSync(join(scratch, 'state'))).toBe(false);
    const state = await loadState(work.file);
    expect(state.terraform_backend?.type).toBe('local');
    expect(state.infrastructure_facts.outputs.vnet_name).toBe('k0rdent-t6p1w9za-vnet');
    expect(state.infrastructure_facts.terraform_state_checksum).toMatch(
      /^sha256:[0-9a-f]{64} lineage=3f9c2b7e-/,
    );
  });

  it('scripts that a sourcing shell runs use its co-process (one for a whole deploy), or their own when it is gone', async () => {
    work = await makeWorkdir('v2/fresh.yaml');
    const { deployment_id: id } = await loadState(work.file);
    const log = join(work.dir, 'co-processes.log');
    // Each co-process writes one line to K0RDENT_STATE_CPU_LOG as it stops, just after its shell.
    const stopped = async (count: number) => {
      for (let i = 0; i < 50; i++) {
        const text = existsSync(log) ? await readFile(log, 'utf8') : '';
        if (text.split('\n').filter(Boolean).length >= count) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return (existsSync(log) ? await readFile(log, 'utf8') : '').split('\n').filter(Boolean).length;
    };
    const env = { PATH: process.env.PATH, K0RDENT_STATE_BIN: BIN, K0RDENT_STATE_CPU_LOG: log };
    const child = `bash -c 'set -euo pipefail; source "$ADAPTER"; get_state deployment_id'`;
    // (`:` last: bash -c would run a last command in its own place, ending the shell's co-process.)
    const result = bash(work.dir, `set -euo pipefail\nget_state deployment_id\n${child}\n${child}\n:`, env);
    expect(result).toEqual({ rc: 0, out: `${id}\n${id}\n${id}\n`, err: '' });
    expect(await stopped(2)).toBe(1);
    // An address whose process is gone: the script starts its own co-process.
    const stale = bash(work.dir, child.slice("bash -c '".length, -1), {
      ...env,
      _K0RDENT_STATE_SHARED: 'k0rdent-state/1 9 token 2147483646',
    });
    expect(stale).toEqual({ rc: 0, out: `${id}\n`, err: '' });
    expect(await stopped(2)).toBe(2);
  });

  it('reports a clear error (rc 127) when K0RDENT_STATE_BIN is unset and k0rdent-state is not beside it or on PATH', async () => {
    work = await makeWorkdir('v1/e5-deployer.yaml');
    const before = await readFile(work.file);
    // A copy of the adapter with no ../bin/k0rdent-state.js beside it.
    const lone = join(work.dir, 'lone/state-management.sh');
    await mkdir(join(work.dir, 'lone'));
    await writeFile(lone, await readFile(ADAPTER));
    const env = { PATH: '/usr/bin:/bin', ADAPTER: lone };
    expect(bash(work.dir, 'command -v k0rdent-state', env, { source: false }).rc).not.toBe(0);
    const result = bash(work.dir, 'source "$ADAPTER"; echo "source=$?"', env, { source: false });
    expect(result).toEqual({
      rc: 0,
      out: 'source=127\n',
      err: 'k0rdent-state: not found; install it (see its README) or set K0RDENT_STATE_BIN\n',
    });
    expect((await readFile(work.file)).equals(before)).toBe(true);
    expect(await backups(work.dir)).toEqual([]);
  });
});
