// Runtime commands through the command line, in-process (`run(argv, io)` with memoryIO, cwd = a
// deployer-like temp folder): exact stdout, stderr and exit codes of run/phase/runtime/infra/get/
// vm/history/show-run/compare-runs, the refusals, Terraform input errors, and that no secret is
// ever printed.
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  backups,
  type CliResult,
  cli,
  fixturePath,
  loadState,
  makeWorkdir,
  RUN_ID,
  removeWorkdir,
  type Workdir,
} from './support-runtime.js';

const NOW = '2026-03-04T05:06:07Z';
const FILE = 'state/deployment-state.yaml';
/** Text of the fake SSH key in the Terraform fixtures' sensitive output. */
const SENSITIVE = ['FAKE-KEY-FOR-TESTS-ONLY', 'BEGIN OPENSSH PRIVATE KEY'];
const PEER_KEY = 'rdXHoJGJnjCSkv0dO8C/7ZgZXj24iEg0Y9MOW1FC0pM=';
const LINEAGE = '3f9c2b7e-8d41-4a6e-b0c5-71e2d94a6f18';
const OTHER_LINEAGE = 'a7d05e61-2c9b-4f83-9e14-5b6c0f3d8a22';

let work: Workdir | undefined;
afterEach(async () => {
  await removeWorkdir(work);
  work = undefined;
});

async function setup(fixture: string): Promise<Workdir> {
  work = await makeWorkdir(fixture, { allTerraform: true });
  return work;
}

/** Runs the CLI in the working folder with the clock pinned (to NOW unless `now` is given). */
function k(argv: string[], now = NOW, extraEnv: Record<string, string> = {}): Promise<CliResult> {
  return cli((work as Workdir).dir, argv, { K0RDENT_STATE_NOW: now, ...extraEnv });
}

function stateText(): Promise<string> {
  return readFile((work as Workdir).file, 'utf8');
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function expectNoSecret(result: CliResult, secrets: readonly string[]): void {
  for (const secret of secrets) {
    expect(result.out).not.toContain(secret);
    expect(result.err).not.toContain(secret);
  }
}

describe('run start / run complete', () => {
  it('run start prints only the run id', async () => {
    await setup('v2/fresh.yaml');
    const result = await k(['run', 'start']);
    expect(result.code).toBe(0);
    expect(result.err).toBe('');
    expect(result.out).toMatch(/^20260304T050607Z-[0-9a-f]{6}\n$/);
    const id = result.out.trim();
    expect(id).toMatch(RUN_ID);
    expect((await loadState((work as Workdir).file)).current_run_id).toBe(id);
  });

  it('run start on a v1 file: the run id on stdout, the one-line migration note on stderr', async () => {
    await setup('v1/e5-deployer.yaml');
    const result = await k(['run', 'start', '--kof', 'false']);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^20260304T050607Z-[0-9a-f]{6}\n$/);
    expect(result.err).toBe(
      `k0rdent-state: migrated ${FILE} from v1 to v2; original saved in old_deployments/k0rdent-q7x2m9pa_2026-03-04_05-06-07_migration\n`,
    );
    expect(await backups((work as Workdir).dir)).toEqual(['k0rdent-q7x2m9pa_2026-03-04_05-06-07_migration']);
  });

  it('run start --kof takes true or false only (exit 2, nothing written)', async () => {
    await setup('v2/fresh.yaml');
    const before = await stateText();
    const result = await k(['run', 'start', '--kof', 'maybe']);
    expect(result).toEqual({
      code: 2,
      out: '',
      err: `${FILE}: error: --kof takes true or false, not "maybe" [usage]\n`,
    });
    expect(await stateText()).toBe(before);
  });

  it('run complete prints nothing; a second one is refused (exit 1), naming the file', async () => {
    await setup('v2/fresh.yaml');
    await k(['run', 'start']);
    const done = await k([
      'run',
      'complete',
      '--outcome',
      'failed',
      '--error-phase',
      'setup_network',
      '--exit-code',
      '3',
    ]);
    expect(done).toEqual({ code: 0, out: '', err: '' });
    const before = await stateText();
    const again = await k(['run', 'complete', '--outcome', 'success']);
    expect(again.code).toBe(1);
    expect(again.out).toBe('');
    expect(again.err).toMatch(
      /^state\/deployment-state\.yaml: error: has no run in progress to complete \(current run: 20260304T050607Z-[0-9a-f]{6}, failed\); start one with: k0rdent-state run start \[no-run-in-progress\]\n$/,
    );
    expect(await stateText()).toBe(before);
    const usage = await k(['run', 'complete', '--outcome', 'failed', '--exit-code', 'one']);
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('--exit-code takes an integer, not "one"');
  });
});

