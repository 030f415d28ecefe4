// The secret table (SECURITY.md promise 1): every placement of a secret a YAML file can have, run
// through every output path of the tool. A v1 state file holds a WireGuard private key (PEER_KEY)
// and a password in its config (CONFIG_SECRET), both spelled as the placement says, and for some
// placements a third secret elsewhere (OTHER_SECRET); no output may contain any of them, nor a
// piece of one (a 16-character window, so a value split across lines is caught too).
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { type AdapterCase, cleanup as cleanupCases, runCases } from './helpers/adapter-harness.js';
import { cleanupDeployments, cli, type Deployment, makeDeployment, REPO } from './helpers/tmp-state.js';

const PEER_KEY = 'PEERkeyZ9x8w7v6u5t4s3r2q1p0onmlkjihgfedcbA=';
const CONFIG_SECRET = 'CONFIGpass4Tests0only9yU7tR5eW3qA1zX';
const OTHER_SECRET = 'OTHERsecretXq0w9e8r7t6y5u4i3o2p1ASDFGH';
const SECRETS = [PEER_KEY, CONFIG_SECRET, OTHER_SECRET];

/** How one placement spells the secrets: the peer entry, config lines, and top-level lines. */
interface Placement {
  /** The `hub:` entry under wireguard_peers (indented 2). */
  peer: (key: string) => string;
  /** Lines added under config (indented 2). */
  config: (secret: string) => string;
  /** Top-level lines added after the header comment. */
  top?: string;
  /** Top-level lines added at the end. */
  bottom?: string;
  /** Write the file with CRLF line endings. */
  crlf?: boolean;
}

const peerWith = (line: string) =>
  `  hub:\n    ip: "172.24.24.1"\n    role: "hub"\n${line}\n    public_key: "pub-hub"\n    keys_generated: true\n`;

const PLACEMENTS: Record<string, Placement> = {
  plain: { peer: (k) => peerWith(`    private_key: ${k}`), config: (s) => `  admin_password: ${s}\n` },
  'double-quoted': {
    peer: (k) => peerWith(`    private_key: "${k}"`),
    config: (s) => `  admin_password: "${s}"\n`,
  },
  'single-quoted': {
    peer: (k) => peerWith(`    private_key: '${k}'`),
    config: (s) => `  admin_password: '${s}'\n`,
  },
  'value on the next line': {
    peer: (k) => peerWith(`    private_key:\n      ${k}`),
    config: (s) => `  admin_password:\n    ${s}\n`,
  },
  'after a comment': {
    peer: (k) => peerWith(`    private_key:   # rotated\n      "${k}"`),
    config: (s) => `  admin_password:   # rotated\n    "${s}"\n`,
  },
  'explicit key': {
    peer: (k) => peerWith(`    ? private_key\n    : ${k}`),
    config: (s) => `  ? admin_password\n  : ${s}\n`,
  },
  'escaped key name': {
    peer: (k) => peerWith(`    "private\\u005fkey": ${k}`),
    config: (s) => `  "admin\\x5fpassword": "${s}"\n`,
  },
  'flow map broken after the colon': {
    peer: (k) =>
      `  hub: {ip: "172.24.24.1", role: "hub", private_key:\n      ${k}, public_key: "pub-hub", keys_generated: true}\n`,
    config: (s) => `  extra: {admin_password:\n      "${s}", note: "x"}\n`,
  },
  'anchor, aliased under another name': {
    peer: (k) => peerWith(`    private_key: &pk ${k}`),
    config: (s) => `  admin_password: &pw ${s}\n  password_copy: *pw\n`,
    // A v1 key this tool does not know: carried to unrecognized, with the alias.
    bottom: 'copy_of_key: *pk\n',
  },
  'alias of an anchor elsewhere': {
    peer: () => peerWith('    private_key: *seed'),
    config: () => `  admin_password: *cfg\n`,
    top: `wg_seed: &seed ${PEER_KEY}\nconfig_seed: &cfg ${CONFIG_SECRET}\n`,
  },
  'alias as the key': {
    peer: (k) => peerWith(`    *kn : ${k}`),
    config: (s) => `  *pn : ${s}\n`,
    top: 'key_name: &kn private_key\npass_name: &pn admin_password\n',
  },
  tag: {
    peer: (k) => peerWith(`    private_key: !!str ${k}`),
    config: (s) => `  !!str admin_password: !!str ${s}\n`,
  },
  'literal block scalar': {
    peer: (k) => peerWith(`    private_key: |-\n      ${k}`),
    config: (s) => `  admin_password: |\n    ${s}\n`,
  },
  'folded block scalar': {
    peer: (k) => peerWith(`    private_key: >-\n      ${k}`),
    config: (s) => `  admin_password: >-\n    ${s}\n`,
  },
  'quoted scalar over two lines': {
    peer: (k) => peerWith(`    private_key: "${k.slice(0, 20)}\n      ${k.slice(20)}"`),
    config: (s) => `  admin_password: '${s.slice(0, 18)}\n    ${s.slice(18)}'\n`,
  },
  'names ending in a secret word': {
    peer: (k) => peerWith(`    private_key: ${k}`),
    config: (s) => `  db_password: ${s}\n  api_token: ${s}\n`,
    top: `ssh_private_key: "${OTHER_SECRET}"\n`,
  },
  'shaped like a sensitive output': {
    peer: (k) => peerWith(`    private_key: ${k}`),
    config: (s) => `  admin_password: ${s}\n`,
    top: `old_output: {sensitive: true, value: "${OTHER_SECRET}"}\n`,
  },
  'CRLF line endings': {
    peer: (k) => peerWith(`    private_key:\n      "${k}"`),
    config: (s) => `  admin_password: ${s}\n`,
    crlf: true,
  },
};

