// Runtime operations on v2 at library level (issue 4): updateState/readState and the operations
// of src/runtime/ (runs, phases, runtime and infra writes, get, freshness, secrets, VM checks), on
// copies of the fixtures in deployer-like temp folders, with a pinned clock and run-id suffix.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode, StateError } from '../src/errors.js';
import { applicablePhases, PHASES } from '../src/phases.js';
import {
  phaseApplicable,
  phaseNeedsRun,
  phaseStatus,
  resetFrom,
  setPhase,
} from '../src/runtime/phase-ops.js';
import { completeRun, startRun } from '../src/runtime/runs.js';
import { readState, type StateFileOptions, type StateView, updateState } from '../src/runtime/transaction.js';
import {
  freshnessWarning,
  getValue,
  markVm,
  parseDuration,
  setInfra,
  setRuntime,
} from '../src/runtime/values.js';
import { isSecretEntry, isSecretPath, redactSecrets } from '../src/secrets.js';
import { backups, loadState, makeWorkdir, RUN_ID, removeWorkdir, type Workdir } from './support-runtime.js';

const NOW = new Date('2026-03-04T05:06:07Z');
const NOW_TEXT = '2026-03-04T05:06:07Z';
const at = (iso: string) => new Date(iso);
const NO_KOF = { azure_children: false, kof: false };

let work: Workdir | undefined;
afterEach(async () => {
  await removeWorkdir(work);
  work = undefined;
});

async function setup(fixture: string): Promise<Workdir> {
  work = await makeWorkdir(fixture);
  return work;
}

function options(now: Date = NOW): StateFileOptions {
  return { now, cwd: work?.dir, lockTimeoutMs: 2000, displayName: 'state/deployment-state.yaml' };
}

function update<T>(mutate: (view: StateView) => T, now: Date = NOW) {
  return updateState((work as Workdir).file, mutate, options(now));
}

/** Runs an update that must be refused and checks that the file's bytes did not change. */
async function expectRefused(
  mutate: (view: StateView) => unknown,
  expected: { code: string; exitCode: number; message?: RegExp | string },
): Promise<StateError> {
  const file = (work as Workdir).file;
  const before = await readFile(file);
  const error = await update(mutate).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StateError);
  const refusal = error as StateError;
  expect(refusal.code).toBe(expected.code);
  expect(refusal.exitCode).toBe(expected.exitCode);
  if (typeof expected.message === 'string') expect(refusal.message).toContain(expected.message);
  else if (expected.message) expect(refusal.message).toMatch(expected.message);
  expect((await readFile(file)).equals(before)).toBe(true);
  // No temp file of an aborted write is left beside the state file.
  expect(await readdir(join((work as Workdir).dir, 'state'))).toEqual(['deployment-state.yaml']);
  return refusal;
}

