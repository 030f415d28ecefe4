// Every function of the adapter (shell/state-management.sh): the 40 of the deployer's
// etc/state-management.sh and the change proposal's, each pinned by its standard output, its
// return code and what it leaves in the files, under `set -euo pipefail`. Every case runs on both
// paths to the library (the co-process, and one process per call) and both must agree exactly.
// Needs the build (bin/k0rdent-state.js runs dist/).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEPLOYER_FUNCTIONS, PROPOSAL_FUNCTIONS } from '../src/adapter/functions.js';
import type { DeploymentStateV2 } from '../src/generated/deployment-state.v2.js';
import { type AdapterCase, type CaseResult, cleanup, runCases } from './helpers/adapter-harness.js';
import { ADAPTER, fixturePath } from './support-runtime.js';

const INIT = 'init_deployment_state k0rdent-abc12345';
const KEY = 'N2QlS60pYSo3tWx/urmcX2wtgQb5jkBH4oNKHfkhwxc=';
const PUB = 'pLbGLxzGqGN0PvUzyQTvq8RbQa0ZfQ8g9t7mgOlXlH0=';
const TFSTATE = readFileSync(fixturePath('terraform/local/terraform.tfstate'), 'utf8');

/** A case with what it must print and return. */
interface Expected extends AdapterCase {
  rc: number;
  out?: string;
  err?: RegExp | string;
  files?: Record<string, string>;
  check?: (result: CaseResult) => void;
}

function state(result: CaseResult): DeploymentStateV2 {
  return parse(readFileSync(join(result.dir, 'state/deployment-state.yaml'), 'utf8')) as DeploymentStateV2;
}

function events(result: CaseResult): Record<string, string>[] {
  return (
    parse(readFileSync(join(result.dir, 'state/deployment-events.yaml'), 'utf8')) as {
      events: Record<string, string>[];
    }
  ).events;
}