describe('runtime input is checked against the run', () => {
  it('run complete --outcome success is refused while applicable phases are open, naming them', async () => {
    await setup('v2/fresh.yaml');
    await k(['run', 'start']);
    await k(['phase', 'set', 'prepare_deployment', 'completed']);
    const before = await stateText();
    const result = await k(['run', 'complete', '--outcome', 'success']);
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      `${FILE}: error: refused: the run cannot end as a success while phases setup_network (pending), create_vms (pending), setup_vpn (pending), connect_vpn (pending), install_k0s (pending), install_k0rdent (pending) are neither completed nor skipped; mark each: k0rdent-state phase set NAME completed (or skipped --reason WHY), or end the run as failed or interrupted [run-not-done]\n`,
    );
    expect(await stateText()).toBe(before);
  });

  it('an unknown error phase is refused with a suggestion', async () => {
    await setup('v2/fresh.yaml');
    await k(['run', 'start']);
    const before = await stateText();
    const result = await k(['run', 'complete', '--outcome', 'failed', '--error-phase', 'install_k00s']);
    expect(result.code).toBe(2);
    expect(result.err).toContain(
      'unknown phase "install_k00s"; did you mean install_k0s? phases are: prepare_deployment',
    );
    expect(result.err).toMatch(/\[unknown-name\]\n$/);
    expect(await stateText()).toBe(before);
  });

  it('the phase a failed run ended in is recorded as failed in the run; the live phase stays in progress', async () => {
    await setup('v2/fresh.yaml');
    await k(['run', 'start']);
    await k(['phase', 'set', 'install_k0s', 'in_progress']);
    expect((await k(['run', 'complete', '--outcome', 'failed', '--exit-code', '1'])).code).toBe(0);
    const state = await loadState((work as Workdir).file);
    const run = state.deployment_runs.at(-1);
    expect(run?.phases?.install_k0s?.status).toBe('failed');
    expect(run?.current_phase).toBe('install_k0s');
    expect(state.phases.install_k0s?.status).toBe('in_progress');
  });

  it('vm mark of a VM the deployment does not have is refused, with the VMs it has', async () => {
    await setup('v2/mid-run.yaml');
    const before = await stateText();
    const result = await k(['vm', 'mark', 'k0rdent-t6p1w9za-controler', 'ssh-verified']);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(
      /^state\/deployment-state\.yaml: error: refused: no VM named "k0rdent-t6p1w9za-controler" in this deployment; did you mean k0rdent-t6p1w9za-controller\? the VMs are: k0rdent-t6p1w9za-controller, .* \[unknown-vm\]\n$/,
    );
    expect(await stateText()).toBe(before);
  });
});

describe('phase', () => {
  it('applicable: exit 0 or 1 and no output', async () => {
    await setup('v2/fresh.yaml');
    expect(await k(['phase', 'applicable', 'install_k0s'])).toEqual({ code: 0, out: '', err: '' });
    expect(await k(['phase', 'applicable', 'install_kof_mothership'])).toEqual({ code: 1, out: '', err: '' });
    expect(await k(['phase', 'applicable', 'setup_azure_children'])).toEqual({ code: 1, out: '', err: '' });
    const unknown = await k(['phase', 'applicable', 'install_k8s']);
    expect(unknown.code).toBe(2);
    expect(unknown.out).toBe('');
    expect(unknown.err).toMatch(
      /^state\/deployment-state\.yaml: error: unknown phase "install_k8s"; did you mean install_k0s\? phases are: /,
    );
  });

  it('status and needs-run', async () => {
    await setup('v2/mid-run.yaml');
    expect(await k(['phase', 'status', 'create_vms'])).toEqual({ code: 0, out: 'completed\n', err: '' });
    expect(await k(['phase', 'status', 'install_k0s'])).toEqual({ code: 0, out: 'in_progress\n', err: '' });
    expect(await k(['phase', 'status', 'install_k0rdent'])).toEqual({ code: 0, out: 'pending\n', err: '' });
    expect(await k(['phase', 'status', 'install_kof_regional'])).toEqual({
      code: 0,
      out: 'not_applicable\n',
      err: '',
    });
    expect(await k(['phase', 'needs-run', 'create_vms'])).toEqual({ code: 1, out: '', err: '' });
    expect(await k(['phase', 'needs-run', 'install_k0s'])).toEqual({ code: 0, out: '', err: '' });
    expect(await k(['phase', 'needs-run', 'install_kof_regional'])).toEqual({ code: 1, out: '', err: '' });
  });

  it('set prints nothing and writes the status', async () => {
    await setup('v2/mid-run.yaml');
    expect(await k(['phase', 'set', 'install_k0s', 'completed'])).toEqual({ code: 0, out: '', err: '' });
    expect(await k(['phase', 'set', 'install_k0rdent', 'skipped', '--reason', 'already there'])).toEqual({
      code: 0,
      out: '',
      err: '',
    });
    const state = await loadState((work as Workdir).file);
    expect(state.phases.install_k0s).toEqual({ status: 'completed', updated_at: NOW });
    expect(state.phases.install_k0rdent).toEqual({
      status: 'skipped',
      updated_at: NOW,
      skipped_reason: 'already there',
    });
  });

  it('set of a phase that does not apply: one line naming the file and the flag, exit 1, file unchanged', async () => {
    await setup('v2/fresh.yaml');
    const before = await stateText();
    expect(await k(['phase', 'set', 'install_kof_mothership', 'completed'])).toEqual({
      code: 1,
      out: '',
      err: `${FILE}: error: refused: phase install_kof_mothership does not apply because deployment_flags.kof is false; start a run with it on: k0rdent-state run start --kof true [phase-not-applicable]\n`,
    });
    expect(await k(['phase', 'set', 'setup_azure_children', 'in_progress'])).toEqual({
      code: 1,
      out: '',
      err: `${FILE}: error: refused: phase setup_azure_children does not apply because deployment_flags.azure_children is false; start a run with it on: k0rdent-state run start --azure-children true [phase-not-applicable]\n`,
    });
    expect(await stateText()).toBe(before);
  });

  it('set with an unknown status is a usage error (exit 2)', async () => {
    await setup('v2/fresh.yaml');
    expect(await k(['phase', 'set', 'install_k0s', 'done'])).toEqual({
      code: 2,
      out: '',
      err: `${FILE}: error: unknown phase status "done"; use one of: pending, in_progress, completed, skipped [unknown-name]\n`,
    });
  });

  it('reset-from lists the phases it put back to pending on stderr', async () => {
    await setup('v2/mid-run.yaml');
    expect(await k(['phase', 'reset-from', 'connect_vpn'])).toEqual({
      code: 0,
      out: '',
      err: 'reset to pending: connect_vpn, install_k0s, install_k0rdent\n',
    });
    expect(await k(['phase', 'status', 'connect_vpn'])).toEqual({ code: 0, out: 'pending\n', err: '' });
    expect(await k(['phase', 'status', 'setup_vpn'])).toEqual({ code: 0, out: 'completed\n', err: '' });
  });
});

