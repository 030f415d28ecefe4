// The real terraform, not a mock of it: a zero-provider configuration (terraform_data resources,
// outputs including a sensitive one, the local backend, a second workspace) is initialised and
// applied offline, then read the ways the deployer reads it: `terraform output -json`,
// `terraform state pull`, sync_terraform_to_state and get_terraform_output through the adapter.
// Where terraform is not installed, the tests are skipped and their names say so.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { DeploymentStateV2 } from '../src/generated/deployment-state.v2.js';
import { ADAPTER, BIN } from './support-runtime.js';

const SECRET = 'TERRAFORM-SENSITIVE-VALUE-0123456789';
const version = spawnSync('terraform', ['version', '-json'], { encoding: 'utf8' });
const installed = version.status === 0;
const label = installed ? '' : ' (skipped: terraform is not installed on this machine)';

const MAIN_TF = `
terraform {
  backend "local" {}
}

variable "suffix" {
  type    = string
  default = "abc12345"
}

resource "terraform_data" "resource_group" {
  input = "k0rdent-\${var.suffix}-resgrp"
}

resource "terraform_data" "vm" {
  for_each = { "k0s-controller-1" = "20.0.0.10", "k0s-worker-1" = "20.0.0.11" }
  input    = { public_ip = each.value, private_ip = "10.0.0.4", provisioning_state = "Succeeded" }
}

output "resource_group_name" {
  value = terraform_data.resource_group.output
}

output "vm_details" {
  value = { for name, vm in terraform_data.vm : name => vm.output }
}

output "controller_ips" {
  value = ["10.0.0.4"]
}

output "ssh_private_key" {
  value     = "${SECRET}"
  sensitive = true
}
`;

let dir = '';
const tf = (...args: string[]) =>
  spawnSync('terraform', [`-chdir=${join(dir, 'terraform')}`, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      TF_CLI_CONFIG_FILE: '/dev/null',
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      CHECKPOINT_DISABLE: '1',
    },
    timeout: 120_000,
  });

function adapter(script: string): { rc: number | null; out: string; err: string } {
  const result = spawnSync('bash', ['-c', `set -euo pipefail\nsource "$ADAPTER"\n${script}`], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME ?? tmpdir(),
      ADAPTER,
      K0RDENT_STATE_BIN: BIN,
      TF_CLI_CONFIG_FILE: '/dev/null',
      CHECKPOINT_DISABLE: '1',
      K0RDENT_STATE_NOW: '2026-03-04T05:00:00Z',
      AZURE_LOCATION: 'westus2',
      K0S_CONTROLLER_COUNT: '1',
      K0S_WORKER_COUNT: '1',
      WG_NETWORK: '192.168.100.0/24',
    },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { rc: result.status, out: result.stdout, err: result.stderr };
}

const stateOf = () =>
  parse(readFileSync(join(dir, 'state/deployment-state.yaml'), 'utf8')) as DeploymentStateV2;