describe('run start', () => {
  it('records a new run with its id, time, flags, config and Terraform reference, and makes it current', async () => {
    await setup('v2/mid-run.yaml');
    const before = await loadState((work as Workdir).file);
    const result = await update((view) => startRun(view, { now: NOW, suffix: 'a1b2c3' }));
    expect(result.written).toBe(true);
    expect(result.migrated).toBeUndefined();
    expect(result.value).toBe('20260304T050607Z-a1b2c3');
    expect(result.value).toMatch(RUN_ID);

    const state = await loadState((work as Workdir).file);
    expect(state.current_run_id).toBe('20260304T050607Z-a1b2c3');
    expect(state.last_updated).toBe(NOW_TEXT);
    expect(state.deployment_runs).toHaveLength(2);
    const run = state.deployment_runs[1];
    expect(run).toEqual({
      run_id: '20260304T050607Z-a1b2c3',
      synthetic: false,
      started_at: NOW_TEXT,
      ended_at: null,
      duration_seconds: null,
      outcome: 'in_progress',
      flags: NO_KOF,
      config_snapshot: before.config,
      current_phase: null,
      phases: {},
      error: null,
      terraform_snapshot: {
        terraform_state_checksum: 'sha256:ba689cebbbfcc56354c7aa90e196d0dcf56ab2655ea1dd90c327ad4efbd4657d',
        cache_timestamp: '2025-12-12T10:09:26Z',
        last_terraform_sync: '2025-12-12T10:09:26Z',
      },
    });
  });

  it('rebuilds the live phases with only the applicable ones, all pending', async () => {
    await setup('v2/mid-run.yaml');
    await update((view) => startRun(view, { now: NOW, suffix: 'a1b2c3' }));
    const state = await loadState((work as Workdir).file);
    expect(Object.keys(state.phases)).toEqual(applicablePhases(NO_KOF));
    expect(Object.keys(state.phases)).toHaveLength(7);
    for (const entry of Object.values(state.phases)) {
      expect(entry).toEqual({ status: 'pending', updated_at: NOW_TEXT });
    }
  });

  it('marks the run still in progress interrupted and keeps its phases in its record', async () => {
    await setup('v2/mid-run.yaml');
    const before = await loadState((work as Workdir).file);
    await update((view) => startRun(view, { now: NOW, suffix: 'a1b2c3' }));
    const state = await loadState((work as Workdir).file);
    const old = state.deployment_runs[0];
    expect(old?.run_id).toBe('20251212T095840Z-b7e21f');
    expect(old?.outcome).toBe('interrupted');
    expect(old?.phases).toEqual(before.phases);
    expect(state.deployment_runs.filter((run) => run.outcome === 'in_progress')).toHaveLength(1);
  });

  it('--kof true adds the KOF phases and records the flag; --azure-children true adds setup_azure_children', async () => {
    await setup('v2/fresh.yaml');
    await update((view) => startRun(view, { now: NOW, kof: true, suffix: 'a1b2c3' }));
    let state = await loadState((work as Workdir).file);
    expect(state.deployment_flags).toEqual({ azure_children: false, kof: true });
    expect(state.deployment_runs.at(-1)?.flags).toEqual({ azure_children: false, kof: true });
    expect(Object.keys(state.phases)).toEqual([
      'prepare_deployment',
      'setup_network',
      'create_vms',
      'setup_vpn',
      'connect_vpn',
      'install_k0s',
      'install_k0rdent',
      'install_azure_csi',
      'install_kof_mothership',
      'install_kof_regional',
    ]);

    await update((view) => startRun(view, { now: NOW, azureChildren: true, suffix: 'd4e5f6' }));
    state = await loadState((work as Workdir).file);
    // --kof is not given again: the recorded flag stays.
    expect(state.deployment_flags).toEqual({ azure_children: true, kof: true });
    expect(Object.keys(state.phases)).toEqual([...PHASES]);
  });

  it('makes a new random suffix for every run by default', async () => {
    await setup('v2/fresh.yaml');
    const first = (await update((view) => startRun(view, { now: NOW }))).value;
    const second = (await update((view) => startRun(view, { now: NOW }))).value;
    expect(first).toMatch(RUN_ID);
    expect(second).toMatch(RUN_ID);
    expect(first.startsWith('20260304T050607Z-')).toBe(true);
    expect(second).not.toBe(first);
  });

  it('resume keeps the phases an earlier run completed or skipped; without it every phase is pending', async () => {
    await setup('v2/fresh.yaml');
    const t0 = at('2026-03-04T05:00:00Z');
    await update((view) => startRun(view, { now: t0, suffix: 'aaaaaa' }), t0);
    await update((view) => setPhase(view, 'prepare_deployment', 'completed', at('2026-03-04T05:01:00Z')));
    await update((view) =>
      setPhase(view, 'setup_network', 'skipped', at('2026-03-04T05:02:00Z'), 'network exists'),
    );
    await update((view) => setPhase(view, 'create_vms', 'in_progress', at('2026-03-04T05:03:00Z')));
    await update((view) => completeRun(view, { now: at('2026-03-04T05:04:00Z'), outcome: 'failed' }));

    const t1 = at('2026-03-04T06:00:00Z');
    await update((view) => startRun(view, { now: t1, resume: true, suffix: 'bbbbbb' }), t1);
    let state = await loadState((work as Workdir).file);
    expect(state.phases.prepare_deployment).toEqual({
      status: 'completed',
      updated_at: '2026-03-04T05:01:00Z',
    });
    expect(state.phases.setup_network).toEqual({
      status: 'skipped',
      updated_at: '2026-03-04T05:02:00Z',
      skipped_reason: 'network exists',
    });
    // in_progress is not finished work: it runs again.
    expect(state.phases.create_vms).toEqual({ status: 'pending', updated_at: '2026-03-04T06:00:00Z' });
    expect(phaseNeedsRun(state, 'prepare_deployment')).toBe(false);
    expect(phaseNeedsRun(state, 'setup_network')).toBe(false);
    expect(phaseNeedsRun(state, 'create_vms')).toBe(true);

    const t2 = at('2026-03-04T07:00:00Z');
    await update((view) => startRun(view, { now: t2, suffix: 'cccccc' }), t2);
    state = await loadState((work as Workdir).file);
    for (const entry of Object.values(state.phases)) {
      expect(entry).toEqual({ status: 'pending', updated_at: '2026-03-04T07:00:00Z' });
    }
    // The run left in progress by the resumed start became interrupted.
    expect(state.deployment_runs.map((run) => run.outcome)).toEqual([
      'interrupted',
      'failed',
      'interrupted',
      'in_progress',
    ]);
  });
});