const CASES: Expected[] = [
  // ---- the state file as a whole ----
  { name: 'state_file_exists without a file', script: 'state_file_exists', rc: 1, out: '' },
  { name: 'state_file_exists after init', setup: INIT, script: 'state_file_exists', rc: 0, out: '' },
  {
    name: 'state_file_exists on a file that is not YAML',
    files: { 'state/deployment-state.yaml': 'deployment_id: [unclosed\n' },
    script: 'state_file_exists',
    rc: 1,
    out: '',
    err: /state_file_exists: \.\/state\/deployment-state\.yaml: .*\[yaml-syntax\]|state_file_exists: .*YAML/,
  },
  {
    name: 'init_deployment_state writes a v2 file and the events file',
    script: INIT,
    rc: 0,
    out: '==> Initialized deployment state: ./state/deployment-state.yaml\n==> Initialized deployment events: ./state/deployment-events.yaml\n',
    check: (result) => {
      const data = state(result);
      expect(data.schema_version).toBe(2);
      expect(data.config).toEqual({
        azure_location: 'westus2',
        resource_group: 'k0rdent-abc12345-resgrp',
        controller_count: 1,
        worker_count: 2,
        wireguard_network: '192.168.100.0/24',
        wireguard_port: null,
      });
      expect(data.deployment_runs).toHaveLength(1);
      expect(data.deployment_runs[0]).toMatchObject({
        synthetic: false,
        outcome: 'in_progress',
        current_phase: 'preparation',
      });
      expect(data.current_run_id).toBe(data.deployment_runs[0]?.run_id);
      expect(Object.keys(data.phases)).toEqual([
        'prepare_deployment',
        'setup_network',
        'create_vms',
        'setup_vpn',
        'connect_vpn',
        'install_k0s',
        'install_k0rdent',
      ]);
      expect(data.terraform_state_path).toBeNull();
      expect(data.terraform_backend).toBeNull();
      expect(data.infrastructure_facts.source).toBe('deployer');
      expect(data.migrations_applied).toBeUndefined();
      expect(existsSync(join(result.dir, 'old_deployments'))).toBe(false);
      expect(events(result)).toEqual([
        {
          timestamp: '2026-03-04T05:00:00Z',
          action: 'deployment_initialized',
          message: 'Deployment state tracking initialized',
        },
      ]);
    },
  },
  {
    name: 'init_deployment_state is Terraform-aware when the Terraform folder is initialised',
    files: {
      'terraform/.terraform/terraform.tfstate': JSON.stringify({
        version: 3,
        backend: { type: 'local', config: { path: null } },
      }),
    },
    script: INIT,
    rc: 0,
    check: (result) => {
      const data = state(result);
      expect(data.terraform_backend).toEqual({ type: 'local', config: {} });
      expect(data.terraform_state_path).toBe(join(result.dir, 'terraform/terraform.tfstate'));
      expect(data.infrastructure_facts).toMatchObject({ source: 'terraform', outputs: {} });
    },
  },
  {
    name: 'init_deployment_state archives a state file it replaces',
    files: { 'state/deployment-state.yaml': 'not: [valid\n' },
    script: INIT,
    rc: 0,
    check: (result) => {
      const archived = readdirSync(join(result.dir, 'old_deployments'));
      expect(archived).toEqual(['unknown_2026-03-04_05-00-00_replaced']);
      expect(
        readFileSync(join(result.dir, 'old_deployments', archived[0] ?? '', 'deployment-state.yaml'), 'utf8'),
      ).toBe('not: [valid\n');
    },
  },
  {
    name: 'archive_existing_state moves the files to old_deployments',
    setup: INIT,
    script: 'archive_existing_state fast-reset',
    rc: 0,
    out: [
      '==> Archived deployment-state.yaml to ./old_deployments/k0rdent-abc12345_2026-03-04_05-00-00_fast-reset/',
      '==> Archived deployment-events.yaml to ./old_deployments/k0rdent-abc12345_2026-03-04_05-00-00_fast-reset/',
      '✓ State files archived to ./old_deployments/k0rdent-abc12345_2026-03-04_05-00-00_fast-reset/',
      '',
    ].join('\n'),
    check: (result) => expect(existsSync(join(result.dir, 'state/deployment-state.yaml'))).toBe(false),
  },
  {
    name: 'archive_existing_state with nothing to archive',
    script: 'archive_existing_state',
    rc: 0,
    out: '',
  },
  {
    name: 'cleanup_deployment_state removes the files and the empty folder',
    setup: INIT,
    script: 'cleanup_deployment_state reset',
    rc: 0,
    out: '==> Removed deployment state file\n==> Removed deployment events file\n==> Removed empty state directory\n✓ Deployment state cleanup completed\n',
    check: (result) => expect(existsSync(join(result.dir, 'state'))).toBe(false),
  },
  {
    name: 'show_state_summary',
    setup: `${INIT}\nupdate_vm_state k0s-controller-1 20.1.2.3 10.0.0.4 Succeeded`,
    script: 'show_state_summary',
    rc: 0,
    out: [
      '',
      '==> === Deployment State Summary ===',
      '  Deployment ID: k0rdent-abc12345',
      '  Phase: preparation',
      '  Status: in_progress',
      '  Created: 2026-03-04T05:00:00Z',
      '',
      '==> === VM States ===',
      '  k0s-controller-1: Succeeded (20.1.2.3)',
      '',
      '',
    ].join('\n'),
  },
  {
    name: 'show_state_summary without a state file',
    script: 'show_state_summary',
    rc: 1,
    out: '✗ No deployment state found\n',
  },

  // ---- get_state / update_state through the key map ----
  {
    name: 'get_state of v1 keys reads their v2 place',
    setup: INIT,
    script: [
      'deployment_id',
      'phase',
      'status',
      'created_at',
      'config.wireguard_port',
      'config.controller_count',
      'wg_vpn_connected',
      'azure_rg_status',
      'deployment_flags.kof',
      'phases.install_k0s.status',
      'phases.install_kof_mothership.status',
      'vm_states',
      'deployment_start_time',
      'deployment_end_time',
      'deployment_duration_seconds',
      'no_such_key',
      'k0rdent_installed',
    ]
      .map((key) => `echo "${key}=$(get_state ${key})"`)
      .join('\n'),
    rc: 0,
    out: [
      'deployment_id=k0rdent-abc12345',
      'phase=preparation',
      'status=in_progress',
      'created_at=2026-03-04T05:00:00Z',
      'config.wireguard_port=null',
      'config.controller_count=1',
      'wg_vpn_connected=false',
      'azure_rg_status=not_created',
      'deployment_flags.kof=false',
      'phases.install_k0s.status=pending',
      'phases.install_kof_mothership.status=pending',
      'vm_states={}',
      'deployment_start_time=2026-03-04T05:00:00Z',
      'deployment_end_time=null',
      'deployment_duration_seconds=null',
      'no_such_key=null',
      'k0rdent_installed=false',
      '',
    ].join('\n'),
  },
  {
    name: 'get_state without a state file prints nothing and returns 1',
    script: 'get_state deployment_id',
    rc: 1,
    out: '',
  },
  {
    name: 'get_state of a map prints YAML that yq can read',
    setup: `${INIT}\nupdate_vm_state k0s-controller-1 20.1.2.3 10.0.0.4 Succeeded`,
    script: 'get_state vm_states',
    rc: 0,
    out: 'k0s-controller-1:\n  public_ip: 20.1.2.3\n  private_ip: 10.0.0.4\n  provisioning_state: Succeeded\n  last_checked: 2026-03-04T05:00:00Z\n',
  },
  {
    name: 'get_state never prints a private key',
    setup: `${INIT}\nassign_wireguard_ips k0s-controller-1\nupdate_wireguard_peer mylaptop ${KEY} ${PUB}`,
    script: 'get_state wireguard_peers.mylaptop.private_key',
    rc: 1,
    out: '',
    err: /refused: wireguard_peers\.mylaptop\.private_key is a secret and is never printed; scripts read a WireGuard key with get_wireguard_private_key HOST \[secret-refused\]/,
    check: (result) => expect(result.err).not.toContain(KEY),
  },
  {
    name: 'update_state stores v1 keys at their v2 places, typed as before, with one deprecation line',
    setup: INIT,
    script: [
      'update_state wg_vpn_connected true',
      'update_state config.wireguard_port 51846',
      'update_state azure_rg_status created',
      'update_state wg_macos_interface ""',
      'update_state aws_account_id 012345678901',
      'update_state custom_key some-value',
      'update_state vm_states {}',
      'get_state wg_vpn_connected',
      'get_state config.wireguard_port',
      'get_state azure_rg_status',
    ].join('\n'),
    rc: 0,
    out: 'true\n51846\ncreated\n',
    err: /^k0rdent-state: update_state is deprecated \(said once per shell\).*wireguard_config\.vpn_connected\)\n$/,
    check: (result) => {
      const data = state(result);
      expect(data.wireguard_config).toMatchObject({ vpn_connected: true, macos_interface: '' });
      expect(data.config.wireguard_port).toBe(51846);
      expect(data.infrastructure_facts.outputs).toMatchObject({
        resource_group: { status: 'created' },
        vm_details: {},
      });
      expect(data.cloud_credentials).toEqual({ aws: { account_id: '012345678901' } });
      expect(data.unrecognized).toEqual({ custom_key: 'some-value' });
    },
  },
  {
    name: 'update_state without a state file',
    script: 'update_state wg_vpn_connected true',
    rc: 1,
    out: '✗ State file not found: ./state/deployment-state.yaml\n',
  },
  {
    name: 'flags set before the first phase are the run’s flags; the live phases follow them',
    setup: INIT,
    script:
      'update_state deployment_flags.kof true\nupdate_state deployment_flags.azure_children true\nget_state deployment_flags.kof',
    rc: 0,
    out: 'true\n',
    check: (result) => {
      const data = state(result);
      expect(data.deployment_runs[0]?.flags).toEqual({ azure_children: true, kof: true });
      expect(Object.keys(data.phases)).toHaveLength(11);
    },
  },
  {
    name: 'the timing keys and status are the current run’s',
    setup: INIT,
    script: [
      'update_state deployment_start_time 2026-03-04T04:00:00Z',
      'update_state status completed',
      'update_state phase k0rdent_deployed',
      'echo "$(get_state deployment_start_time) $(get_state status) $(get_state phase)"',
    ].join('\n'),
    rc: 0,
    out: '2026-03-04T04:00:00Z completed k0rdent_deployed\n',
    check: (result) => {
      const run = state(result).deployment_runs[0];
      expect(run).toMatchObject({
        started_at: '2026-03-04T04:00:00Z',
        outcome: 'in_progress',
        source_status: 'completed',
        current_phase: 'k0rdent_deployed',
        source_timing: { deployment_start_time: '2026-03-04T04:00:00Z' },
      });
    },
  },
  {
    name: 'deployment_end_time ends the run: success when every applicable phase is done',
    setup: [
      INIT,
      'update_state deployment_start_time 2026-03-04T04:00:00Z',
      ...[
        'prepare_deployment',
        'setup_network',
        'create_vms',
        'setup_vpn',
        'connect_vpn',
        'install_k0s',
        'install_k0rdent',
      ].map((phase) => `phase_mark_completed ${phase}`),
      ...['setup_azure_children', 'install_azure_csi', 'install_kof_mothership', 'install_kof_regional'].map(
        (phase) => `phase_mark_skipped ${phase} "Component not enabled"`,
      ),
    ].join('\n'),
    script: [
      'update_state deployment_end_time "2026-03-04 06:00:00 UTC"',
      'update_state deployment_duration_seconds 7200',
      'echo "$(get_state status) | $(get_state deployment_end_time) | $(get_state deployment_duration_seconds)"',
    ].join('\n'),
    rc: 0,
    out: 'completed | 2026-03-04 06:00:00 UTC | 7200\n',
    check: (result) => {
      const data = state(result);
      const run = data.deployment_runs[0];
      expect(run).toMatchObject({
        outcome: 'success',
        ended_at: '2026-03-04T06:00:00Z',
        duration_seconds: 7200,
      });
      expect(Object.keys(run?.phases ?? {})).toHaveLength(11);
      expect(run?.phases?.install_kof_mothership).toMatchObject({
        status: 'skipped',
        skipped_reason: 'Component not enabled',
      });
      expect(data.phases.install_kof_mothership).toBeUndefined();
    },
  },
  {
    name: 'a new deployment_start_time after a phase starts a new run that keeps the completed phases',
    setup: `${INIT}\nphase_mark_completed prepare_deployment\nphase_mark_in_progress setup_network`,
    script:
      'update_state deployment_start_time 2026-03-04T05:30:00Z\nphase_status prepare_deployment\nphase_status setup_network',
    rc: 0,
    out: 'completed\npending\n',
    check: (result) => {
      const runs = state(result).deployment_runs;
      expect(runs.map((run) => run.outcome)).toEqual(['interrupted', 'in_progress']);
      expect(runs[1]?.started_at).toBe('2026-03-04T05:30:00Z');
    },
  },

  // ---- phases ----
  {
    name: 'phase functions on an applicable phase',
    setup: INIT,
    script: [
      'phase_status install-k0s',
      'phase_needs_run install_k0s && echo needs-run',
      'phase_mark_in_progress install_k0s',
      'phase_status install_k0s',
      'phase_mark_completed install_k0s',
      'phase_is_completed install_k0s && echo completed',
      'check_phase_completion install_k0s && echo checked',
      'phase_needs_run install_k0s || echo no-run',
      'phase_mark_pending install_k0s',
      'phase_status install_k0s',
      'echo "phase=$(get_state phase)"',
    ].join('\n'),
    rc: 0,
    out: 'pending\nneeds-run\nin_progress\ncompleted\nchecked\nno-run\npending\nphase=install_k0s\n',
    check: (result) => {
      expect(events(result).slice(1)).toEqual([
        {
          timestamp: '2026-03-04T05:00:00Z',
          action: 'phase_completed',
          message: 'Phase completed: install_k0s',
          phase: 'install_k0s',
        },
      ]);
    },
  },
  {
    name: 'a disabled component’s phase is marked and read as skipped, in the run’s history, never an error',
    setup: INIT,
    script: [
      'phase_status install_kof_mothership',
      'phase_mark_skipped install_kof_mothership',
      'phase_status install_kof_mothership',
      'phase_is_skipped install_kof_mothership && echo skipped',
      'phase_needs_run install_kof_mothership || echo no-run',
      'get_state phases.install_kof_mothership.status',
    ].join('\n'),
    rc: 0,
    out: 'pending\nskipped\nskipped\nno-run\nskipped\n',
    check: (result) => {
      const data = state(result);
      expect(data.phases.install_kof_mothership).toBeUndefined();
      expect(data.deployment_runs[0]?.phases?.install_kof_mothership).toMatchObject({
        status: 'skipped',
        skipped_reason: 'Component not enabled',
      });
      expect(events(result).at(-1)).toEqual({
        timestamp: '2026-03-04T05:00:00Z',
        action: 'phase_skipped',
        message: 'Phase skipped: install_kof_mothership - Component not enabled',
        phase: 'install_kof_mothership',
      });
    },
  },
  {
    name: 'phase_reset_from resets that phase and every later applicable one',
    setup: `${INIT}\nfor p in prepare_deployment setup_network create_vms; do phase_mark_completed $p; done`,
    script:
      'phase_reset_from setup-network\nfor p in prepare_deployment setup_network create_vms; do phase_status $p; done\nget_state phase',
    rc: 0,
    out: 'completed\npending\npending\nsetup_network\n',
    check: (result) =>
      expect(events(result).at(-1)).toMatchObject({
        action: 'phase_reset',
        message: 'Phase reset invoked from: setup_network',
      }),
  },
  {
    name: 'phase_reset_from an unknown phase returns 1',
    setup: INIT,
    script: 'phase_reset_from no_such_phase',
    rc: 1,
    out: '',
  },
  { name: 'phase_status without a state file', script: 'phase_status install_k0s', rc: 0, out: 'pending\n' },
  {
    name: 'phase_mark_in_progress without a state file',
    script: 'phase_mark_in_progress install_k0s',
    rc: 1,
    out: '✗ State file not found: ./state/deployment-state.yaml\n',
  },

  // ---- artifacts and events ----
  {
    name: 'record_artifact and artifact_exists',
    setup: INIT,
    files: { 'k0sctl-config/k.yaml': 'x' },
    script: [
      'record_artifact k0sctl_config ./k0sctl-config/k.yaml',
      'artifact_exists k0sctl_config && echo exists',
      'record_artifact gone ./nowhere "some metadata"',
      'artifact_exists gone || echo missing',
      'artifact_exists never || echo never',
    ].join('\n'),
    rc: 0,
    out: 'exists\nmissing\nnever\n',
    check: (result) =>
      expect(state(result).artifacts).toEqual({
        k0sctl_config: { path: './k0sctl-config/k.yaml', updated_at: '2026-03-04T05:00:00Z' },
        gone: { path: './nowhere', updated_at: '2026-03-04T05:00:00Z', metadata: 'some metadata' },
      }),
  },
  { name: 'record_artifact without a state file returns 1', script: 'record_artifact a ./b', rc: 1, out: '' },
  {
    name: 'add_event appends, with the phase when given',
    setup: INIT,
    script:
      'add_event vm_creation_started "Started creating VM: k0s-worker-1 (PID: 123, attempt 0)"\nadd_event x "y" install_k0s',
    rc: 0,
    out: '',
    check: (result) =>
      expect(events(result).slice(1)).toEqual([
        {
          timestamp: '2026-03-04T05:00:00Z',
          action: 'vm_creation_started',
          message: 'Started creating VM: k0s-worker-1 (PID: 123, attempt 0)',
        },
        { timestamp: '2026-03-04T05:00:00Z', action: 'x', message: 'y', phase: 'install_k0s' },
      ]),
  },
  { name: 'add_event without any file is silent', script: 'add_event a b', rc: 0, out: '' },
  {
    name: 'complete_deployment records status and phase label, and an event; the run goes on',
    setup: INIT,
    script: 'complete_deployment k0rdent_deployed\necho "$(get_state status) $(get_state phase)"',
    rc: 0,
    out: 'completed k0rdent_deployed\n',
    check: (result) => {
      expect(state(result).deployment_runs[0]?.outcome).toBe('in_progress');
      expect(events(result).at(-1)).toMatchObject({
        action: 'deployment_completed',
        message: 'Full k0rdent deployment completed successfully',
      });
    },
  },

  // ---- VMs ----
  {
    name: 'update_vm_state and get_vm_info',
    setup: INIT,
    script: [
      'update_vm_state k0s-controller-1 "" "" Creating',
      'get_vm_info k0s-controller-1 state',
      'update_vm_state k0s-controller-1 20.1.2.3 "" Succeeded',
      'get_vm_info k0s-controller-1 public_ip',
      'get_vm_info k0s-controller-1 private_ip',
      'get_vm_info k0s-worker-9 state',
    ].join('\n'),
    rc: 0,
    out: 'Creating\n20.1.2.3\n\nnull\n',
  },
  { name: 'get_vm_info without a state file', script: 'get_vm_info vm state', rc: 1, out: '' },
  {
    name: 'refresh_all_vm_data from Azure (az vm list on PATH)',
    setup: INIT,
    files: {
      'bin/az':
        '#!/usr/bin/env bash\nprintf "k0s-controller-1\\t20.1.2.3\\t10.0.0.4\\tSucceeded\\nk0s-worker-1\\t\\t10.0.0.5\\tSucceeded\\n"\n',
    },
    script: 'chmod +x bin/az; PATH="$PWD/bin:$PATH" refresh_all_vm_data\nget_vm_info k0s-worker-1 private_ip',
    rc: 0,
    out: '==> Refreshing VM data from Azure...\n==> VM data refreshed from Azure\n10.0.0.5\n',
  },
  {
    name: 'VM runtime checks',
    setup: INIT,
    script:
      'mark_vm_ssh_verified k0s-worker-1\nget_vm_runtime_status k0s-worker-1 ssh_verified\nget_vm_runtime_status k0s-worker-1 cloud_init_complete',
    rc: 0,
    out: 'true\nnull\n',
  },

  // ---- WireGuard ----
  {
    name: 'assign_wireguard_ips fills WG_IPS; keys are stored and read back',
    setup: INIT,
    script: [
      'assign_wireguard_ips k0s-controller-1 k0s-worker-1',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash expansion, for bash
      'for h in mylaptop k0s-controller-1 k0s-worker-1; do echo "$h=${WG_IPS[$h]}"; done',
      'get_wireguard_private_key mylaptop',
      `update_wireguard_peer mylaptop ${KEY} ${PUB}`,
      'get_wireguard_private_key mylaptop',
      'get_wireguard_public_key mylaptop',
      'get_wireguard_ip k0s-worker-1',
      'get_wireguard_ip nobody',
    ].join('\n'),
    rc: 0,
    out: `mylaptop=192.168.100.1\nk0s-controller-1=192.168.100.11\nk0s-worker-1=192.168.100.12\nnull\n${KEY}\n${PUB}\n192.168.100.12\nnull\n`,
    check: (result) => {
      const peers = state(result).wireguard_config?.peers ?? {};
      expect(peers.mylaptop).toMatchObject({
        ip: '192.168.100.1',
        role: 'hub',
        private_key: KEY,
        keys_generated: true,
      });
      expect(peers['k0s-controller-1']).toEqual({ ip: '192.168.100.11', role: 'controller' });
      expect(events(result).at(-1)?.action).toBe('wireguard_ips_assigned');
    },
  },
  {
    name: 'populate_wg_ips_array in a later shell',
    setup: `${INIT}\nassign_wireguard_ips k0s-controller-1`,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash expansion, for bash
    script: 'populate_wg_ips_array\necho "${WG_IPS[k0s-controller-1]} ${#WG_IPS[@]}"',
    rc: 0,
    out: '192.168.100.11 2\n',
  },
  {
    name: 'update_wireguard_peer of an unknown peer',
    setup: INIT,
    script: `update_wireguard_peer nobody ${KEY} ${PUB}`,
    rc: 1,
    out: '✗ WireGuard peer nobody not found in state. Run assign_wireguard_ips first.\n',
    check: (result) => expect(result.out + result.err).not.toContain(KEY),
  },
  {
    name: 'get_wireguard_private_key without a state file',
    script: 'get_wireguard_private_key mylaptop',
    rc: 0,
    out: 'null\n',
  },
  { name: 'populate_wg_ips_array without a state file', script: 'populate_wg_ips_array', rc: 1, out: '' },

  // ---- Azure and cluster files ----
  {
    name: 'the Azure state file',
    script: [
      'get_azure_state azure_credentials_configured',
      'update_azure_state azure_credentials_configured true',
      'update_azure_state azure_client_id 11111111-2222-3333-4444-555555555555',
      'get_azure_state azure_credentials_configured',
      'get_azure_state azure_client_id',
      'remove_azure_state_key azure_client_id',
      'get_azure_state azure_client_id',
      'add_azure_event azure_credentials_configured "Azure credentials configured for cluster deployment"',
    ].join('\n'),
    rc: 0,
    out: 'null\ntrue\n11111111-2222-3333-4444-555555555555\nnull\n',
    check: (result) => {
      const log = parse(readFileSync(join(result.dir, 'state/azure-events.yaml'), 'utf8')) as {
        events: unknown[];
      };
      expect(log.events).toEqual([
        {
          timestamp: '2026-03-04T05:00:00Z',
          action: 'azure_credentials_configured',
          message: 'Azure credentials configured for cluster deployment',
        },
      ]);
    },
  },
  {
    name: 'cluster events files',
    script: [
      'get_cluster_state_file kof-regional-1',
      'get_cluster_events_file kof-regional-1',
      'init_cluster_events kof-regional-1',
      'add_cluster_event kof-regional-1 cluster_deployment_created "ClusterDeployment created"',
      'add_cluster_event other-cluster cluster_config_recorded "created on first use"',
    ].join('\n'),
    rc: 0,
    out: './state/cluster-kof-regional-1-state.yaml\n./state/cluster-kof-regional-1-events.yaml\n==> Initialized cluster events: ./state/cluster-kof-regional-1-events.yaml\n',
    check: (result) => {
      const log = parse(
        readFileSync(join(result.dir, 'state/cluster-kof-regional-1-events.yaml'), 'utf8'),
      ) as {
        cluster_name: string;
        events: { action: string }[];
      };
      expect(log.cluster_name).toBe('kof-regional-1');
      expect(log.events.map((event) => event.action)).toEqual([
        'cluster_events_initialized',
        'cluster_deployment_created',
      ]);
      expect(existsSync(join(result.dir, 'state/cluster-other-cluster-events.yaml'))).toBe(true);
    },
  },

  // ---- history ----
  {
    name: 'record_deployment_history and show_deployment_history',
    setup: INIT,
    script: 'record_deployment_history k0rdent-abc12345 ./config/k0rdent.yaml ""\nshow_deployment_history',
    rc: 0,
    out: /^==> Recorded deployment in history: k0rdent-abc12345\n\n=== Deployment History ===\n {2}k0rdent-abc12345 \| 2026-03-04T05:00:00Z \| unknown\n\n=== Deployment Runs ===\n/
      .source,
  },
  {
    name: 'show_deployment_history without a history',
    script: 'show_deployment_history',
    rc: 0,
    out: '==> No deployment history found\n',
  },

  // ---- values that look like options are values (the error trap passes "-bash: ..." messages) ----
  {
    name: 'arguments starting with -, -- or --file= are taken as values by every function',
    setup: `${INIT}\nassign_wireguard_ips k0s-controller-1`,
    script: [
      'update_state wg_setup_method --help',
      'update_state custom_key -q',
      'update_state other_key --file=/etc/passwd',
      'update_runtime_state k0rdent_install_state.namespace --',
      'add_event --file=x -q',
      'record_artifact -- --help',
      'phase_mark_skipped install_kof_regional -q',
      'update_vm_state -vm -- - --file=x',
      'get_state --help',
      'get_state wg_setup_method',
      'get_vm_info -vm public_ip',
      'get_wireguard_ip --help',
      'phase_status --help || echo "rc=$?"',
    ].join('\n'),
    rc: 0,
    out: 'null\n--help\n--\nnull\nrc=2\n',
    err: /unknown phase "__help"/,
    check: (result) => {
      const data = state(result);
      expect(data.unrecognized).toEqual({ custom_key: '-q', other_key: '--file=/etc/passwd' });
      expect(data.k0rdent_install_state).toMatchObject({ namespace: '--' });
      expect(data.artifacts).toMatchObject({ '--': { path: '--help' } });
      expect(data.deployment_runs[0]?.phases?.install_kof_regional).toMatchObject({ skipped_reason: '-q' });
      expect(events(result).some((event) => event.action === '--file=x' && event.message === '-q')).toBe(
        true,
      );
    },
  },

  // ---- errors the old functions did not have ----
  {
    name: 'assign_wireguard_ips without any WireGuard network',
    setup: 'WG_NETWORK= init_deployment_state k0rdent-abc12345',
    script: 'WG_NETWORK= assign_wireguard_ips k0s-controller-1',
    rc: 1,
    out: '',
    err: /refused: assign_wireguard_ips needs the WireGuard network.*set WG_NETWORK \(e\.g\. 172\.24\.24\.0\/24\) \[no-wireguard-network\]/,
  },
  {
    name: 'an Azure state file that is not YAML',
    files: { 'state/azure-state.yaml': 'azure_credentials_configured: [\n' },
    script: 'update_azure_state azure_client_id x',
    rc: 3,
    out: '',
    err: /state\/azure-state\.yaml: error: is not valid YAML .*; fix it or move it aside \[side-file-unreadable\]/,
  },
  {
    name: 'a deployment history index that is not YAML',
    files: { 'old_deployments/deployment-history.yaml': 'deployments: [\n' },
    script: 'record_deployment_history k0rdent-abc12345',
    rc: 3,
    out: '',
    err: /deployment-history\.yaml: error: is not valid YAML .*; fix or move it \[history-unreadable\]/,
  },
  {
    name: 'a v1 key an old script wrote into the v2 file: validate names it, the next write folds it',
    setup: INIT,
    script: [
      "printf 'wg_vpn_connected: true\\n' >> state/deployment-state.yaml",
      'node "$K0RDENT_STATE_BIN" validate state/deployment-state.yaml 2>/dev/null || echo "validate=$?"',
      'update_state k0s_cluster_deployed true',
      'get_state wg_vpn_connected',
      'node "$K0RDENT_STATE_BIN" validate state/deployment-state.yaml 2>/dev/null',
    ].join('\n'),
    rc: 0,
    out: /^state\/deployment-state\.yaml:\d+:1: error: "wg_vpn_connected" is a v1 key \(an old script wrote it into this v2 file\); run: k0rdent-state migrate FILE to fold it into wireguard_config\.vpn_connected \[v1-key-in-v2\] \(at \/wg_vpn_connected\)\nvalidate=1\ntrue\n$/
      .source,
    err: /^k0rdent-state: repaired \.\/state\/deployment-state\.yaml: v1 keys an old script wrote were folded into their v2 places; original saved in old_deployments\/k0rdent-abc12345_2026-03-04_05-00-00_migration\n/,
    check: (result) => {
      const data = state(result);
      expect(data.wireguard_config?.vpn_connected).toBe(true);
      expect(data.k0s_cluster_state?.deployed).toBe(true);
      expect(data.migrations_applied?.map((entry) => entry.id)).toEqual(['v2-fold-v1-keys']);
    },
  },

  // ---- the proposal's functions ----
  {
    name: 'runs: start, current id, info, complete with a message that starts with a dash',
    setup: INIT,
    script: [
      'run=$(start_deployment_run --kof false)',
      '[[ "$(get_current_run_id)" == "$run" ]] && echo current',
      'get_run_info current outcome',
      'get_run_info "$run" flags.kof',
      'phase_mark_in_progress install_k0s',
      'complete_deployment_run failed install_k0s "-bash: kubectl: command not found" 127',
      'get_run_info "$run" error.message',
      'get_run_info "$run" error.exit_code',
      'get_run_info current outcome',
    ].join('\n'),
    rc: 0,
    out: 'current\nin_progress\nfalse\n-bash: kubectl: command not found\n127\nfailed\n',
  },
  {
    name: 'get_run_info of an unknown run',
    setup: INIT,
    script: 'get_run_info no-such-run outcome',
    rc: 1,
    out: '',
    err: /run-not-found/,
  },
  {
    name: 'phase_is_applicable',
    setup: INIT,
    script:
      'phase_is_applicable install_k0s && echo yes\nphase_is_applicable install_kof_regional || echo no',
    rc: 0,
    out: 'yes\nno\n',
  },
  {
    name: 'update_runtime_state and update_infra_cache',
    setup: INIT,
    script: [
      'update_runtime_state k0rdent_install_state.namespace kcm-system',
      'update_infra_cache controller_ips \'["10.0.0.4"]\'',
      'get_state k0rdent_install_state.namespace',
      'get_cached_infra controller_ips',
    ].join('\n'),
    rc: 0,
    out: 'kcm-system\n["10.0.0.4"]\n',
  },
  {
    name: 'the Terraform cache: sync from the local state file, freshness, invalidate',
    setup: INIT,
    files: { 'terraform/terraform.tfstate': TFSTATE },
    script: [
      'K0RDENT_STATE_NO_TERRAFORM=1 sync_terraform_to_state',
      'get_cached_infra resource_group_name',
      'K0RDENT_STATE_NO_TERRAFORM=1 get_terraform_output location',
      'cache_invalidate',
      'get_cached_infra resource_group_name --require-fresh || echo "refused: $?"',
    ].join('\n'),
    rc: 0,
    out: /^k0rdent-\w+-resgrp\n\w+\nrefused: 1\n$/.source,
    err: /synced from (\.\/)?terraform\/terraform\.tfstate: 8 outputs;[\s\S]*refused \(--require-fresh\): the infrastructure cache is marked stale/,
  },
  {
    name: 'get_cached_infra never prints a sensitive output',
    setup: INIT,
    files: { 'terraform/terraform.tfstate': TFSTATE },
    script:
      'K0RDENT_STATE_NO_TERRAFORM=1 sync_terraform_to_state 2>/dev/null\nget_cached_infra ssh_private_key',
    rc: 1,
    out: '',
    err: /sensitive Terraform output and is never printed/,
  },
  {
    name: 'show_run_details, compare_runs and cleanup_old_runs',
    setup: `${INIT}\nstart_deployment_run >/dev/null\nstart_deployment_run --kof true >/dev/null`,
    script: [
      'current=$(get_current_run_id)',
      'show_run_details "$current" | head -2',
      'cleanup_old_runs --keep 0',
      'get_run_info current outcome',
    ].join('\n'),
    rc: 0,
    out: /^Run RUN \(current\)\n {2}outcome: +in_progress\n==> Archived 2 runs to \.\/old_deployments\/k0rdent-abc12345_2026-03-04_05-00-00_runs\/deployment-runs\.yaml\nin_progress\n$/
      .source,
    check: (result) => {
      expect(state(result).deployment_runs).toHaveLength(1);
      const archive = readdirSync(join(result.dir, 'old_deployments'));
      expect(archive).toHaveLength(1);
    },
  },
];

