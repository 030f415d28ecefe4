// The deployer's own call sequence, replayed through the adapter: test/replay/deployer.sh plays
// `./deploy-k0rdent.sh deploy -y` of randybias/k0rdent-azure-setup (b7cc815), every script as a
// process of its own under `set -euo pipefail`, on a fresh folder (KOF off; KOF and Azure child
// clusters on) and resuming a v1 file left mid-deploy. Each predicate's answer and the final files
// are checked, on both paths to the library (the co-process and one process per call), which must
// leave the same files. Needs the build.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { DeploymentStateV2 } from '../src/generated/deployment-state.v2.js';
import { ADAPTER, BIN, fixturePath, REPO } from './support-runtime.js';

const REPLAY = join(REPO, 'test/replay/deployer.sh');
const BASE = [
  'prepare_deployment',
  'setup_network',
  'create_vms',
  'setup_vpn',
  'connect_vpn',
  'install_k0s',
  'install_k0rdent',
];
const OPTIONAL = [
  'setup_azure_children',
  'install_azure_csi',
  'install_kof_mothership',
  'install_kof_regional',
];
const made: string[] = [];
/** The KOF-off replays of both paths, compared at the end. */
const fresh: Replay[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

interface Replay {
  dir: string;
  rc: number | null;
  out: string;
  err: string;
  answers: string[];
  state: DeploymentStateV2;
  stateText: string;
  events: { action: string; message: string; phase?: string }[] | undefined;
}

/** Runs the replay in a new folder (with `fixture` as its state file when given). */
function replay(options: {
  server: boolean;
  kof?: boolean;
  clusterId?: string;
  hosts?: string[];
  fixture?: string;
}): Replay {
  const dir = mkdtempSync(join(tmpdir(), `k0rdent-replay-${options.server ? 'co' : 'fb'}-`));
  made.push(dir);
  const hosts = options.hosts ?? ['k0s-controller-1', 'k0s-worker-1', 'k0s-worker-2'];
  if (options.fixture) {
    mkdirSync(join(dir, 'state'));
    copyFileSync(fixturePath(options.fixture), join(dir, 'state/deployment-state.yaml'));
    mkdirSync(join(dir, 'cloud-init-yaml'));
    for (const host of hosts) writeFileSync(join(dir, 'cloud-init-yaml', `${host}-cloud-init.yaml`), 'x');
  }
  // `az vm list --show-details -o tsv`, as refresh_all_vm_data asks it.
  mkdirSync(join(dir, 'bin'));
  writeFileSync(
    join(dir, 'bin/az'),
    `#!/usr/bin/env bash\nprintf '${hosts.map((host, i) => `${host}\\t20.0.0.${10 + i}\\t10.0.0.${4 + i}\\tSucceeded\\n`).join('')}'\n`,
  );
  chmodSync(join(dir, 'bin/az'), 0o755);
  const kof = options.kof === true ? 'true' : 'false';
  const result = spawnSync('bash', [REPLAY, 'deploy'], {
    cwd: dir,
    env: {
      PATH: `${join(dir, 'bin')}:${process.env.PATH}`,
      HOME: process.env.HOME ?? tmpdir(),
      LANG: 'C.UTF-8',
      ADAPTER,
      K0RDENT_STATE_BIN: BIN,
      K0RDENT_STATE_SERVER: options.server ? '1' : '0',
      K0RDENT_STATE_NOW: '2026-03-04T05:00:00Z',
      TZ: 'UTC',
      REPLAY_LOG: join(dir, 'answers.log'),
      K0RDENT_CLUSTERID: options.clusterId ?? 'k0rdent-abc12345',
      REPLAY_VM_HOSTS: hosts.join(' '),
      WITH_KOF: kof,
      WITH_AZURE_CHILDREN: kof,
      AZURE_LOCATION: 'westus2',
      K0S_CONTROLLER_COUNT: '1',
      K0S_WORKER_COUNT: String(hosts.length - 1),
      WG_NETWORK: '192.168.100.0/24',
      CONFIG_YAML: './config/k0rdent.yaml',
      DEPLOYMENT_START_DATE_UTC: '2026-03-04T04:29:17Z',
      DEPLOYMENT_END_DATE: '2026-03-04 05:00:00 UTC',
      DEPLOYMENT_DURATION: '1843',
    },
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (result.error) throw result.error;
  const stateText = readFileSync(join(dir, 'state/deployment-state.yaml'), 'utf8');
  let events: Replay['events'];
  try {
    events = (
      parse(readFileSync(join(dir, 'state/deployment-events.yaml'), 'utf8')) as { events: Replay['events'] }
    ).events;
  } catch {
    events = undefined;
  }
  return {
    dir,
    rc: result.status,
    out: result.stdout,
    err: result.stderr,
    answers: readFileSync(join(dir, 'answers.log'), 'utf8').trim().split('\n'),
    state: parse(stateText) as DeploymentStateV2,
    stateText,
    events,
  };
}

function validate(file: string): { rc: number | null; out: string } {
  const result = spawnSync('node', [BIN, 'validate', '--strict', file], { encoding: 'utf8' });
  return { rc: result.status, out: result.stdout + result.stderr };
}

const normalize = (text: string) => text.replace(/\b\d{8}T\d{6}Z-[0-9a-f]{6}\b/g, 'RUN');

describe.each([
  ['the co-process', true],
  ['one process per call', false],
])('a fresh deploy, KOF off, through %s', (_label, server) => {
  let run = {} as Replay;
  beforeAll(() => {
    run = replay({ server });
    fresh.push(run);
  }, 600_000);

  it('runs to the end under set -euo pipefail', () => {
    expect(run.err).not.toMatch(/error|unbound|command not found/i);
    expect(run.rc).toBe(0);
  });

  it('answers every predicate as the deployer expects', () => {
    expect(run.answers).toEqual([
      'state_file_exists: no',
      'phase_needs_run prepare_deployment: yes',
      'prepare: keys existed: false',
      'phase_needs_run setup_network: yes',
      'phase_needs_run create_vms: yes',
      'phase_needs_run setup_vpn: yes',
      'phase_needs_run connect_vpn: yes',
      'phase_needs_run install_k0s: yes',
      'phase_needs_run install_k0rdent: yes',
      'phase_status setup_azure_children (disabled): pending',
      'step 8 status: skipped',
      'phase_status install_azure_csi (disabled): pending',
      'install_azure_csi status: skipped',
      'phase_status install_kof_mothership (disabled): pending',
      'install_kof_mothership status: skipped',
      'phase_status install_kof_regional (disabled): pending',
      'install_kof_regional status: skipped',
    ]);
  });

  it('ends with one successful run holding every applicable phase, and the skipped ones', () => {
    expect(run.state.deployment_runs).toHaveLength(1);
    const only = run.state.deployment_runs[0];
    expect(only).toMatchObject({
      synthetic: false,
      outcome: 'success',
      started_at: '2026-03-04T04:29:17Z',
      ended_at: '2026-03-04T05:00:00Z',
      duration_seconds: 1843,
      flags: { azure_children: false, kof: false },
      current_phase: 'install_k0rdent',
      source_status: 'completed',
      error: null,
    });
    for (const phase of BASE) expect(only?.phases?.[phase]?.status, phase).toBe('completed');
    for (const phase of OPTIONAL) {
      expect(only?.phases?.[phase], phase).toMatchObject({
        status: 'skipped',
        skipped_reason: 'Component not enabled',
      });
    }
    expect(Object.keys(run.state.phases)).toEqual(BASE);
    expect(Object.values(run.state.phases).every((entry) => entry.status === 'completed')).toBe(true);
    expect(run.state.current_run_id).toBe(only?.run_id);
  });

  it('keeps the peers with their keys, the VM facts and the artifacts', () => {
    const peers = run.state.wireguard_config?.peers ?? {};
    expect(Object.keys(peers).sort()).toEqual([
      'k0s-controller-1',
      'k0s-worker-1',
      'k0s-worker-2',
      'mylaptop',
    ]);
    for (const [host, peer] of Object.entries(peers)) {
      expect(peer, host).toMatchObject({
        keys_generated: true,
        private_key: `PRIVATE-KEY-OF-${host}-0000000000000000000000=`,
      });
    }
    expect(peers['k0s-worker-2']?.ip).toBe('192.168.100.13');
    expect(run.state.wireguard_config).toMatchObject({
      keys_generated: true,
      laptop_config_created: true,
      vpn_connected: true,
      setup_method: 'cli',
    });
    expect(run.state.infrastructure_facts.outputs.vm_details).toMatchObject({
      'k0s-controller-1': { public_ip: '20.0.0.10', private_ip: '10.0.0.4', provisioning_state: 'Succeeded' },
      'k0s-worker-2': { public_ip: '20.0.0.12', private_ip: '10.0.0.6', provisioning_state: 'Succeeded' },
    });
    expect(run.state.infrastructure_facts.outputs).toMatchObject({
      resource_group: { status: 'created' },
      network: { status: 'created' },
      ssh_key: { status: 'created' },
    });
    expect(Object.keys(run.state.artifacts ?? {}).sort()).toEqual([
      'azure_ssh_private_key',
      'azure_ssh_public_key',
      'cloud_init_directory',
      'k0sctl_config',
      'kubeconfig_file',
      'wireguard_keys_directory',
      'wireguard_laptop_config',
    ]);
    expect(run.state.k0s_cluster_state).toMatchObject({ config_generated: true, deployed: true });
    expect(run.state.k0rdent_install_state).toMatchObject({
      installed: true,
      ready: true,
      ready_partial: false,
    });
    expect(run.state.config.wireguard_port).toBe(51846);
    expect(readFileSync(join(run.dir, 'cloud-init-yaml/k0s-worker-1-cloud-init.yaml'), 'utf8')).toContain(
      'PrivateKey = PRIVATE-KEY-OF-k0s-worker-1-0000000000000000000000=\nAddress = 192.168.100.12/32\nListenPort = 51846',
    );
  });

  it('logs every event the deployer logs, in order', () => {
    expect(run.events?.map((event) => event.action)).toEqual([
      'deployment_initialized',
      'deployment_started',
      'wireguard_ips_assigned',
      'wireguard_keys_generated',
      'cloud_init_generated',
      'phase_completed',
      'phase_completed',
      'azure_rg_created',
      'azure_ssh_key_created',
      'azure_network_created',
      'azure_setup_completed',
      'phase_completed',
      'phase_completed',
      'vm_creation_started',
      'vm_creation_started',
      'vm_creation_started',
      'phase_completed',
      'phase_completed',
      'vpn_config_generated',
      'phase_completed',
      'phase_completed',
      'vpn_connected',
      'phase_completed',
      'phase_completed',
      'k0s_config_generated',
      'k0s_deployment_started',
      'k0s_deployment_completed',
      'kubeconfig_retrieved',
      'network_validation_passed',
      'phase_completed',
      'phase_completed',
      'k0rdent_installation_started',
      'k0rdent_installation_completed',
      'k0rdent_ready',
      'phase_completed',
      'deployment_completed',
      'phase_completed',
      'phase_skipped',
      'phase_skipped',
      'phase_skipped',
      'phase_skipped',
      'deployment_completed',
    ]);
    expect(
      run.events?.filter((event) => event.action === 'phase_completed').map((event) => event.phase),
    ).toEqual(BASE.flatMap((phase) => [phase, phase]));
  });

  it('leaves a valid v2 file (--strict), no migration and no backup', () => {
    expect(validate(join(run.dir, 'state/deployment-state.yaml'))).toMatchObject({ rc: 0 });
    expect(run.state.migrations_applied).toBeUndefined();
    expect(readdirSync(run.dir)).not.toContain('old_deployments/');
    expect(readdirSync(join(run.dir, 'old_deployments'))).toEqual(['deployment-history.yaml']);
  });
});

// The KOF and resume replays run on the co-process path only: every function is pinned on both
// paths by adapter-functions.test.ts, and the KOF-off replay above compares them on a whole deploy.
describe('a fresh deploy with KOF and Azure child clusters', () => {
  let run = {} as Replay;
  beforeAll(() => {
    run = replay({ server: true, kof: true });
  }, 600_000);

  it('runs every phase and records the KOF state', () => {
    expect(run.err).not.toMatch(/error|unbound|command not found/i);
    expect(run.rc).toBe(0);
    const only = run.state.deployment_runs[0];
    expect(only).toMatchObject({
      outcome: 'success',
      flags: { azure_children: true, kof: true },
      current_phase: 'install_kof_regional',
    });
    expect(Object.keys(run.state.phases)).toEqual([...BASE, ...OPTIONAL]);
    expect(Object.values(run.state.phases).every((entry) => entry.status === 'completed')).toBe(true);
    expect(run.state.optional_components).toEqual({
      azure_csi: { installed: true },
      kof: {
        mothership_installed: true,
        mothership_version: '1.1.0',
        mothership_namespace: 'kof',
        regional_installed: true,
        regional_version: '1.1.0',
        regional_cluster_name: 'kof-regional-abc-westus2',
        regional_domain: 'regional.example.com',
      },
    });
    expect(run.answers).not.toContain('phase_status install_kof_mothership (disabled): pending');
    expect(run.events?.filter((event) => event.action === 'phase_skipped')).toEqual([]);
    expect(run.events?.filter((event) => event.action === 'phase_completed')).toHaveLength(22);
    const azure = parse(readFileSync(join(run.dir, 'state/azure-state.yaml'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(azure).toMatchObject({
      azure_credentials_configured: true,
      azure_client_id: '33333333-3333-3333-3333-333333333333',
    });
    const cluster = parse(
      readFileSync(join(run.dir, 'state/cluster-kof-regional-abc-westus2-events.yaml'), 'utf8'),
    ) as {
      events: { action: string }[];
    };
    expect(cluster.events.map((event) => event.action)).toEqual([
      'cluster_events_initialized',
      'cluster_deployment_created',
      'cluster_config_recorded',
      'kof_regional_cluster_ready',
      'kof_regional_configured',
    ]);
    expect(validate(join(run.dir, 'state/deployment-state.yaml')).rc).toBe(0);
  });
});

describe('resuming a v1 file left mid-deploy (e5-deployer.yaml, install_k0s in progress)', () => {
  const hosts = ['k0rdent-q7x2m9pa-controller', 'k0rdent-q7x2m9pa-worker-1', 'k0rdent-q7x2m9pa-worker-2'];
  let run = {} as Replay;
  beforeAll(() => {
    run = replay({ server: true, fixture: 'v1/e5-deployer.yaml', clusterId: 'k0rdent-q7x2m9pa', hosts });
  }, 600_000);

  it('migrates on the first source, skips what was done, runs the rest', () => {
    expect(run.rc).toBe(0);
    expect(run.err).toMatch(
      /^k0rdent-state: migrated \.\/state\/deployment-state\.yaml from v1 to v2; original saved in old_deployments\/k0rdent-q7x2m9pa_/m,
    );
    expect(run.answers).toEqual([
      'state_file_exists: yes',
      'phase_needs_run prepare_deployment: no',
      'validator prepare_deployment: ok',
      'phase_needs_run setup_network: no',
      'validator setup_network: ok',
      'phase_needs_run create_vms: no',
      'validator create_vms: ok',
      'phase_needs_run setup_vpn: no',
      'validator setup_vpn: ok',
      'phase_needs_run connect_vpn: no',
      'validator connect_vpn: ok',
      'phase_needs_run install_k0s: yes',
      'phase_needs_run install_k0rdent: yes',
      'phase_status setup_azure_children (disabled): pending',
      'step 8 status: skipped',
      'phase_status install_azure_csi (disabled): pending',
      'install_azure_csi status: skipped',
      'phase_status install_kof_mothership (disabled): pending',
      'install_kof_mothership status: skipped',
      'phase_status install_kof_regional (disabled): pending',
      'install_kof_regional status: skipped',
    ]);
    const [synthetic, resumed] = run.state.deployment_runs;
    expect(run.state.deployment_runs).toHaveLength(2);
    expect(synthetic).toMatchObject({
      synthetic: true,
      outcome: 'interrupted',
      current_phase: 'install_k0s',
    });
    expect(resumed).toMatchObject({
      synthetic: false,
      outcome: 'success',
      started_at: '2026-03-04T04:29:17Z',
      current_phase: 'install_k0rdent',
    });
    expect(run.state.current_run_id).toBe(resumed?.run_id);
    expect(Object.values(run.state.phases).every((entry) => entry.status === 'completed')).toBe(true);
    // The phases done before the resume keep their times; the resumed run did the rest.
    expect(run.state.phases.prepare_deployment?.updated_at).toBe('2025-12-03T09:13:02Z');
    expect(resumed?.phases?.install_k0s?.status).toBe('completed');
    expect(run.state.wireguard_config?.peers?.['k0rdent-q7x2m9pa-worker-2']?.private_key).toBe(
      'QTNHDjG5vQqWeUWwyG0ahC9WUtqg5hctoSwEH0p5QpY=',
    );
    expect(run.state.k0rdent_install_state?.installed).toBe(true);
    expect(
      readdirSync(join(run.dir, 'old_deployments')).filter((name) => name.endsWith('_migration')),
    ).toHaveLength(1);
    expect(validate(join(run.dir, 'state/deployment-state.yaml')).rc).toBe(0);
  });
});

describe('both paths leave the same files after the same deploy', () => {
  it('state file, events and transcript', () => {
    const [a, b] = fresh;
    expect(fresh).toHaveLength(2);
    expect(normalize(a?.stateText ?? '')).toBe(normalize(b?.stateText ?? ''));
    expect(a?.events).toEqual(b?.events);
    expect(normalize(a?.out ?? '')).toBe(normalize(b?.out ?? ''));
  });
});