describe('get on a v2 file an old script wrote into', () => {
  it('answers as the file will read once repaired (the old top-level key wins), and leaves it as it was', async () => {
    await setup('migrations/repair-fold-v1-keys/input.yaml');
    const before = await stateText();
    // wireguard_config and k0s_cluster_state hold the v2 values; the old script wrote its own
    // afterwards at the top level (k0s_cluster_deployed: true).
    expect(before).toContain('  deployed: false\n');
    const result = await k(['get', 'k0s_cluster_state.deployed']);
    expect(result).toMatchObject({ code: 0, out: 'true\n' });
    expect(await stateText()).toBe(before);
  });
});

describe('runtime set and the deprecated update', () => {
  it('sets a typed value, silently', async () => {
    await setup('v2/fresh.yaml');
    expect(await k(['runtime', 'set', 'wireguard_config.vpn_connected', 'true'])).toEqual({
      code: 0,
      out: '',
      err: '',
    });
    expect(await k(['runtime', 'set', 'cloud_credentials.aws.account_id', '012345678901'])).toEqual({
      code: 0,
      out: '',
      err: '',
    });
    expect(
      await k(['runtime', 'set', 'artifacts.kubeconfig', '{"path":"kubeconfig"}', '--value-json']),
    ).toEqual({
      code: 0,
      out: '',
      err: '',
    });
    expect(await k(['get', 'wireguard_config.vpn_connected'])).toEqual({ code: 0, out: 'true\n', err: '' });
    expect(await k(['get', 'aws_account_id'])).toEqual({ code: 0, out: '012345678901\n', err: '' });
    expect(await k(['get', 'artifacts.kubeconfig'])).toEqual({
      code: 0,
      out: '{"path":"kubeconfig"}\n',
      err: '',
    });
  });

  it('a v1 key name works and says where it lives in v2', async () => {
    await setup('v2/fresh.yaml');
    expect(await k(['runtime', 'set', 'wg_vpn_connected', 'true'])).toEqual({
      code: 0,
      out: '',
      err: 'note: wg_vpn_connected is wireguard_config.vpn_connected in v2\n',
    });
  });

  it('an infrastructure key is refused with a hint to use infra (exit 1, file unchanged)', async () => {
    await setup('v2/fresh.yaml');
    const before = await stateText();
    expect(await k(['runtime', 'set', 'infrastructure_facts.outputs.vnet_name', 'vnet-1'])).toEqual({
      code: 1,
      out: '',
      err: `${FILE}: error: refused: infrastructure_facts.outputs.vnet_name is an infrastructure fact; Terraform owns it: run k0rdent-state infra sync, or k0rdent-state infra set vnet_name JSON [infra-key]\n`,
    });
    expect(await k(['runtime', 'set', 'terraform_version', '1.9.8'])).toEqual({
      code: 1,
      out: '',
      err: `${FILE}: error: refused: terraform_version is infrastructure state, written by: k0rdent-state infra sync (or infra set OUTPUT JSON) [not-runtime-key]\n`,
    });
    const wrongType = await k(['runtime', 'set', 'wireguard_config.vpn_connected', 'maybe']);
    expect(wrongType.code).toBe(2);
    expect(wrongType.err).toBe(
      `${FILE}: error: wireguard_config.vpn_connected takes boolean, not the value given (5 characters); e.g. true, 42, or --value-json '{...}' [bad-value]\n`,
    );
    const forced = await k(['runtime', 'set', 'wireguard_config.vpn_connected', '"yes"', '--value-json']);
    expect(forced.code).toBe(1);
    expect(forced.err).toContain('[update-invalid]');
    expect(await stateText()).toBe(before);
  });

  it('update KEY VALUE (update_state) routes to the layer and prints one deprecation line', async () => {
    await setup('v2/mid-run.yaml');
    expect(await k(['update', 'wg_vpn_connected', 'false'])).toEqual({
      code: 0,
      out: '',
      err: 'deprecated: update_state wg_vpn_connected -> runtime wireguard_config.vpn_connected; call update_runtime_state / update_infra_cache instead\n',
    });
    expect(await k(['update', 'azure_rg_status', 'created'])).toEqual({
      code: 0,
      out: '',
      err: 'deprecated: update_state azure_rg_status -> infrastructure_facts.outputs.resource_group.status; call update_runtime_state / update_infra_cache instead\n',
    });
    const state = await loadState((work as Workdir).file);
    expect(state.wireguard_config?.vpn_connected).toBe(false);
    expect(state.infrastructure_facts.outputs.resource_group).toEqual({ status: 'created' });
  });
});