describe('run complete', () => {
  it('records ended_at, a whole-second duration, the outcome, the error and the phase snapshot', async () => {
    await setup('v2/fresh.yaml');
    const t0 = at('2026-03-04T05:00:00Z');
    await update((view) => startRun(view, { now: t0, suffix: 'a1b2c3' }), t0);
    await update((view) => setPhase(view, 'prepare_deployment', 'completed', at('2026-03-04T05:01:00Z')));
    await update((view) => setPhase(view, 'install_k0s', 'in_progress', at('2026-03-04T05:10:00Z')));
    const end = new Date(t0.getTime() + 1_234_567); // 1234.567 s later
    const result = await update(
      (view) =>
        completeRun(view, {
          now: end,
          outcome: 'failed',
          errorPhase: 'install_k0s',
          errorMessage: 'k0sctl apply failed',
          exitCode: 1,
        }),
      end,
    );
    expect(result.value.duration_seconds).toBe(1234);

    const state = await loadState((work as Workdir).file);
    const run = state.deployment_runs.find((entry) => entry.run_id === '20260304T050000Z-a1b2c3');
    expect(run?.ended_at).toBe('2026-03-04T05:20:34Z');
    expect(run?.duration_seconds).toBe(1234);
    expect(Number.isInteger(run?.duration_seconds)).toBe(true);
    expect(run?.outcome).toBe('failed');
    expect(run?.error).toEqual({ phase: 'install_k0s', message: 'k0sctl apply failed', exit_code: 1 });
    expect(run?.current_phase).toBe('install_k0s');
    // The run's snapshot records the phase it failed in as failed, at its end; the live map keeps
    // it in progress, so that a resume runs it again.
    expect(run?.phases).toEqual({
      ...state.phases,
      install_k0s: { status: 'failed', updated_at: '2026-03-04T05:20:34Z' },
    });
    expect(state.phases.install_k0s).toEqual({ status: 'in_progress', updated_at: '2026-03-04T05:10:00Z' });
    // The file keeps the run as the current one.
    expect(state.current_run_id).toBe('20260304T050000Z-a1b2c3');
    expect((await readFile((work as Workdir).file, 'utf8')).includes('exit_code: 1\n')).toBe(true);
  });

  it('records a success without an error', async () => {
    await setup('v2/fresh.yaml');
    await update((view) => startRun(view, { now: NOW, suffix: 'a1b2c3' }));
    await update((view) => {
      for (const phase of applicablePhases(NO_KOF)) setPhase(view, phase, 'completed', NOW);
    });
    const end = at('2026-03-04T06:08:10Z');
    await update((view) => completeRun(view, { now: end, outcome: 'success' }), end);
    const run = (await loadState((work as Workdir).file)).deployment_runs.at(-1);
    expect(run).toMatchObject({ outcome: 'success', error: null, duration_seconds: 3723 });
  });

  it('is refused when no run is in progress, and the file is left as it was', async () => {
    await setup('v2/fresh.yaml');
    await update((view) => completeRun(view, { now: NOW, outcome: 'interrupted' }));
    await expectRefused((view) => completeRun(view, { now: NOW, outcome: 'failed' }), {
      code: 'no-run-in-progress',
      exitCode: ExitCode.invalid,
      message: /no run in progress.*20251212T061503Z-4e9d2a, interrupted.*run start/,
    });
  });

  it('is refused on a migrated file whose synthetic run is not in progress', async () => {
    await setup('v2/migrated.yaml');
    await expectRefused((view) => completeRun(view, { now: NOW, outcome: 'success' }), {
      code: 'no-run-in-progress',
      exitCode: ExitCode.invalid,
    });
  });
});

