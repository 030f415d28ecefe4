// Inputs of the benchmark, generated into bench/.work/ from the v1 fixtures: deterministic (a
// seeded generator), so every run measures the same bytes.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A small seeded generator (mulberry32): the same seed gives the same files. */
export function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ID_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function pick(next, alphabet, length) {
  let text = '';
  for (let i = 0; i < length; i++) text += alphabet[Math.floor(next() * alphabet.length)];
  return text;
}

/** A WireGuard-looking key: 43 base64 characters and `=`. */
function wgKey(next) {
  return `${pick(next, B64, 42)}${'AEIMQUYcgkosw048'[Math.floor(next() * 16)]}=`;
}

/** The v1 fixtures used as templates: the realistic, complete ones (2.8 KB or more, LF endings). */
export async function loadTemplates(root) {
  const folder = join(root, 'fixtures', 'v1');
  const templates = [];
  for (const name of (await readdir(folder)).sort()) {
    if (!name.endsWith('.yaml')) continue;
    const text = await readFile(join(folder, name), 'utf8');
    if (text.length < 2800 || text.includes('\r\n') || !/^vm_states:\n/m.test(text)) continue;
    templates.push({ name, text });
  }
  return templates;
}

/**
 * One variant of a template: a new deployment id, new public IPs and keys, extra workers in
 * vm_states up to about `targetBytes`, and the unquoted local times of old scripts quoted (so that
 * ajv-cli's YAML 1.1 reader does not turn them into dates and both tools check the same data).
 */