describe('infra set', () => {
  it('stores JSON and bumps the cache time; text that is not JSON is a usage error', async () => {
    await setup('v2/mid-run.yaml');
    expect(await k(['infra', 'set', 'vnet_name', '"vnet-2"'])).toEqual({ code: 0, out: '', err: '' });
    const facts = (await loadState((work as Workdir).file)).infrastructure_facts;
    expect(facts.outputs.vnet_name).toBe('vnet-2');
    expect(facts.cache_timestamp).toBe(NOW);
    expect(facts.old_cache_timestamp).toBe('2025-12-12T10:09:26Z');
    const before = await stateText();
    const bad = await k(['infra', 'set', 'vnet_name', 'vnet-3']);
    expect(bad.code).toBe(2);
    expect(bad.out).toBe('');
    expect(bad.err).toBe(
      `state/deployment-state.yaml: error: infra set takes JSON; the value (6 characters) is not JSON: unexpected character where a value should be at line 1, column 1; write text as a JSON string, e.g. '"rg-1"' [bad-value]\n`,
    );
    expect(await stateText()).toBe(before);
  });
});

describe('get', () => {
  it('a missing key: exit 1 and no output; --default prints the default', async () => {
    await setup('v2/mid-run.yaml');
    expect(await k(['get', 'no_such_key'])).toEqual({ code: 1, out: '', err: '' });
    expect(await k(['get', 'wireguard_config.no_such_key'])).toEqual({ code: 1, out: '', err: '' });
    expect(await k(['get', 'no_such_key', '--default', 'null'])).toEqual({ code: 0, out: 'null\n', err: '' });
  });

  it('prints runtime values without a freshness check, and infrastructure values with one', async () => {
    await setup('v2/mid-run.yaml');
    const twoHoursLater = '2025-12-12T12:09:26Z';
    expect(await k(['get', 'wg_vpn_connected'], twoHoursLater)).toEqual({ code: 0, out: 'true\n', err: '' });
    expect(await k(['get', 'worker_ips'], twoHoursLater)).toEqual({
      code: 0,
      out: '["10.240.0.5","10.240.0.6"]\n',
      err: 'warning: the infrastructure cache is 2h 00m old (limit 1h 00m); refresh it with: k0rdent-state infra sync\n',
    });
    expect(await k(['get', 'vnet_name', '--max-age', '3h'], twoHoursLater)).toEqual({
      code: 0,
      out: 'k0rdent-t6p1w9za-vnet\n',
      err: '',
    });
    expect(await k(['get', 'vnet_name'], '2025-12-12T10:30:00Z')).toEqual({
      code: 0,
      out: 'k0rdent-t6p1w9za-vnet\n',
      err: '',
    });
    const badAge = await k(['get', 'vnet_name', '--max-age', 'soon']);
    expect(badAge.code).toBe(2);
    expect(badAge.out).toBe('');
  });

  it('--require-fresh on an old or stale cache: exit 1, nothing on stdout', async () => {
    await setup('v2/mid-run.yaml');
    expect(await k(['get', 'vnet_name', '--require-fresh'], '2025-12-12T12:09:26Z')).toEqual({
      code: 1,
      out: '',
      err: `${FILE}: error: refused (--require-fresh): the infrastructure cache is 2h 00m old (limit 1h 00m); refresh it with: k0rdent-state infra sync [cache-stale]\n`,
    });
    expect(await k(['get', 'vnet_name', '--require-fresh'], '2025-12-12T10:30:00Z')).toEqual({
      code: 0,
      out: 'k0rdent-t6p1w9za-vnet\n',
      err: '',
    });
  });

  it('--require-fresh on a cache migrated from v1 (stale): exit 1', async () => {
    await setup('v2/migrated.yaml');
    const result = await k(['get', 'resource_group.name', '--require-fresh'], '2025-12-03T09:50:00Z');
    expect(result.code).toBe(1);
    expect(result.out).toBe('');
    expect(result.err).toBe(
      `${FILE}: error: refused (--require-fresh): the infrastructure cache is marked stale (source: migrated_v1), taken 6m 29s ago; refresh it with: k0rdent-state infra sync [cache-stale]\n`,
    );
  });

  it('refuses a private key (exit 1) and never prints it; a peer is printed with the key redacted', async () => {
    await setup('v2/mid-run.yaml');
    const key = await k(['get', 'wireguard_config.peers.mylaptop.private_key']);
    expect(key).toEqual({
      code: 1,
      out: '',
      err: `${FILE}: error: refused: wireguard_config.peers.mylaptop.private_key is a secret and is never printed; it stays in the file (keep it mode 0600) [secret-refused]\n`,
    });
    const withDefault = await k(['get', 'wireguard_config.peers.mylaptop.private_key', '--default', 'null']);
    expect(withDefault.code).toBe(1);
    expectNoSecret(withDefault, [PEER_KEY]);
    const peer = await k(['get', 'wireguard_config.peers.mylaptop']);
    expect(peer.code).toBe(0);
    expect(JSON.parse(peer.out)).toMatchObject({ ip: '172.24.24.1', private_key: '<redacted>' });
    const peers = await k(['get', 'wireguard_peers']);
    expect(peers.code).toBe(0);
    expect(peers.out).toContain('"private_key":"<redacted>"');
    for (const result of [key, peer, peers]) expectNoSecret(result, [PEER_KEY, 'rdXHoJGJnjCSkv0dO8C']);
  });

  it('refuses a sensitive Terraform output after infra sync --tfstate; its value is never printed or stored', async () => {
    await setup('v2/fresh.yaml');
    const sync = await k(['infra', 'sync', '--tfstate', 'tf/terraform.tfstate']);
    expect(sync.code).toBe(0);
    expect(await stateText()).not.toContain('FAKE-KEY');
    const results = [
      sync,
      await k(['get', 'ssh_private_key']),
      await k(['get', 'infrastructure_facts.outputs.ssh_private_key']),
      await k(['get', 'infrastructure_facts.outputs']),
      await k(['history']),
    ];
    expect(results[1]).toEqual({
      code: 1,
      out: '',
      err: `${FILE}: error: refused: ssh_private_key is a secret and is never printed; it stays in the file (keep it mode 0600) [secret-refused]\n`,
    });
    expect(results[2]?.code).toBe(1);
    expect(results[3]?.code).toBe(0);
    expect(JSON.parse(results[3]?.out ?? '').ssh_private_key).toBe('<redacted>');
    for (const result of results) expectNoSecret(result, SENSITIVE);
  });

  it('with --include-sensitive the value is stored, but get refuses it, even as ssh_private_key.value', async () => {
    await setup('v2/fresh.yaml');
    const sync = await k(['infra', 'sync', '--tfstate', 'tf/terraform.tfstate', '--include-sensitive']);
    expect(sync.code).toBe(0);
    expect(await stateText()).toContain('FAKE-KEY-FOR-TESTS-ONLY');
    const results = [
      sync,
      await k(['get', 'ssh_private_key']),
      await k(['get', 'ssh_private_key.value']),
      await k(['get', 'infrastructure_facts.outputs.ssh_private_key.value']),
      await k(['get', 'infrastructure_facts.outputs']),
    ];
    expect(results.map((result) => result.code)).toEqual([0, 1, 1, 1, 0]);
    expect(results[2]?.err).toBe(
      `${FILE}: error: refused: ssh_private_key.value is a secret and is never printed; it stays in the file (keep it mode 0600) [secret-refused]\n`,
    );
    for (const result of results) expectNoSecret(result, SENSITIVE);
  });

  it('honours DEPLOYMENT_STATE_FILE; --file wins over it', async () => {
    await setup('v2/fresh.yaml');
    await mkdir(join((work as Workdir).dir, 'other'));
    await writeFile(
      join((work as Workdir).dir, 'other/state.yaml'),
      await readFile(fixturePath('v2/mid-run.yaml')),
    );
    const env = { DEPLOYMENT_STATE_FILE: 'other/state.yaml' };
    expect(await k(['get', 'deployment_id'], NOW, env)).toEqual({
      code: 0,
      out: 'k0rdent-t6p1w9za\n',
      err: '',
    });
    expect(await k(['get', 'deployment_id'])).toEqual({ code: 0, out: 'k0rdent-e2k7r4nb\n', err: '' });
    expect(await k(['get', 'deployment_id', '--file', FILE], NOW, env)).toEqual({
      code: 0,
      out: 'k0rdent-e2k7r4nb\n',
      err: '',
    });
    const before = await stateText();
    expect(await k(['phase', 'set', 'install_k0s', 'completed'], NOW, env)).toEqual({
      code: 0,
      out: '',
      err: '',
    });
    expect(await stateText()).toBe(before);
    expect(await k(['phase', 'status', 'install_k0s'], NOW, env)).toEqual({
      code: 0,
      out: 'completed\n',
      err: '',
    });
    const refused = await k(['phase', 'set', 'install_kof_regional', 'completed'], NOW, env);
    expect(refused.err).toMatch(/^other\/state\.yaml: error: refused: phase install_kof_regional/);
  });
});