describe('phase set, reset-from and the phase queries', () => {
  it('sets a status, records the phase as the current run phase, and keeps a skipped reason', async () => {
    await setup('v2/fresh.yaml');
    await update((view) => setPhase(view, 'setup_network', 'in_progress', NOW));
    await update((view) => setPhase(view, 'create_vms', 'skipped', NOW, 'VMs exist'));
    const state = await loadState((work as Workdir).file);
    expect(state.phases.setup_network).toEqual({ status: 'in_progress', updated_at: NOW_TEXT });
    expect(state.phases.create_vms).toEqual({
      status: 'skipped',
      updated_at: NOW_TEXT,
      skipped_reason: 'VMs exist',
    });
    expect(state.deployment_runs[0]?.current_phase).toBe('create_vms');
    expect(phaseStatus(state, 'setup_network')).toBe('in_progress');
    expect(phaseStatus(state, 'install_k0s')).toBe('pending');
    expect(phaseStatus(state, 'install_kof_mothership')).toBe('not_applicable');
    expect(phaseApplicable(state, 'install_k0s')).toBe(true);
    expect(phaseApplicable(state, 'install_kof_mothership')).toBe(false);
    expect(phaseApplicable(state, 'setup_azure_children')).toBe(false);
    expect(phaseNeedsRun(state, 'install_kof_mothership')).toBe(false);
  });

  it('refuses a phase that does not apply, naming the flag', async () => {
    await setup('v2/fresh.yaml');
    const kof = await expectRefused((view) => setPhase(view, 'install_kof_mothership', 'completed', NOW), {
      code: 'phase-not-applicable',
      exitCode: ExitCode.invalid,
      message: 'deployment_flags.kof is false',
    });
    expect(kof.message).toContain('run start --kof true');
    expect(kof.message).toContain('install_kof_mothership');
    const children = await expectRefused(
      (view) => setPhase(view, 'setup_azure_children', 'in_progress', NOW),
      {
        code: 'phase-not-applicable',
        exitCode: ExitCode.invalid,
        message: 'deployment_flags.azure_children is false',
      },
    );
    expect(children.message).toContain('run start --azure-children true');
  });

  it('records a disabled component’s phase marked skipped in the current run, not in the live map', async () => {
    const work = await setup('v2/mid-run.yaml');
    await update((view) => setPhase(view, 'install_azure_csi', 'skipped', NOW, 'x'));
    const state = await loadState(work.file);
    expect(state.phases.install_azure_csi).toBeUndefined();
    const current = state.deployment_runs.find((run) => run.run_id === state.current_run_id);
    expect(current?.phases?.install_azure_csi).toMatchObject({ status: 'skipped', skipped_reason: 'x' });
  });

  it('refuses an unknown phase or status as a usage error (exit 2)', async () => {
    await setup('v2/fresh.yaml');
    const phase = await expectRefused((view) => setPhase(view, 'install_k8s', 'completed', NOW), {
      code: 'unknown-name',
      exitCode: ExitCode.usage,
      message: 'unknown phase "install_k8s"',
    });
    expect(phase.message).toContain(PHASES.join(', '));
    await expectRefused((view) => setPhase(view, 'install_k0s', 'done', NOW), {
      code: 'unknown-name',
      exitCode: ExitCode.usage,
      message: 'unknown phase status "done"; use one of: pending, in_progress, completed, skipped',
    });
    await expectRefused((view) => setPhase(view, 'install_k0s', 'completed', NOW, 'why'), {
      code: 'unknown-name',
      exitCode: ExitCode.usage,
      message: '--reason goes with the status skipped only',
    });
    const { state } = await readState((work as Workdir).file, options());
    expect(() => phaseStatus(state, 'nope')).toThrow(/unknown phase "nope"/);
  });

  it('reset-from puts that phase and every later applicable one back to pending', async () => {
    await setup('v2/mid-run.yaml');
    const before = await loadState((work as Workdir).file);
    const result = await update((view) => resetFrom(view, 'create_vms', NOW));
    expect(result.value).toEqual([
      'create_vms',
      'setup_vpn',
      'connect_vpn',
      'install_k0s',
      'install_k0rdent',
    ]);
    const state = await loadState((work as Workdir).file);
    expect(state.phases.prepare_deployment).toEqual(before.phases.prepare_deployment);
    expect(state.phases.setup_network).toEqual(before.phases.setup_network);
    for (const name of result.value) {
      expect(state.phases[name]).toEqual({ status: 'pending', updated_at: NOW_TEXT });
    }
    expect(Object.keys(state.phases)).toEqual(applicablePhases(NO_KOF));
  });

  it('reset-from with KOF on includes the KOF phases; a phase that does not apply is refused', async () => {
    await setup('v2/fresh.yaml');
    await update((view) => startRun(view, { now: NOW, kof: true, suffix: 'a1b2c3' }));
    const result = await update((view) => resetFrom(view, 'install_k0rdent', NOW));
    expect(result.value).toEqual([
      'install_k0rdent',
      'install_azure_csi',
      'install_kof_mothership',
      'install_kof_regional',
    ]);
    await expectRefused((view) => resetFrom(view, 'setup_azure_children', NOW), {
      code: 'phase-not-applicable',
      exitCode: ExitCode.invalid,
      message: 'deployment_flags.azure_children',
    });
  });
});