export function variant(template, next, targetBytes = 4096) {
  const oldId = /deployment_id: "k0rdent-([a-z0-9]+)"/.exec(template)?.[1];
  const newId = pick(next, ID_CHARS, 8);
  let text = oldId ? template.split(oldId).join(newId) : template;
  text = text.replace(
    /public_ip: "20\.\d+\.\d+\.\d+"/g,
    () =>
      `public_ip: "20.${Math.floor(next() * 256)}.${Math.floor(next() * 256)}.${1 + Math.floor(next() * 254)}"`,
  );
  text = text.replace(
    /(private_key|public_key): "[A-Za-z0-9+/]{43}="/g,
    (_, key) => `${key}: "${wgKey(next)}"`,
  );
  text = text.replace(/^(deployment_(?:start|end)_time): (\d{4}-[^"\n]*)$/gm, '$1: "$2"');
  const day = `2025-${String(1 + Math.floor(next() * 12)).padStart(2, '0')}-${String(1 + Math.floor(next() * 28)).padStart(2, '0')}`;
  for (let worker = 10; text.length + 160 <= targetBytes; worker++) {
    const block = [
      `  k0rdent-${newId}-worker-${worker}:`,
      `    public_ip: "20.${Math.floor(next() * 256)}.${Math.floor(next() * 256)}.${1 + Math.floor(next() * 254)}"`,
      `    private_ip: "10.240.0.${worker + 10}"`,
      `    state: "Succeeded"`,
      `    last_checked: "${day}T09:${String(worker % 60).padStart(2, '0')}:14Z"`,
      '',
    ].join('\n');
    text = text.replace(/^vm_states:\n/m, `vm_states:\n${block}`);
  }
  return text;
}

/**
 * Writes `count` v1 state files (`state-0000.yaml` …) into `dir`. File `invalidIndex` gets one
 * schema error (`deployment_id: ""`: an error under carry-don't-block too, where a malformed
 * count is a warning and is carried); returns its name, line and column.
 */
export async function writeValidateSet(root, dir, { count = 1000, invalidIndex = 500, seed = 6 } = {}) {
  const templates = await loadTemplates(root);
  if (templates.length === 0) throw new Error('no v1 templates found in fixtures/v1');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const next = random(seed);
  let invalid;
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    let text = variant(templates[i % templates.length].text, next);
    const name = `state-${String(i).padStart(4, '0')}.yaml`;
    if (i === invalidIndex) {
      const broken = text.replace(/^deployment_id: \S+$/m, 'deployment_id: ""');
      if (broken === text) throw new Error(`${name}: no deployment_id line to break`);
      text = broken;
      const offset = text.indexOf('\ndeployment_id: ""') + 1;
      const before = text.slice(0, offset);
      const line = before.split('\n').length;
      const col = offset - before.lastIndexOf('\n') + 'deployment_id: '.length;
      invalid = { name, line, col };
    }
    bytes += Buffer.byteLength(text);
    await writeFile(join(dir, name), text);
  }
  return { count, invalid, averageBytes: Math.round(bytes / count), templates: templates.length };
}

/**
 * A v1 state file of a long-lived deployment: `vms` VMs (vm_states and WireGuard peers) and
 * `events` inline events, built on fixtures/v1/e5-deployer.yaml.
 */
export async function bigV1(root, { vms, events, seed = 66 }) {
  const template = await readFile(join(root, 'fixtures', 'v1', 'e5-deployer.yaml'), 'utf8');
  const next = random(seed);
  const id = 'q7x2m9pa';
  // The template's top-level blocks: a key line and the indented lines under it.
  const blocks = [];
  for (const line of template.trimEnd().split('\n')) {
    if (/^[ #]/.test(line) && blocks.length > 0) blocks.at(-1).push(line);
    else blocks.push([line]);
  }
  const out = [];
  for (const block of blocks) {
    const key = /^([a-z_]+):/.exec(block[0])?.[1];
    if (key === 'vm_states') {
      out.push('vm_states:');
      for (let i = 0; i < vms; i++) {
        out.push(
          `  k0rdent-${id}-worker-${i + 1}:`,
          `    public_ip: "20.${Math.floor(next() * 256)}.${Math.floor(next() * 256)}.${1 + Math.floor(next() * 254)}"`,
          `    private_ip: "10.${240 + Math.floor(i / 64000)}.${Math.floor(i / 250) % 256}.${(i % 250) + 4}"`,
          '    state: "Succeeded"',
          `    last_checked: "2025-12-03T09:30:${String(i % 60).padStart(2, '0')}Z"`,
        );
      }
    } else if (key === 'wireguard_peers') {
      out.push(
        'wireguard_peers:',
        `  mylaptop: {ip: "172.24.0.1", role: "hub", public_key: "${wgKey(next)}", keys_generated: true}`,
      );
      for (let i = 0; i < vms; i++) {
        const ip = `172.24.${Math.floor((i + 2) / 256)}.${(i + 2) % 256}`;
        out.push(
          `  k0rdent-${id}-worker-${i + 1}: {ip: "${ip}", role: "worker", private_key: "${wgKey(next)}", public_key: "${wgKey(next)}", keys_generated: true}`,
        );
      }
    } else {
      out.push(...block.map((line) => line.replace(/^( {2}wireguard_network: ).*$/, '$1"172.24.0.0/16"')));
    }
  }
  const actions = ['vm_created', 'vm_ready', 'phase_completed', 'health_check', 'wg_peer_added', 'retry'];
  out.push('events:');
  const start = Date.parse('2025-12-03T09:12:44Z');
  for (let i = 0; i < events; i++) {
    const at = new Date(start + i * 7000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const action = actions[Math.floor(next() * actions.length)];
    out.push(
      `  - {timestamp: "${at}", action: "${action}", message: "${action} for k0rdent-${id}-worker-${(i % vms) + 1} (attempt ${1 + (i % 3)})"}`,
    );
  }
  return `${out.join('\n')}\n`;
}

/** Writes the migration inputs: one folder per scale with `state/deployment-state.yaml`. */
export async function writeMigrateSet(root, dir, scales, base = { vms: 300, events: 20000 }) {
  await rm(dir, { recursive: true, force: true });
  const inputs = [];
  for (const scale of scales) {
    const text = await bigV1(root, { vms: base.vms * scale, events: base.events * scale });
    const file = join(dir, `input-${scale}x.yaml`);
    await mkdir(dir, { recursive: true });
    await writeFile(file, text);
    inputs.push({ scale, file, bytes: Buffer.byteLength(text) });
  }
  return inputs;
}

// --- Shapes of issue 13 (cost linear in the input) -----------------------------------------------
// Each writes one input of a given size; bench/run.mjs times two sizes of each and checks that
// doubling the input at most 2.3-folds the time.

/** A v1 file (fixtures/v1/e5-deployer.yaml) with `count` unknown top-level keys appended. */
export async function unknownKeysV1(root, count) {
  const base = await readFile(join(root, 'fixtures', 'v1', 'e5-deployer.yaml'), 'utf8');
  const lines = [];
  for (let i = 0; i < count; i++) lines.push(`operator_note_${i}: "kept by hand, note ${i}"`);
  return `${base}${lines.join('\n')}\n`;
}

/** fixtures/v2/mid-run.yaml with `unrecognized` holding `count` keys, in block or flow style. */
export async function manyKeysV2(root, count, { flow = false } = {}) {
  const base = (await readFile(join(root, 'fixtures', 'v2', 'mid-run.yaml'), 'utf8')).replace(
    /^unrecognized:.*\n/m,
    '',
  );
  if (flow) {
    const items = [];
    for (let i = 0; i < count; i++) items.push(`k${i}: ${i % 1000}`);
    return `${base}unrecognized: {${items.join(', ')}}\n`;
  }
  const lines = ['unrecognized:'];
  for (let i = 0; i < count; i++) lines.push(`  k${i}: ${i % 1000}`);
  return `${base}${lines.join('\n')}\n`;
}

/** What `terraform output -json` prints for `count` string outputs of `valueLength` characters. */
export function manyOutputs(count, valueLength = 8) {
  const parts = [];
  for (let i = 0; i < count; i++) {
    const value = `v${i}`.padEnd(valueLength, 'x');
    parts.push(`"output_${i}":{"sensitive":false,"type":"string","value":"${value}"}`);
  }
  return `{${parts.join(',')}}`;
}