describe('vm', () => {
  it('info from the cache (v1 field names too), runtime checks, mark', async () => {
    await setup('v2/migrated.yaml');
    const info = await k(['vm', 'info', 'k0rdent-q7x2m9pa-controller', 'public_ip']);
    expect(info.code).toBe(0);
    expect(info.out).toBe('20.195.1.10\n');
    expect(info.err).toMatch(/^warning: the infrastructure cache is marked stale \(source: migrated_v1\)/);
    expect((await k(['vm', 'info', 'k0rdent-q7x2m9pa-controller', 'state'])).out).toBe('Succeeded\n');
    expect(await k(['vm', 'info', 'no-such-vm', 'public_ip'])).toEqual({ code: 1, out: '', err: '' });
    expect(await k(['vm', 'runtime', 'k0rdent-q7x2m9pa-controller', 'ssh_verified'])).toEqual({
      code: 1,
      out: '',
      err: '',
    });
    expect(await k(['vm', 'mark', 'k0rdent-q7x2m9pa-controller', 'ssh-verified'])).toEqual({
      code: 0,
      out: '',
      err: '',
    });
    expect(await k(['vm', 'runtime', 'k0rdent-q7x2m9pa-controller', 'ssh_verified'])).toEqual({
      code: 0,
      out: 'true\n',
      err: '',
    });
    expect(await k(['vm', 'runtime', 'k0rdent-q7x2m9pa-controller', 'verification_timestamp'])).toEqual({
      code: 0,
      out: `${NOW}\n`,
      err: '',
    });
    const before = await stateText();
    const bad = await k(['vm', 'mark', 'k0rdent-q7x2m9pa-controller', 'rebooted']);
    expect(bad).toEqual({
      code: 2,
      out: '',
      err: `${FILE}: error: unknown VM check "rebooted"; use ssh-verified or cloud-init-complete [bad-value]\n`,
    });
    const none = await k(['vm', 'mark', 'k0rdent-q7x2m9pa-controller']);
    expect(none.code).toBe(2);
    expect(none.err).toContain('ssh-verified or cloud-init-complete');
    expect(await stateText()).toBe(before);
  });
});