describe('runtime set (update_runtime_state)', () => {
  it('types values: true/false are booleans, whole numbers integers in open maps, text stays text', async () => {
    await setup('v2/fresh.yaml');
    await update((view) => setRuntime(view, 'wireguard_config.vpn_connected', 'true', false));
    await update((view) => setRuntime(view, 'k0s_cluster_state.config_generated', 'true', false));
    await update((view) => setRuntime(view, 'k0rdent_install_state.installed', 'false', false));
    await update((view) => setRuntime(view, 'artifacts.kubeconfig.metadata.nodes', '3', false));
    await update((view) => setRuntime(view, 'wireguard_config.setup_method', '42', false));
    await update((view) => setRuntime(view, 'k0rdent_install_state.namespace', 'kcm-system', false));
    const state = await loadState((work as Workdir).file);
    expect(state.wireguard_config?.vpn_connected).toBe(true);
    expect(state.k0s_cluster_state?.config_generated).toBe(true);
    expect(state.k0rdent_install_state?.installed).toBe(false);
    expect(state.artifacts).toEqual({ kubeconfig: { metadata: { nodes: 3 } } });
    expect(state.wireguard_config?.setup_method).toBe('42');
    expect(state.k0rdent_install_state?.namespace).toBe('kcm-system');
    expect(state.last_updated).toBe(NOW_TEXT);
  });

  it('keeps an AWS account id a string, by its v2 path and by its v1 name', async () => {
    await setup('v2/fresh.yaml');
    await update((view) => setRuntime(view, 'cloud_credentials.aws.account_id', '012345678901', false));
    expect((await loadState((work as Workdir).file)).cloud_credentials?.aws?.account_id).toBe('012345678901');
    expect(await readFile((work as Workdir).file, 'utf8')).toContain('account_id: "012345678901"');
    const legacy = await update((view) => setRuntime(view, 'aws_account_id', '000000000042', false));
    expect(legacy.value).toEqual({
      path: ['cloud_credentials', 'aws', 'account_id'],
      legacy: 'aws_account_id',
    });
    expect((await loadState((work as Workdir).file)).cloud_credentials?.aws?.account_id).toBe('000000000042');
  });

  it('routes v1 key names to their v2 place', async () => {
    await setup('v2/fresh.yaml');
    const result = await update((view) => setRuntime(view, 'wg_vpn_connected', 'true', false));
    expect(result.value).toEqual({ path: ['wireguard_config', 'vpn_connected'], legacy: 'wg_vpn_connected' });
    await update((view) => setRuntime(view, 'k0s_cluster_deployed', 'true', false));
    const state = await loadState((work as Workdir).file);
    expect(state.wireguard_config?.vpn_connected).toBe(true);
    expect(state.k0s_cluster_state?.deployed).toBe(true);
    expect(state).not.toHaveProperty('wg_vpn_connected');
  });

  it('stores JSON with --json', async () => {
    await setup('v2/fresh.yaml');
    const artifact = {
      path: 'k0sctl-config/kubeconfig',
      updated_at: NOW_TEXT,
      metadata: { context: 'admin' },
    };
    await update((view) => setRuntime(view, 'artifacts.kubeconfig', JSON.stringify(artifact), true));
    await update((view) => setRuntime(view, 'k0s_cluster_state.deployed', 'true', true));
    const state = await loadState((work as Workdir).file);
    expect(state.artifacts?.kubeconfig).toEqual(artifact);
    expect(state.k0s_cluster_state?.deployed).toBe(true);
    await expectRefused((view) => setRuntime(view, 'artifacts.x', '{not json', true), {
      code: 'bad-value',
      exitCode: ExitCode.usage,
      message: 'is not JSON',
    });
  });

  it('writes optional_components.kof once KOF is on', async () => {
    await setup('v2/fresh.yaml');
    await update((view) => startRun(view, { now: NOW, kof: true, suffix: 'a1b2c3' }));
    await update((view) => setRuntime(view, 'optional_components.kof.mothership_installed', 'true', false));
    await update((view) => setRuntime(view, 'kof_mothership_version', '1.1.0', false));
    const state = await loadState((work as Workdir).file);
    expect(state.optional_components?.kof).toEqual({
      mothership_installed: true,
      mothership_version: '1.1.0',
    });
  });

  it.each([
    ['infrastructure_facts.x', '1', 'not-runtime-key', /infrastructure state.*k0rdent-state infra sync/],
    ['infrastructure_facts.stale', 'false', 'not-runtime-key', /infrastructure state.*infra set/],
    [
      'terraform_version',
      '1.9.8',
      'not-runtime-key',
      /terraform_version is infrastructure state.*infra sync/,
    ],
    [
      'infrastructure_facts.outputs.resource_group_name',
      'rg',
      'infra-key',
      /infrastructure fact.*k0rdent-state infra set resource_group_name JSON/,
    ],
    ['azure_rg_status', 'created', 'infra-key', /infra sync.*infra set resource_group\.status JSON/],
    ['phases', '{}', 'not-runtime-key', /phases belongs to runs and phases: use k0rdent-state phase set/],
    ['phases.install_k0s.status', 'completed', 'not-runtime-key', /phase set/],
    ['current_run_id', 'x', 'not-runtime-key', /current_run_id belongs to runs and phases.*run start/],
    ['deployment_runs', '[]', 'not-runtime-key', /run start \/ run complete/],
    [
      'deployment_flags.kof',
      'true',
      'not-runtime-key',
      /flags are set when a run starts.*run start --kof BOOL/,
    ],
    ['deployment_flags', '{}', 'not-runtime-key', /run start --kof BOOL --azure-children BOOL/],
    ['deployment_start_time', 'now', 'not-runtime-key', /recorded by the run/],
    [
      'config.azure_location',
      'eastus',
      'not-runtime-key',
      /not a runtime key; runtime keys live under wireguard_config/,
    ],
    [
      'optional_components.kof.mothership_installed',
      'true',
      'component-disabled',
      /deployment_flags\.kof is true.*run start --kof true/,
    ],
    ['kof_regional_installed', 'true', 'component-disabled', /optional_components\.kof/],
    ['azure_csi_installed', 'true', 'component-disabled', /optional_components\.azure_csi/],
  ])('refuses %s (%s) with a hint: %s', async (key, value, code, message) => {
    await setup('v2/fresh.yaml');
    await expectRefused((view) => setRuntime(view, key, value, false), {
      code,
      exitCode: ExitCode.invalid,
      message,
    });
  });

  it('refuses a value of the wrong type as a usage error', async () => {
    await setup('v2/fresh.yaml');
    await expectRefused((view) => setRuntime(view, 'wireguard_config.vpn_connected', 'maybe', false), {
      code: 'bad-value',
      exitCode: ExitCode.usage,
      // The value given is never repeated (it may be a secret given under the wrong key).
      message:
        "wireguard_config.vpn_connected takes boolean, not the value given (5 characters); e.g. true, 42, or --value-json '{...}'",
    });
    await expectRefused((view) => setRuntime(view, 'k0s_cluster_state.deployed', '1', false), {
      code: 'bad-value',
      exitCode: ExitCode.usage,
    });
  });

  it('refuses a change that would make the file invalid (a bad value forced with --json)', async () => {
    await setup('v2/fresh.yaml');
    await expectRefused((view) => setRuntime(view, 'wireguard_config.vpn_connected', '"yes"', true), {
      code: 'update-invalid',
      exitCode: ExitCode.invalid,
      message: /invalid at wireguard_config\.vpn_connected.*the file is unchanged/,
    });
    await expectRefused((view) => setRuntime(view, 'cloud_credentials.aws.account_id', '12345', true), {
      code: 'update-invalid',
      exitCode: ExitCode.invalid,
      message: 'cloud_credentials.aws.account_id',
    });
    // Straight through the Document: the validation of updateState still stops it.
    await expectRefused(({ doc }) => doc.setIn(['deployment_flags', 'kof'], 'maybe'), {
      code: 'update-invalid',
      exitCode: ExitCode.invalid,
      message: 'deployment_flags.kof',
    });
    await expectRefused(({ doc }) => doc.setIn(['current_run_id'], 'no-such-run'), {
      code: 'update-invalid',
      exitCode: ExitCode.invalid,
    });
  });

  it('does not rewrite the file when nothing changes', async () => {
    await setup('v2/mid-run.yaml');
    const before = await readFile((work as Workdir).file);
    const result = await update((view) => setRuntime(view, 'wireguard_config.vpn_connected', 'true', false));
    expect(result.written).toBe(false);
    expect((await readFile((work as Workdir).file)).equals(before)).toBe(true);
  });

  it('leaves the file as it was when the change throws half-way', async () => {
    await setup('v2/mid-run.yaml');
    const before = await readFile((work as Workdir).file);
    const error = await update(({ doc }) => {
      doc.setIn(['wireguard_config', 'vpn_connected'], false);
      throw new Error('interrupted');
    }).catch((caught: unknown) => caught);
    expect((error as Error).message).toBe('interrupted');
    expect((await readFile((work as Workdir).file)).equals(before)).toBe(true);
  });
});