describe.skipIf(!installed)(`terraform itself${label}`, () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'k0rdent-terraform-'));
    mkdirSync(join(dir, 'terraform'));
    writeFileSync(join(dir, 'terraform/main.tf'), MAIN_TF);
    const init = tf('init', '-input=false', '-no-color');
    if (init.status !== 0) throw new Error(`terraform init failed: ${init.stderr}`);
    const apply = tf('apply', '-auto-approve', '-input=false', '-no-color');
    if (apply.status !== 0) throw new Error(`terraform apply failed: ${apply.stderr}`);
  }, 300_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('init_deployment_state in an initialised folder records the local backend and the state path', () => {
    const result = adapter('init_deployment_state k0rdent-abc12345');
    expect(result.rc).toBe(0);
    const state = stateOf();
    expect(state.terraform_backend).toEqual({ type: 'local', config: {} });
    expect(state.terraform_state_path).toBe(join(dir, 'terraform/terraform.tfstate'));
    expect(state.infrastructure_facts).toMatchObject({ source: 'terraform', outputs: {} });
  });

  it('sync_terraform_to_state runs terraform output -json and caches every output, the sensitive one without its value', () => {
    const result = adapter('sync_terraform_to_state');
    expect(result.rc).toBe(0);
    expect(result.err).toMatch(
      /^synced from (\.\/)?terraform\/terraform\.tfstate: 4 outputs; added controller_ips, resource_group_name, ssh_private_key, vm_details; sensitive \(value not stored\): ssh_private_key\n$/,
    );
    const state = stateOf();
    expect(state.infrastructure_facts).toMatchObject({
      source: 'terraform',
      stale: false,
      cache_timestamp: '2026-03-04T05:00:00Z',
      terraform_state_checksum: expect.stringMatching(
        /^sha256:[0-9a-f]{64} lineage=[0-9a-f-]{36} serial=\d+$/,
      ),
    });
    expect(state.infrastructure_facts.outputs).toEqual({
      resource_group_name: 'k0rdent-abc12345-resgrp',
      vm_details: {
        'k0s-controller-1': {
          public_ip: '20.0.0.10',
          private_ip: '10.0.0.4',
          provisioning_state: 'Succeeded',
        },
        'k0s-worker-1': { public_ip: '20.0.0.11', private_ip: '10.0.0.4', provisioning_state: 'Succeeded' },
      },
      controller_ips: ['10.0.0.4'],
      ssh_private_key: { sensitive: true },
    });
    expect(state.terraform_version).toMatch(/^\d+\.\d+\.\d+/);
    expect(readFileSync(join(dir, 'state/deployment-state.yaml'), 'utf8')).not.toContain(SECRET);
  });

  it('get_terraform_output asks terraform itself, never prints a sensitive output, and get_vm_info reads the cache', () => {
    const result = adapter(
      [
        'get_terraform_output resource_group_name',
        'get_terraform_output vm_details.k0s-worker-1.public_ip',
        'get_vm_info k0s-controller-1 public_ip',
        'get_terraform_output ssh_private_key || echo "refused=$?"',
      ].join('\n'),
    );
    expect(result.out).toBe('k0rdent-abc12345-resgrp\n20.0.0.11\n20.0.0.10\nrefused=1\n');
    expect(result.err).toMatch(
      /refused: ssh_private_key is a sensitive Terraform output and is never printed/,
    );
    expect(result.out + result.err).not.toContain(SECRET);
  });

  it('infra sync --tfstate reads what terraform state pull gives', () => {
    const pulled = tf('state', 'pull');
    expect(pulled.status).toBe(0);
    writeFileSync(join(dir, 'pulled.tfstate'), pulled.stdout);
    const sync = spawnSync(
      'node',
      [BIN, 'infra', 'sync', '--tfstate', 'pulled.tfstate', '-f', 'state/deployment-state.yaml'],
      {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, K0RDENT_STATE_NOW: '2026-03-04T05:10:00Z' },
      },
    );
    expect(sync.status).toBe(0);
    expect(sync.stderr).not.toContain(SECRET);
    expect(stateOf().infrastructure_facts.outputs.resource_group_name).toBe('k0rdent-abc12345-resgrp');
  });

  it('a second workspace: the sync follows the selected one', () => {
    expect(tf('workspace', 'new', '-no-color', 'staging').status).toBe(0);
    const apply = tf('apply', '-auto-approve', '-input=false', '-no-color', '-var', 'suffix=staging1');
    expect(apply.status, apply.stderr).toBe(0);
    // Another workspace is another state (another lineage): refused, until asked for.
    const refused = adapter('sync_terraform_to_state');
    expect(refused.rc).toBe(1);
    expect(refused.err).toMatch(/\[terraform-lineage-changed\]/);
    const result = adapter('sync_terraform_to_state --force\nget_cached_infra resource_group_name');
    expect(result.rc).toBe(0);
    expect(result.out).toBe('k0rdent-staging1-resgrp\n');
    expect(stateOf().terraform_state_path).toBe('terraform/terraform.tfstate.d/staging/terraform.tfstate');
  });

  it('falls back to the local state file when terraform cannot be run', () => {
    const result = adapter('K0RDENT_STATE_TERRAFORM_BIN=/nonexistent/terraform sync_terraform_to_state');
    expect(result.rc).toBe(0);
    expect(result.err).toMatch(
      /^synced from (\.\/)?terraform\/terraform\.tfstate\.d\/staging\/terraform\.tfstate: 4 outputs/,
    );
  });
});

describe('terraform output -json when the folder is not initialised', () => {
  it(`says what is wrong and how to fix it, in one line${label}`, () => {
    dir = mkdtempSync(join(tmpdir(), 'k0rdent-terraform-uninit-'));
    try {
      mkdirSync(join(dir, 'terraform'));
      writeFileSync(join(dir, 'terraform/main.tf'), MAIN_TF);
      expect(adapter('init_deployment_state k0rdent-abc12345 >/dev/null').rc).toBe(0);
      const result = adapter('sync_terraform_to_state');
      expect(result.rc).toBe(3);
      expect(result.err.trim().split('\n')).toHaveLength(1);
      expect(result.err).toMatch(
        /terraform.*is not initialised \(no \.terraform\/\).*run terraform init and terraform apply in/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