describe('infra sync', () => {
  const ADDED =
    'added controller_ips, location, resource_group_name, ssh_private_key, ssh_public_key, vm_details, vnet_name, worker_ips';

  it('--outputs FILE: the outputs, no state file', async () => {
    await setup('v2/fresh.yaml');
    expect(await k(['infra', 'sync', '--outputs', 'tf/outputs.json'])).toEqual({
      code: 0,
      out: '',
      err: `synced from terraform output: 8 outputs; ${ADDED}; sensitive (value not stored): ssh_private_key\n`,
    });
    const state = await loadState((work as Workdir).file);
    expect(state.last_terraform_sync).toBe(NOW);
    expect(state.infrastructure_facts).toMatchObject({
      source: 'terraform',
      stale: false,
      cache_timestamp: NOW,
      terraform_state_checksum: null,
    });
    expect(state.infrastructure_facts.outputs.ssh_private_key).toEqual({ sensitive: true });
    expect(state.infrastructure_facts.outputs.resource_group_name).toBe('k0rdent-t6p1w9za-resgrp');
    expect(await stateText()).not.toContain('FAKE-KEY');
  });

  it.each([[['--outputs', '-']], [['--outputs=-']], [['--outputs', '-', '--terraform-dir', 'tf/azurerm']]])(
    'infra sync %j reads standard input',
    async (options) => {
      await setup('v2/fresh.yaml');
      const stdin = await readFile(fixturePath('terraform/outputs.json'), 'utf8');
      const result = await cli(
        (work as Workdir).dir,
        ['infra', 'sync', ...options],
        { K0RDENT_STATE_NOW: NOW },
        stdin,
      );
      expect(result.code).toBe(0);
      expect(result.out).toBe('');
      expect(result.err).toMatch(/^synced from (terraform output|azurerm:\/\/\S+): 8 outputs; added /);
      expect((await loadState((work as Workdir).file)).infrastructure_facts.outputs.vnet_name).toBe(
        'k0rdent-t6p1w9za-vnet',
      );
    },
  );

  it('--tfstate FILE: version, checksum with lineage and serial, state path as given; a re-sync keeps the old time', async () => {
    await setup('v2/fresh.yaml');
    const result = await k(['infra', 'sync', '--tfstate', 'tf/terraform.tfstate']);
    expect(result).toEqual({
      code: 0,
      out: '',
      err: `synced from tf/terraform.tfstate: 8 outputs; ${ADDED}; sensitive (value not stored): ssh_private_key\n`,
    });
    const hash = sha256(await readFile(fixturePath('terraform/terraform.tfstate')));
    let state = await loadState((work as Workdir).file);
    expect(state.terraform_state_path).toBe('tf/terraform.tfstate');
    expect(state.terraform_version).toBe('1.9.8');
    expect(state.infrastructure_facts.terraform_state_checksum).toBe(
      `sha256:${hash} lineage=${LINEAGE} serial=12`,
    );

    const later = '2026-03-04T06:00:00Z';
    expect(await k(['infra', 'sync', '--tfstate', 'tf/terraform.tfstate'], later)).toEqual({
      code: 0,
      out: '',
      err: 'synced from tf/terraform.tfstate: 8 outputs; sensitive (value not stored): ssh_private_key\n',
    });
    state = await loadState((work as Workdir).file);
    expect(state.infrastructure_facts.cache_timestamp).toBe(later);
    expect(state.infrastructure_facts.old_cache_timestamp).toBe(NOW);
  });

  it('--terraform-dir with a local backend reads the state it points to', async () => {
    await setup('v2/migrated.yaml');
    const result = await k(['infra', 'sync', '--terraform-dir', 'tf/local']);
    expect(result).toEqual({
      code: 0,
      out: '',
      err: 'synced from tf/local/terraform.tfstate: 8 outputs; added controller_ips, location, resource_group_name, ssh_private_key, ssh_public_key, vnet_name, worker_ips; removed network, resource_group, ssh_key; changed vm_details; sensitive (value not stored): ssh_private_key\n',
    });
    const state = await loadState((work as Workdir).file);
    expect(state.terraform_backend).toEqual({ type: 'local', config: { path: 'terraform.tfstate' } });
    expect(state.terraform_state_path).toBe('tf/local/terraform.tfstate');
    expect(state.infrastructure_facts.source).toBe('terraform');
    expect(state.infrastructure_facts.stale).toBe(false);
    expect(state.infrastructure_facts.old_cache_timestamp).toBe('2025-12-03T09:43:31Z');
    expect(Object.keys(state.infrastructure_facts.outputs)).not.toContain('resource_group');
  });

  it('--terraform-dir with an azurerm backend and --outputs: the remote path, never the access key', async () => {
    await setup('v2/fresh.yaml');
    const result = await k([
      'infra',
      'sync',
      '--terraform-dir',
      'tf/azurerm',
      '--outputs',
      'tf/outputs.json',
    ]);
    expect(result.code).toBe(0);
    expect(result.err).toBe(
      `synced from azurerm://k0rdenttfstate7f3a/tfstate/k0rdent-t6p1w9za.tfstate: 8 outputs; ${ADDED}; sensitive (value not stored): ssh_private_key; backend changed from local to azurerm (the old one kept in terraform_backend_history)\n`,
    );
    const state = await loadState((work as Workdir).file);
    expect(state.terraform_state_path).toBe('azurerm://k0rdenttfstate7f3a/tfstate/k0rdent-t6p1w9za.tfstate');
    expect(state.terraform_backend?.type).toBe('azurerm');
    expect(state.terraform_backend?.config).toMatchObject({
      storage_account_name: 'k0rdenttfstate7f3a',
      container_name: 'tfstate',
      key: 'k0rdent-t6p1w9za.tfstate',
    });
    expect(state.terraform_backend?.config).not.toHaveProperty('access_key');
    expect(await stateText()).not.toContain('FAKEstorageAccessKey');
    expectNoSecret(result, ['FAKEstorageAccessKey']);

    const remote = await k(['infra', 'sync', '--terraform-dir', 'tf/azurerm']);
    expect(remote.code).toBe(2);
    expect(remote.err).toContain('[terraform-remote-state]');
  });

  it('refuses what is not JSON and a state of format version 3 (exit 3), file unchanged', async () => {
    await setup('v2/fresh.yaml');
    const before = await stateText();
    expect(await k(['infra', 'sync', '--outputs', 'tf/not-json.json'])).toEqual({
      code: 3,
      out: '',
      err: 'tf/not-json.json:1:1: error: is not JSON: it looks like what plain `terraform output` prints; pass what `terraform output -json` prints (run it in the Terraform folder) [terraform-not-json]\n',
    });
    expect(await k(['infra', 'sync', '--tfstate', 'tf/tfstate-v3.tfstate'])).toEqual({
      code: 3,
      out: '',
      err: 'tf/tfstate-v3.tfstate: error: is Terraform state format version 3, but only format version 4 (Terraform 0.12 and later) is supported; upgrade it by running `terraform apply` with Terraform 0.12 or later, or pass `terraform output -json` with --outputs [tfstate-version]\n',
    });
    const missing = await k(['infra', 'sync', '--tfstate', 'tf/nope.tfstate']);
    expect(missing.code).toBe(3);
    expect(missing.err).toContain('[terraform-file-not-found]');
    expect(await k(['infra', 'sync'])).toEqual({
      code: 2,
      out: '',
      err: 'error: infra sync needs --outputs FILE|-, --tfstate FILE or --terraform-dir DIR; see: k0rdent-state infra sync --help [usage]\n',
    });
    expect(await stateText()).toBe(before);
  });

  it('refuses a state of another lineage without --force (exit 1, file unchanged), accepts it with --force', async () => {
    await setup('v2/fresh.yaml');
    expect((await k(['infra', 'sync', '--tfstate', 'tf/terraform.tfstate'])).code).toBe(0);
    const before = await stateText();
    const refused = await k(
      ['infra', 'sync', '--tfstate', 'tf/lineage-other.tfstate'],
      '2026-03-04T06:00:00Z',
    );
    expect(refused).toEqual({
      code: 1,
      out: '',
      err: `${FILE}: error: the Terraform state has lineage ${OTHER_LINEAGE}, but the cached facts came from lineage ${LINEAGE}: it is another state (another deployment, or one recreated from scratch); check the Terraform folder, or pass --force if the state was really replaced [terraform-lineage-changed]\n`,
    });
    expect(await stateText()).toBe(before);
    const forced = await k(
      ['infra', 'sync', '--tfstate', 'tf/lineage-other.tfstate', '--force'],
      '2026-03-04T06:00:00Z',
    );
    expect(forced.code).toBe(0);
    const hash = sha256(await readFile(fixturePath('terraform/lineage-other.tfstate')));
    expect((await loadState((work as Workdir).file)).infrastructure_facts.terraform_state_checksum).toBe(
      `sha256:${hash} lineage=${OTHER_LINEAGE} serial=12`,
    );
  });
});