describe('infra set (update_infra_cache)', () => {
  it('stores JSON under infrastructure_facts.outputs, bumps cache_timestamp and keeps the old one', async () => {
    await setup('v2/mid-run.yaml');
    const result = await update((view) => setInfra(view, 'vnet_name', '"vnet-2"', NOW));
    expect(result.value).toEqual(['vnet_name']);
    await update((view) =>
      setInfra(
        view,
        'infrastructure_facts.outputs.vm_details.k0rdent-t6p1w9za-controller.public_ip',
        '"20.1.1.1"',
        NOW,
      ),
    );
    await update((view) => setInfra(view, 'worker_ips', '["10.240.0.5"]', NOW));
    const state = await loadState((work as Workdir).file);
    const facts = state.infrastructure_facts;
    expect(facts.outputs.vnet_name).toBe('vnet-2');
    expect(facts.outputs.worker_ips).toEqual(['10.240.0.5']);
    expect(
      (facts.outputs.vm_details as Record<string, Record<string, unknown>>)['k0rdent-t6p1w9za-controller']
        ?.public_ip,
    ).toBe('20.1.1.1');
    expect(facts.cache_timestamp).toBe(NOW_TEXT);
    // The first write moved the fixture's timestamp; later writes at the same time keep it as it was.
    expect(facts.old_cache_timestamp).toBe(NOW_TEXT);
    // Nothing else of the infrastructure layer changes.
    expect(facts.source).toBe('terraform');
    expect(state.terraform_version).toBe('1.9.8');
  });

  it('keeps the previous cache_timestamp as old_cache_timestamp', async () => {
    await setup('v2/mid-run.yaml');
    await update((view) => setInfra(view, 'vnet_name', '"vnet-2"', NOW));
    const facts = (await loadState((work as Workdir).file)).infrastructure_facts;
    expect(facts.cache_timestamp).toBe(NOW_TEXT);
    expect(facts.old_cache_timestamp).toBe('2025-12-12T10:09:26Z');
  });

  it('records no old_cache_timestamp when there was no cache', async () => {
    await setup('v2/fresh.yaml');
    await update((view) => setInfra(view, 'resource_group_name', '"rg-1"', NOW));
    const facts = (await loadState((work as Workdir).file)).infrastructure_facts;
    expect(facts.cache_timestamp).toBe(NOW_TEXT);
    expect(facts).not.toHaveProperty('old_cache_timestamp');
    expect(facts.outputs).toEqual({ resource_group_name: 'rg-1' });
  });

  it('takes JSON only, and refuses a runtime key', async () => {
    await setup('v2/mid-run.yaml');
    await expectRefused((view) => setInfra(view, 'vnet_name', 'vnet-2', NOW), {
      code: 'bad-value',
      exitCode: ExitCode.usage,
      message:
        'infra set takes JSON; the value (6 characters) is not JSON: unexpected character where a value should be at line 1, column 1; write text as a JSON string, e.g. \'"rg-1"\'',
    });
    await expectRefused((view) => setInfra(view, 'wireguard_config.vpn_connected', 'true', NOW), {
      code: 'runtime-key',
      exitCode: ExitCode.invalid,
      message: 'use: k0rdent-state runtime set wireguard_config.vpn_connected VALUE',
    });
    await expectRefused((view) => setInfra(view, 'infrastructure_facts.outputs.', '1', NOW), {
      code: 'bad-value',
      exitCode: ExitCode.usage,
    });
  });
});