/**
 * The v1 file of a placement; with `badRole`, the hub's role is that text (the key as the file
 * reads, which makes a schema error whose message would quote it).
 */
async function stateText(placement: Placement, badRole?: string): Promise<string> {
  const base = await readFile(join(REPO, 'fixtures/v1/e5-deployer.yaml'), 'utf8');
  let peer = placement.peer(PEER_KEY);
  if (badRole !== undefined) peer = peer.replace('role: "hub"', `role: ${JSON.stringify(badRole)}`);
  let text = base
    .replace(/^wireguard_peers:\n(?: {2}.*\n)+/m, `wireguard_peers:\n${peer}`)
    .replace(/^config:\n/m, `config:\n${placement.config(CONFIG_SECRET)}`)
    .replace(/^# k0rdent Deployment State\n/, `# k0rdent Deployment State\n${placement.top ?? ''}`)
    .concat(placement.bottom ?? '');
  if (placement.crlf) text = text.replace(/\n/g, '\r\n');
  return text;
}

/** Fails when `text` holds a secret or a 16-character piece of one. */
function expectNoSecret(text: string, where: string): void {
  for (const secret of SECRETS) {
    for (let start = 0; start + 16 <= secret.length; start += 4) {
      const piece = secret.slice(start, start + 16);
      expect(text.includes(piece), `${where} shows ${piece} (of a secret)`).toBe(false);
    }
  }
}

afterAll(cleanupDeployments);

const VM = 'k0rdent-q7x2m9pa-controller';

/** What `terraform output -json` prints in the adapter's cases (the fake terraform prints it). */
const TERRAFORM_OUTPUTS = JSON.stringify({
  resource_group_name: { sensitive: false, type: 'string', value: 'rg-1' },
  admin_creds: {
    sensitive: false,
    type: ['object', { user: 'string', admin_password: 'string' }],
    value: { user: 'azureuser', admin_password: OTHER_SECRET },
  },
  ssh_private_key: { sensitive: true, type: 'string', value: OTHER_SECRET },
});

/**
 * Runs the bash adapter's reading functions (and the error paths of its writes given a secret) on
 * a copy of `v2Text` each, under `set -euo pipefail` through the co-process (adapter-functions.test.ts
 * pins that both paths print the same), and adds every output to `outputs`. Returns what
 * `get_wireguard_private_key hub` printed, the one deliberate secret read, kept out of `outputs`.
 */
async function adapterOutputs(
  v2Text: string,
  runIds: readonly string[],
  key: string,
  outputs: Array<[string, string]>,
): Promise<{ out: string; err: string }> {
  const [first = '', second = ''] = runIds;
  const reads = [
    ...[
      'wireguard_peers',
      'wireguard_peers.hub',
      'wireguard_peers.hub.private_key',
      'wireguard_config',
      'config',
      'config.admin_password',
      'config.db_password',
      'config.password_copy',
      'config.extra',
      'copy_of_key',
      'ssh_private_key',
      'old_output',
      'wg_seed',
      'unrecognized',
      'deployment_runs',
      'infrastructure_facts',
    ].map((name) => `get_state ${name}`),
    `get_vm_info ${VM} admin_password`,
    `get_vm_info ${VM} state`,
    `get_vm_runtime_status ${VM}`,
    ...['vm_details', `vm_details.${VM}`, `vm_details.${VM}.admin_password`, 'old_token'].flatMap((name) => [
      `get_cached_infra ${name}`,
      `K0RDENT_STATE_NO_TERRAFORM=1 get_terraform_output ${name}`,
    ]),
    // Terraform itself answers (a fake that prints TERRAFORM_OUTPUTS).
    ...['resource_group_name', 'admin_creds', 'admin_creds.admin_password', 'ssh_private_key'].map(
      (name) => `K0RDENT_STATE_TERRAFORM_BIN="$PWD/fake-terraform" get_terraform_output ${name}`,
    ),
    'get_wireguard_public_key hub',
    'get_wireguard_ip hub',
    'populate_wg_ips_array; declare -p WG_IPS',
    'show_state_summary',
    'show_deployment_history',
    'show_deployment_history --json',
    `show_run_details ${first}`,
    `show_run_details ${second}`,
    `compare_runs ${first} ${second}`,
    `compare_runs ${second} ${first}`,
    ...['config_snapshot', 'config_snapshot.admin_password', 'error', 'error.message'].flatMap((field) => [
      `get_run_info ${first} ${field}`,
      `get_run_info ${second} ${field}`,
    ]),
    // Writes given a secret under the wrong key, or not as JSON: their messages.
    `update_state wg_vpn_connected '${key}'`,
    `update_state deployment_runs '${key}'`,
    `update_runtime_state wireguard_config.vpn_connected '${key}'`,
    `update_runtime_state wireguard_config.peers.hub.private_key '${key}' --json`,
    `update_runtime_state wireguard_config.peers.hub '{"private_key": "${key}"' --json`,
    `update_infra_cache db_password '{"sensitive":true,"value":"${key}"'`,
    `update_infra_cache db_password '${key}'`,
    `update_vm_state ${VM} '${key}' '${key}' '${key}' && get_vm_info ${VM} public_ip`,
    `complete_deployment_run failed setup_vpn "wg set failed for key ${key}" 1; show_run_details current; show_deployment_history`,
  ];
  const files = {
    'state/deployment-state.yaml': v2Text,
    'terraform/.terraform/terraform.tfstate': JSON.stringify({
      version: 3,
      backend: { type: 'local', config: { path: null } },
    }),
    'terraform/outputs.json': TERRAFORM_OUTPUTS,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion
    'fake-terraform': '#!/bin/sh\ncat "${1#-chdir=}/outputs.json"\n',
  };
  const cases: AdapterCase[] = [...reads, 'get_wireguard_private_key hub'].map((script) => ({
    name: script,
    files,
    setup: 'chmod +x fake-terraform',
    script,
  }));
  const { results, root } = runCases(cases, true);
  try {
    for (const script of reads) {
      const result = results.get(script);
      outputs.push(
        [`adapter: ${script} (stdout)`, result?.out ?? ''],
        [`adapter: ${script} (stderr)`, result?.err ?? ''],
      );
    }
    // The cases ran where they should: Terraform itself answered, secrets were refused or masked.
    const live = (name: string) =>
      results.get(`K0RDENT_STATE_TERRAFORM_BIN="$PWD/fake-terraform" get_terraform_output ${name}`);
    expect(live('resource_group_name')?.out).toBe('rg-1\n');
    expect(live('admin_creds')?.out).toBe('{"user":"azureuser","admin_password":"<redacted>"}\n');
    expect(live('admin_creds.admin_password')?.rc).toBe(1);
    expect(results.get('get_state wireguard_peers.hub.private_key')?.rc).toBe(1);
    expect(results.get(`get_vm_info ${VM} admin_password`)).toMatchObject({
      rc: 1,
      out: '',
      err: './state/deployment-state.yaml: error: refused: admin_password is a secret and is never printed; scripts read a WireGuard key with get_wireguard_private_key HOST [secret-refused]\n',
    });
    expect(results.get(`get_run_info ${first} config_snapshot`)?.out).toMatch(/_password: <redacted>\n/);
    expect(live('admin_creds.admin_password')?.err).toBe(
      './state/deployment-state.yaml: error: refused: admin_creds.admin_password is a sensitive Terraform output and is never printed [secret-refused]\n',
    );
    expect(results.get('get_state config')?.out).toMatch(/_password: <redacted>\n/);
    const read = results.get('get_wireguard_private_key hub');
    return { out: read?.out ?? '', err: read?.err ?? '' };
  } finally {
    cleanupCases(root);
  }
}

const CHECK_FORMATS = ['text', 'json', 'github', 'sarif', 'junit'];

describe.each(Object.entries(PLACEMENTS))('a secret spelled as: %s', (_name, placement) => {
  it('is shown by no output path', { timeout: 120_000 }, async () => {
    const text = await stateText(placement);
    // The placement is what it says: the file holds the secrets where the rule must find them.
    const data = parseDocument(text, { version: '1.2' }).toJS({ maxAliasCount: 100 }) as Record<
      string,
      unknown
    >;
    // (A quoted scalar over two lines reads with a space at the break.)
    expect(JSON.stringify(data)).toContain(PEER_KEY.slice(0, 16));
    expect(JSON.stringify(data)).toContain(CONFIG_SECRET.slice(0, 16));

    const dep: Deployment = await makeDeployment('e5-deployer.yaml', { content: text, mode: 0o600 });
    const readKey = (data.wireguard_peers as { hub: { private_key: string } }).hub.private_key;
    const badDep = await makeDeployment('e5-deployer.yaml', { content: await stateText(placement, readKey) });
    const file = dep.stateFile;
    const outputs: Array<[string, string]> = [];
    const run = async (argv: string[], cwd = dep.dir) => {
      const result = await cli(argv, cwd);
      outputs.push([`${argv.join(' ')} (stdout)`, result.out], [`${argv.join(' ')} (stderr)`, result.err]);
      return result;
    };

    // Migration reports, with the diff, on standard output and in --report files.
    for (const format of ['text', 'json', 'markdown']) {
      const report = join(dep.dir, `report.${format}`);
      const dry = await run(['migrate', '--dry-run', file, '--format', format, '--report', report]);
      expect(dry.code, dry.err).toBe(0);
      outputs.push([`--report ${format}`, await readFile(report, 'utf8')]);
      if (format === 'text') {
        // The diff is there (a key line changed place), masked.
        expect(dry.out).toContain('Diff (private keys masked)');
        expect(dry.out).toContain('<redacted>');
      }
    }
    await run(['migrate', '--dry-run', '--no-diff', file]);
    for (const format of CHECK_FORMATS) await run(['migrate', '--check', file, '--format', format]);
    for (const format of CHECK_FORMATS) await run(['validate', badDep.stateFile, '--format', format]);
    await run(['migrate', '--dry-run', badDep.stateFile]);
    await run(['get', 'wireguard_peers', '-f', badDep.stateFile]);

    // Queries on the v1 file (migrated in memory).
    await run(['get', 'wireguard_peers', '-f', file]);
    await run(['get', 'config', '-f', file]);

    // Apply, with a report file; then the v2 file.
    const applied = await run(['migrate', file, '--report', join(dep.dir, 'applied.txt'), '--diff']);
    expect(applied.code, applied.err).toBe(0);
    outputs.push(['applied report', await readFile(join(dep.dir, 'applied.txt'), 'utf8')]);
    for (const folder of await readdir(dep.archive)) {
      // The backup holds the key, as the original did: that is its job, and it is 0600.
      expect((await stat(join(dep.archive, folder, 'deployment-state.yaml'))).mode & 0o777).toBe(0o600);
    }
    for (const format of CHECK_FORMATS) await run(['validate', file, '--format', format]);
    const started = await run(['run', 'start', '--kof', 'false', '-f', file]);
    expect(started.code, started.err).toBe(0);
    await run([
      'run',
      'complete',
      '--outcome',
      'failed',
      '--error-message',
      `wg set failed for key ${readKey}`,
      '-f',
      file,
    ]);
    const history = await run(['history', '--format', 'json', '-f', file]);
    const ids = (JSON.parse(history.out) as Array<{ run_id: string }>).map((row) => row.run_id);
    expect(ids).toHaveLength(2);
    await run(['history', '-f', file]);
    for (const id of ids) {
      await run(['show-run', id, '-f', file]);
      await run(['show-run', id, '--format', 'json', '-f', file]);
    }
    await run(['compare-runs', ids[0] as string, ids[1] as string, '-f', file]);
    await run(['compare-runs', ids[0] as string, ids[1] as string, '--format', 'json', '-f', file]);

    const v2 = parseDocument(await readFile(file, 'utf8')).toJS() as Record<string, unknown>;
    for (const key of Object.keys(v2)) {
      await run(['get', key, '-f', file]);
      await run(['get', key, '--format', 'json', '-f', file]);
    }
    for (const key of Object.keys((v2.unrecognized as object | undefined) ?? {})) {
      await run(['get', `unrecognized.${key}`, '-f', file]);
    }
    const hub = await run(['get', 'wireguard_config.peers.hub', '-f', file]);
    expect(hub.out).toContain('"private_key":"<redacted>"');
    expect((await run(['get', 'wireguard_config.peers.hub.private_key', '-f', file])).code).toBe(1);
    await run(['get', 'wireguard_peers', '-f', file]);
    for (const key of ['config_snapshot', 'error']) {
      await run(['get', `deployment_runs.0.${key}`, '-f', file]);
    }

    // A secret in the infrastructure cache, and vm info.
    await run([
      'infra',
      'set',
      'vm_details.k0rdent-q7x2m9pa-controller.admin_password',
      `"${OTHER_SECRET}"`,
      '-f',
      file,
    ]);
    await run(['infra', 'set', 'old_token', `{"sensitive":true,"value":"${OTHER_SECRET}"}`, '-f', file]);
    await run(['vm', 'info', 'k0rdent-q7x2m9pa-controller', '-f', file]);
    await run(['vm', 'info', 'k0rdent-q7x2m9pa-controller', 'admin_password', '-f', file]);
    await run(['vm', 'info', 'k0rdent-q7x2m9pa-controller', '--format', 'json', '-f', file]);

    // Error messages of writes given a secret.
    await run([
      'runtime',
      'set',
      'wireguard_config.peers.hub.private_key',
      PEER_KEY,
      '--value-json',
      '-f',
      file,
    ]);
    await run([
      'runtime',
      'set',
      'wireguard_config.peers.hub',
      `{"ip": "172.24.24.1", "private_key": "${PEER_KEY}"`,
      '--value-json',
      '-f',
      file,
    ]);
    await run(['runtime', 'set', 'wireguard_config.vpn_connected', PEER_KEY, '-f', file]);
    await run(['infra', 'set', 'db_password', `{"sensitive":true,"value":"${OTHER_SECRET}"`, '-f', file]);
    await run(['infra', 'set', 'db_password', OTHER_SECRET, '-f', file]);
    await run(['rollback', '--dry-run', file]);

    // The bash adapter on the v2 file: every function that prints or refuses.
    const privateKeyRead = await adapterOutputs(await readFile(file, 'utf8'), ids, readKey, outputs);
    // The one deliberate secret read (SECURITY.md): the key, and only on standard output.
    expect(privateKeyRead.out).toBe(`${readKey}\n`);
    expect(privateKeyRead.err).toBe('');

    for (const [where, out] of outputs) expectNoSecret(out, `${where} [${_name}]`);
  });
});

describe('messages never repeat a value given on the command line', () => {
  const KEY = 'GIVENkeyQ1w2e3r4t5y6u7i8o9p0AaSsDdFfGgHhJ=';

  it.each([
    [
      'a private key given with --json',
      ['runtime', 'set', 'wireguard_config.peers.mylaptop.private_key', KEY, '--value-json'],
      'error: the --value-json value (42 characters) is not JSON: unexpected character where a value should be at line 1, column 1; drop --value-json to store it as text [bad-value]',
    ],
    [
      'a whole peer map that is not JSON',
      [
        'runtime',
        'set',
        'wireguard_config.peers.mylaptop',
        `{"ip": "172.24.24.1", "private_key": "${KEY}"`,
        '--value-json',
      ],
      'error: the --value-json value (81 characters) is not JSON: unexpected end of input at line 1, column 82; drop --value-json to store it as text [bad-value]',
    ],
    [
      'a sensitive output that is not JSON',
      ['infra', 'set', 'db_password', `{"sensitive":true,"value":"${KEY}"`],
      `error: infra set takes JSON; the value (70 characters) is not JSON: unexpected end of input at line 1, column 71; write text as a JSON string, e.g. '"rg-1"' [bad-value]`,
    ],
    [
      'a key given where a boolean goes',
      ['runtime', 'set', 'wireguard_config.vpn_connected', KEY],
      "error: wireguard_config.vpn_connected takes boolean, not the value given (42 characters); e.g. true, 42, or --value-json '{...}' [bad-value]",
    ],
    [
      'a key given as JSON where a boolean goes',
      ['runtime', 'set', 'wireguard_config.vpn_connected', JSON.stringify(KEY), '--value-json'],
      'error: refused: the change would make the file invalid at wireguard_config.vpn_connected: wireguard_config.vpn_connected is the value given, expected a boolean (true or false); the file is unchanged [update-invalid]',
    ],
  ])('%s', async (_name, argv, message) => {
    const dep = await makeDeployment('e5-deployer.yaml', {
      content: await readFile(join(REPO, 'fixtures/v2/mid-run.yaml')),
    });
    const before = await readFile(dep.stateFile);
    const result = await cli([...argv, '-f', dep.stateFile], dep.dir);
    expect(result.err).toBe(`${dep.stateFile}: ${message}\n`);
    expect(result.out).toBe('');
    expect(await readFile(dep.stateFile)).toEqual(before);
  });
});