const cases = CASES.map(({ rc: _rc, out: _out, err: _err, check: _check, ...item }) => item);
let server: ReturnType<typeof runCases> | undefined;
let fallback: ReturnType<typeof runCases> | undefined;

beforeAll(() => {
  server = runCases(cases, true);
  fallback = runCases(cases, false);
}, 600_000);
afterAll(() => {
  cleanup(server?.root);
  cleanup(fallback?.root);
});

describe('the adapter offers every function of the deployer and of the proposal', () => {
  it('defines each as a shell function, in a shell that sourced the adapter', () => {
    const dir = mkdtempSync(join(tmpdir(), 'k0rdent-fns-'));
    try {
      const names = [...DEPLOYER_FUNCTIONS, ...PROPOSAL_FUNCTIONS];
      const result = spawnSync(
        'bash',
        [
          '-c',
          'set -euo pipefail; source "$1"; shift; for f in "$@"; do declare -F "$f" >/dev/null || echo "missing: $f"; done',
          'bash',
          ADAPTER,
          ...names,
        ],
        { cwd: dir, encoding: 'utf8', env: { ...process.env, K0RDENT_STATE_SERVER: '0' } },
      );
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.each([
  ['the co-process', () => server],
  ['one process per call', () => fallback],
])('through %s', (_label, results) => {
  for (const item of CASES) {
    it(item.name, () => {
      const result = results()?.results.get(item.name);
      expect(result, 'ran').toBeDefined();
      if (!result) return;
      expect({ rc: result.rc, err: result.err }).toMatchObject({ rc: item.rc });
      if (item.out !== undefined) {
        if (item.out.startsWith('^')) expect(result.out).toMatch(new RegExp(item.out));
        else expect(result.out).toBe(item.out);
      }
      if (item.err instanceof RegExp) expect(result.err).toMatch(item.err);
      else if (typeof item.err === 'string') expect(result.err).toBe(item.err);
      item.check?.(result);
    });
  }
});

describe('both paths answer alike', () => {
  for (const item of CASES) {
    it(item.name, () => {
      const a = server?.results.get(item.name);
      const b = fallback?.results.get(item.name);
      expect(a && { rc: a.rc, out: a.out, err: a.err }).toEqual(b && { rc: b.rc, out: b.out, err: b.err });
    });
  }
});