describe('get', () => {
  it('looks in the runtime layer first, then in infrastructure_facts.outputs', async () => {
    await setup('v2/mid-run.yaml');
    await update((view) => setInfra(view, 'config.azure_location', '"from-terraform"', NOW));
    const { state } = await readState((work as Workdir).file, options());
    expect(getValue(state, 'config.azure_location')).toEqual({
      layer: 'runtime',
      path: ['config', 'azure_location'],
      value: 'westeurope',
    });
    expect(getValue(state, 'wireguard_config.vpn_connected')).toEqual({
      layer: 'runtime',
      path: ['wireguard_config', 'vpn_connected'],
      value: true,
    });
    expect(getValue(state, 'vnet_name')).toEqual({
      layer: 'infra',
      path: ['infrastructure_facts', 'outputs', 'vnet_name'],
      value: 'k0rdent-t6p1w9za-vnet',
    });
    expect(getValue(state, 'infrastructure_facts.outputs.worker_ips')?.value).toEqual([
      '10.240.0.5',
      '10.240.0.6',
    ]);
    expect(getValue(state, 'vm_details.k0rdent-t6p1w9za-worker-2.zone')?.value).toBe('3');
    expect(getValue(state, 'no_such_key')).toBeUndefined();
    expect(getValue(state, 'wireguard_config.no_such_key')).toBeUndefined();
    expect(getValue(state, 'vm_details.no-such-vm.public_ip')).toBeUndefined();
    expect(getValue(state, 'infrastructure_facts.stale')).toEqual({
      layer: 'runtime',
      path: ['infrastructure_facts', 'stale'],
      value: state.infrastructure_facts.stale,
    });
    expect(getValue(state, 'infrastructure_facts.cache_timestamp')?.value).toBe(
      NOW.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    );
  });

  it('answers v1 key names, also on a v1 file read in memory without writing it', async () => {
    await setup('v1/e5-deployer.yaml');
    const before = await readFile((work as Workdir).file);
    const { state } = await readState((work as Workdir).file, options());
    expect(state.schema_version).toBe(2);
    expect(getValue(state, 'wg_vpn_connected')).toMatchObject({ layer: 'runtime', value: true });
    expect(getValue(state, 'k0s_config_generated')?.value).toBe(true);
    expect(getValue(state, 'azure_rg_status')).toEqual({
      layer: 'infra',
      path: ['infrastructure_facts', 'outputs', 'resource_group', 'status'],
      value: 'created',
    });
    expect(getValue(state, 'vm_states')?.path).toEqual(['infrastructure_facts', 'outputs', 'vm_details']);
    // KOF is off in this file: the stale kof_mothership_installed was pruned.
    expect(getValue(state, 'kof_mothership_installed')).toBeUndefined();
    expect((await readFile((work as Workdir).file)).equals(before)).toBe(true);
    expect(await backups((work as Workdir).dir)).toEqual([]);
  });
});

describe('cache freshness', () => {
  it('warns about a cache marked stale, with its age', async () => {
    await setup('v1/e5-deployer.yaml');
    const { state } = await readState((work as Workdir).file, options());
    expect(freshnessWarning(state, NOW, 3600)).toBe(
      'the infrastructure cache is marked stale (source: migrated_v1), taken 90d 19h ago; refresh it with: k0rdent-state infra sync',
    );
    // Stale wins over any max age.
    expect(freshnessWarning(state, NOW, 10 ** 9)).toMatch(/marked stale/);
  });

  it('warns about a cache older than the max age, and not at or under it', async () => {
    await setup('v2/mid-run.yaml');
    const { state } = await readState((work as Workdir).file, options());
    const cached = Date.parse('2025-12-12T10:09:26Z');
    expect(freshnessWarning(state, new Date(cached + 7200_000), 3600)).toBe(
      'the infrastructure cache is 2h 00m old (limit 1h 00m); refresh it with: k0rdent-state infra sync',
    );
    expect(freshnessWarning(state, new Date(cached + 3600_000), 3600)).toBeUndefined();
    expect(
      freshnessWarning(state, new Date(cached + 7200_000), parseDuration('3h') as number),
    ).toBeUndefined();
    expect(freshnessWarning(state, new Date(cached + 125_000), parseDuration('90s') as number)).toBe(
      'the infrastructure cache is 2m 05s old (limit 1m 30s); refresh it with: k0rdent-state infra sync',
    );
  });

  it('warns about a cache without a timestamp', async () => {
    await setup('v2/fresh.yaml');
    const { state } = await readState((work as Workdir).file, options());
    expect(freshnessWarning(state, NOW, 3600)).toBe(
      'the infrastructure cache has no cache_timestamp; refresh it with: k0rdent-state infra sync',
    );
  });

  it.each([
    ['90s', 90],
    ['15m', 900],
    ['1h', 3600],
    ['2d', 172800],
    ['1h30m', 5400],
    ['45', 45],
    ['0s', 0],
  ])('parseDuration(%s) = %i', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', 'abc', '1x', '1h 30m', '-5m', '1.5h', 'h', '10mm'])(
    'parseDuration(%j) is undefined',
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );
});