describe('history, show-run, compare-runs', () => {
  /** fresh.yaml, then a failed run with KOF off and a resumed successful run with KOF on. */
  async function twoRuns(): Promise<{ a: string; b: string }> {
    await setup('v2/fresh.yaml');
    const a = (await k(['run', 'start'], '2026-03-04T05:00:00Z')).out.trim();
    await k(['phase', 'set', 'prepare_deployment', 'completed'], '2026-03-04T05:01:00Z');
    await k(['phase', 'set', 'setup_network', 'in_progress'], '2026-03-04T05:02:00Z');
    await k(
      [
        'run',
        'complete',
        '--outcome',
        'failed',
        '--error-phase',
        'setup_network',
        '--error-message',
        'az network create failed',
        '--exit-code',
        '3',
      ],
      '2026-03-04T05:05:00Z',
    );
    const b = (await k(['run', 'start', '--kof', 'true', '--resume'], '2026-03-04T06:00:00Z')).out.trim();
    for (const phase of [
      'setup_network',
      'create_vms',
      'setup_vpn',
      'connect_vpn',
      'install_k0s',
      'install_k0rdent',
      'install_kof_mothership',
      'install_kof_regional',
    ]) {
      expect((await k(['phase', 'set', phase, 'completed'], '2026-03-04T06:30:00Z')).code).toBe(0);
    }
    await k(
      ['phase', 'set', 'install_azure_csi', 'skipped', '--reason', 'no CSI needed'],
      '2026-03-04T06:40:00Z',
    );
    expect((await k(['run', 'complete', '--outcome', 'success'], '2026-03-04T07:02:03Z')).code).toBe(0);
    expect(a).toMatch(RUN_ID);
    expect(b).toMatch(RUN_ID);
    return { a, b };
  }

  it('history lists every run with duration, outcome, phases and the error', async () => {
    const { a, b } = await twoRuns();
    const result = await k(['history']);
    expect(result.code).toBe(0);
    expect(result.err).toBe('');
    expect(result.out).toBe(
      [
        '  RUN                      STARTED               DURATION  OUTCOME      PHASES  FAILED PHASE   ERROR',
        '  20251212T061503Z-4e9d2a  2025-12-12T06:15:03Z  -         interrupted  0/7     -              -',
        `  ${a}  2026-03-04T05:00:00Z  5m 00s    failed       1/7     setup_network  az network create failed`,
        `* ${b}  2026-03-04T06:00:00Z  1h 02m    success      10/10   -              -`,
        '',
      ].join('\n'),
    );
    const json = JSON.parse((await k(['history', '--format', 'json'])).out) as Record<string, unknown>[];
    expect(json.map((row) => [row.run_id, row.outcome, row.duration_seconds, row.current])).toEqual([
      ['20251212T061503Z-4e9d2a', 'interrupted', null, false],
      [a, 'failed', 300, false],
      [b, 'success', 3723, true],
    ]);
  });

  it('show-run shows flags, config, the phase timeline, the Terraform reference and the error', async () => {
    const { a } = await twoRuns();
    const result = await k(['show-run', a]);
    expect(result.code).toBe(0);
    expect(result.err).toBe('');
    expect(result.out).toBe(
      [
        `Run ${a}`,
        '  outcome:       failed',
        '  started:       2026-03-04T05:00:00Z',
        '  ended:         2026-03-04T05:05:00Z',
        '  duration:      5m 00s (300s)',
        '  current phase: setup_network',
        '',
        'Flags:',
        '  azure_children: false',
        '  kof:            false',
        '',
        'Config snapshot:',
        '  azure_location:    southeastasia',
        '  resource_group:    k0rdent-e2k7r4nb-resgrp',
        '  controller_count:  1',
        '  worker_count:      2',
        '  wireguard_network: 172.24.24.0/24',
        '  wireguard_port:    51846',
        '',
        'Phases (1/7 completed or skipped):',
        // The phase the run failed in is recorded as failed, at the run's end.
        '  PHASE               STATUS     UPDATED AT            SKIPPED REASON',
        '  prepare_deployment  completed  2026-03-04T05:01:00Z',
        '  setup_network       failed     2026-03-04T05:05:00Z',
        '  create_vms          pending    2026-03-04T05:00:00Z',
        '  setup_vpn           pending    2026-03-04T05:00:00Z',
        '  connect_vpn         pending    2026-03-04T05:00:00Z',
        '  install_k0s         pending    2026-03-04T05:00:00Z',
        '  install_k0rdent     pending    2026-03-04T05:00:00Z',
        '',
        'Terraform reference at run start:',
        '  state checksum:      -',
        '  cache timestamp:     -',
        '  last terraform sync: -',
        '',
        'Error:',
        '  phase:     setup_network',
        '  exit code: 3',
        '  message:   az network create failed',
        '',
        'Events: 0',
        '',
      ].join('\n'),
    );
  });

  it('compare-runs shows the changed flag and the phase outcomes side by side', async () => {
    const { a, b } = await twoRuns();
    const result = await k(['compare-runs', a, b]);
    expect(result.code).toBe(0);
    expect(result.err).toBe('');
    expect(result.out).toBe(
      [
        '                          A                           B',
        `run                       ${a}     ${b}`,
        'outcome                   failed                   →  success',
        'duration                  5m 00s                   →  1h 02m',
        'flags:',
        '  kof                     false                    →  true',
        'phases:',
        '  setup_network           failed                   →  completed',
        '  create_vms              pending                  →  completed',
        '  setup_vpn               pending                  →  completed',
        '  connect_vpn             pending                  →  completed',
        '  install_k0s             pending                  →  completed',
        '  install_k0rdent         pending                  →  completed',
        '  install_azure_csi       not applicable           →  skipped',
        '  install_kof_mothership  not applicable           →  completed',
        '  install_kof_regional    not applicable           →  completed',
        '',
        'same in both: config_snapshot',
        '',
      ].join('\n'),
    );
  });

  it('an unknown run id: exit 1 with the known ids', async () => {
    await setup('v2/several-runs.yaml');
    const expected = {
      code: 1,
      out: '',
      err: `${FILE}: error: run "nope" not found; known runs, newest first: 20251202T075033Z-c51a97, 20251201T101502Z-8d04be, 20251201T080317Z-3f9c1a; see: k0rdent-state history [run-not-found]\n`,
    };
    expect(await k(['show-run', 'nope'])).toEqual(expected);
    expect(await k(['compare-runs', '20251202T075033Z-c51a97', 'nope'])).toEqual(expected);
  });
});