describe('secrets', () => {
  it('finds a private key but marks it secret; redactSecrets masks every secret inside a value', async () => {
    await setup('v2/mid-run.yaml');
    const { state } = await readState((work as Workdir).file, options());
    const key = getValue(state, 'wireguard_config.peers.mylaptop.private_key');
    expect(key?.value).toBe('rdXHoJGJnjCSkv0dO8C/7ZgZXj24iEg0Y9MOW1FC0pM=');
    expect(isSecretEntry(key?.path.at(-1), key?.value)).toBe(true);
    expect(isSecretPath(state, key?.path ?? [])).toBe(true);

    const peer = getValue(state, 'wireguard_config.peers.mylaptop');
    expect(isSecretEntry(peer?.path.at(-1), peer?.value)).toBe(false);
    expect(redactSecrets(peer?.value, peer?.path)).toEqual({
      ip: '172.24.24.1',
      role: 'hub',
      public_key: 'e4kKPWBv8t9mig9gNzoEow9MXIqY/68QfJg827tWH8I=',
      private_key: '<redacted>',
      keys_generated: true,
      keys_generated_at: '2025-12-12T09:58:55Z',
    });
    const all = JSON.stringify(redactSecrets(state));
    expect(all).not.toContain('rdXHoJGJnjCSkv0dO8C');
    expect(all).not.toContain('B0jTUlsP1JCZpfb4w1kB');
    expect(all).toContain('"ssh_private_key":"<redacted>"');
    expect(all).toContain('e4kKPWBv8t9mig9gNzoEow9MXIqY');
  });

  it('treats a sensitive output, and anything inside it, as secret', async () => {
    await setup('v2/mid-run.yaml');
    await update(({ doc }) =>
      doc.setIn(
        ['infrastructure_facts', 'outputs', 'admin_password'],
        doc.createNode({ sensitive: true, value: 'hunter2-fake-password' }),
      ),
    );
    const { state } = await readState((work as Workdir).file, options());
    const whole = getValue(state, 'admin_password');
    expect(isSecretEntry(whole?.path.at(-1), whole?.value)).toBe(true);
    const inner = getValue(state, 'admin_password.value');
    expect(inner?.value).toBe('hunter2-fake-password');
    // The inner value alone does not look secret: only its path tells.
    expect(isSecretEntry(inner?.path.at(-1), inner?.value)).toBe(false);
    expect(isSecretPath(state, inner?.path ?? [])).toBe(true);
    expect(isSecretPath(state, getValue(state, 'vnet_name')?.path ?? [])).toBe(false);
    expect(JSON.stringify(redactSecrets(state.infrastructure_facts.outputs))).not.toContain('hunter2');
  });
});

describe('vm mark', () => {
  it('records ssh-verified and cloud-init-complete with their timestamps', async () => {
    await setup('v2/fresh.yaml');
    await update((view) => markVm(view, 'k0rdent-e2k7r4nb-controller', 'ssh-verified', NOW));
    const later = at('2026-03-04T05:10:00Z');
    await update((view) => markVm(view, 'k0rdent-e2k7r4nb-controller', 'cloud-init-complete', later), later);
    const state = await loadState((work as Workdir).file);
    expect(state.vm_runtime_status).toEqual({
      'k0rdent-e2k7r4nb-controller': {
        ssh_verified: true,
        verification_timestamp: NOW_TEXT,
        cloud_init_complete: true,
        completion_timestamp: '2026-03-04T05:10:00Z',
      },
    });
    // Infrastructure facts are never copied into the runtime layer.
    expect(state.infrastructure_facts.outputs).toEqual({});
  });

  it('refuses an unknown check', async () => {
    await setup('v2/fresh.yaml');
    await expectRefused((view) => markVm(view, 'vm-1', 'rebooted', NOW), {
      code: 'bad-value',
      exitCode: ExitCode.usage,
      message: 'unknown VM check "rebooted"; use ssh-verified or cloud-init-complete',
    });
  });
});

describe('a v1 file', () => {
  it('is migrated first (with its backup) by the first update, and only once', async () => {
    await setup('v1/e5-deployer.yaml');
    const original = await readFile((work as Workdir).file);
    const result = await update((view) => setRuntime(view, 'wireguard_config.vpn_connected', 'false', false));
    expect(result.written).toBe(true);
    expect(result.migrated?.status).toBe('migrated');
    expect(result.migrated?.fromVersion).toBe(1);
    expect(await backups((work as Workdir).dir)).toEqual(['k0rdent-q7x2m9pa_2026-03-04_05-06-07_migration']);
    const backup = join(
      (work as Workdir).dir,
      'old_deployments',
      'k0rdent-q7x2m9pa_2026-03-04_05-06-07_migration',
      'deployment-state.yaml',
    );
    expect((await readFile(backup)).equals(original)).toBe(true);

    const state = await loadState((work as Workdir).file);
    expect(state.schema_version).toBe(2);
    expect(state.wireguard_config?.vpn_connected).toBe(false);
    expect(state.migrations_applied).toHaveLength(1);
    expect(state.deployment_runs.map((run) => run.run_id)).toEqual(['migrated-20251203T091244Z']);

    const later = at('2026-03-04T06:00:00Z');
    const second = await update((view) => startRun(view, { now: later, suffix: 'a1b2c3' }), later);
    expect(second.migrated).toBeUndefined();
    expect(await backups((work as Workdir).dir)).toHaveLength(1);
    const after = await loadState((work as Workdir).file);
    expect(after.migrations_applied).toHaveLength(1);
    expect(Object.keys(after.phases)).toEqual(applicablePhases(NO_KOF));
  });
});
