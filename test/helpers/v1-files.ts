// Generators of v1 state files for the property tests: every era E0–E6, random subsets of the
// known keys, unknown keys, legacy strings ("true", "51846"), local times, flags in the map and
// as flat keys, peers with private keys (in every quoting style), inline events and comments,
// rendered to YAML text by hand as yq, the heredoc template and hand edits wrote them.
import fc from 'fast-check';
import { PHASES } from '../../src/phases.js';

// A small YAML model, rendered to text by hand (block and flow style, comments, quoting styles),
// so the files look like what yq, the heredoc template and hand edits produced.

/** A YAML node of the model, rendered to text by hand. */
export type YNode =
  // `nextLine`: the value written on the line after its key (block style: `key:` then the value
  // indented below, optionally after a comment; flow style: the flow mapping broken after the colon).
  | { kind: 'scalar'; text: string; nextLine?: { comment?: string } }
  | { kind: 'map'; entries: YEntry[]; flow: boolean }
  | { kind: 'seq'; items: YNode[]; flow: boolean };
/** A key of a mapping, with its comments. */
export interface YEntry {
  key: string;
  value: YNode;
  comment?: string;
  trailing?: string;
}

/** A scalar, as its YAML text. */
export const scalar = (text: string): YNode => ({ kind: 'scalar', text });
/** A mapping, flow or block. */
export const map = (entries: YEntry[], flow = false): YNode => ({ kind: 'map', entries, flow });
/** A key and its value (the key quoted when it must be). */
export const entry = (key: string, value: YNode): YEntry => ({ key: renderKey(key), value });

function renderKey(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key) ? key : JSON.stringify(key);
}

function renderFlow(node: YNode): string {
  // Continued on the next line, indented more than any block key above it.
  if (node.kind === 'scalar') return node.nextLine ? `\n        ${node.text}` : node.text;
  // An empty scalar (null) cannot stand alone between commas: write it as null.
  const child = (n: YNode) => (n.kind === 'scalar' && n.text === '' ? 'null' : renderFlow(n));
  if (node.kind === 'seq') return `[${node.items.map(child).join(', ')}]`;
  return `{${node.entries.map((e) => `${e.key}: ${child(e.value)}`).join(', ')}}`;
}

function isCollapsed(node: YNode): boolean {
  if (node.kind === 'scalar') return true;
  return node.flow || (node.kind === 'map' ? node.entries.length === 0 : node.items.length === 0);
}

function renderEntries(entries: readonly YEntry[], indent: number, out: string[]): void {
  const pad = ' '.repeat(indent);
  for (const e of entries) {
    if (e.comment !== undefined) out.push(`${pad}#${e.comment === '' ? '' : ` ${e.comment}`}`);
    const trailing = e.trailing === undefined ? '' : `  # ${e.trailing}`;
    const value = e.value;
    // An explicit key (`? key` on its line, `: value` on the next): scalar values only.
    if (e.key.startsWith('? ') && value.kind === 'scalar') {
      out.push(`${pad}${e.key}${trailing}`);
      // A block scalar's content goes below the `: header` line, indented.
      const [first, ...content] = value.nextLine ? [value.text] : value.text.split('\n');
      out.push(`${pad}: ${first}`);
      for (const line of content) out.push(line === '' ? '' : `${pad}  ${line}`);
    } else if (value.kind === 'scalar' && value.nextLine) {
      const comment = value.nextLine.comment === undefined ? trailing : `   # ${value.nextLine.comment}`;
      out.push(`${pad}${e.key}:${comment}`);
      out.push(`${pad}    ${value.text}`);
    } else if (value.kind === 'scalar' && /^[|>]/.test(value.text)) {
      // A block scalar: the header on the key's line, the content indented below it.
      const [header, ...content] = value.text.split('\n');
      out.push(`${pad}${e.key}: ${header}${trailing}`);
      for (const line of content) out.push(line === '' ? '' : `${pad}  ${line}`);
    } else if (isCollapsed(value)) {
      const text = renderFlow(value);
      out.push(`${pad}${e.key}:${text === '' ? '' : ` ${text}`}${trailing}`);
    } else if (value.kind === 'map') {
      out.push(`${pad}${e.key}:${trailing}`);
      renderEntries(value.entries, indent + 2, out);
    } else if (value.kind === 'seq') {
      out.push(`${pad}${e.key}:${trailing}`);
      for (const item of value.items) renderItem(item, indent + 2, out);
    }
  }
}

function renderItem(item: YNode, indent: number, out: string[]): void {
  const pad = ' '.repeat(indent);
  if (item.kind === 'map' && !isCollapsed(item)) {
    // A compact mapping: its first key on the dash line.
    const lines: string[] = [];
    const [first, ...rest] = item.entries as [YEntry, ...YEntry[]];
    renderEntries([{ ...first, comment: undefined }, ...rest], indent + 2, lines);
    lines[0] = `${pad}- ${(lines[0] as string).slice(indent + 2)}`;
    out.push(...lines);
  } else {
    out.push(`${pad}- ${renderFlow(item)}`);
  }
}

/** Renders a top-level mapping as a file: optional header comment, LF or CRLF, optional BOM. */
export function renderFile(entries: readonly YEntry[], header: boolean, crlf: boolean, bom: boolean): string {
  const out: string[] = header ? ['# k0rdent Deployment State'] : [];
  renderEntries(entries, 0, out);
  const text = `${out.join('\n')}\n`;
  return `${bom ? '\ufeff' : ''}${crlf ? text.replace(/\n/g, '\r\n') : text}`;
}

// ---------------------------------------------------------------------------------------------
// Scalars in the styles the deployer and operators wrote.

/** fast-check's generator of one value (fc.gen()). */
export type G = fc.GeneratorValue;

// Building an arbitrary (fc.stringMatching above all) costs far more than drawing from it: each
// pattern is built once and drawn from many times.
const patterns = new Map<string, fc.Arbitrary<string>>();
const draw = <T>(g: G, arbitrary: fc.Arbitrary<T>): T => g(() => arbitrary);
/** An integer in [min, max]. */
export const int = (g: G, min: number, max: number): number => g(fc.integer, { min, max });
/** One of the values. */
export const pick = <T>(g: G, ...values: T[]): T => values[int(g, 0, values.length - 1)] as T;
/** True `percent` times out of 100. */
export const chance = (g: G, percent: number): boolean => int(g, 0, 99) < percent;
/** A string matching the pattern. */
export function matching(g: G, pattern: RegExp): string {
  let arbitrary = patterns.get(pattern.source);
  if (!arbitrary) {
    arbitrary = fc.stringMatching(pattern);
    patterns.set(pattern.source, arbitrary);
  }
  return draw(g, arbitrary);
}
/** The items in a random order. */
export function shuffle<T>(g: G, items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = int(g, 0, i);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}
/** Distinct strings matching the pattern, at most `maxLength`. */
export function uniqueMatching(g: G, pattern: RegExp, maxLength: number): string[] {
  return [...new Set(Array.from({ length: int(g, 0, maxLength) }, () => matching(g, pattern)))];
}

// Plain (unquoted) text that YAML 1.2 core reads back as the same string.
const PLAIN_SAFE = /^[A-Za-z][A-Za-z0-9_./+-]*$/;
const PLAIN_WORDS = /^(true|false|null|y|n|yes|no|on|off)$/i;

/** A string as YAML text: double-quoted, single-quoted, or plain when that reads back as the same string. */
export function str(g: G, value: string): YNode {
  const plainOk = PLAIN_SAFE.test(value) && !PLAIN_WORDS.test(value);
  const singleOk = /^[\x20-\x7e]*$/.test(value);
  const style = pick(g, 'double', 'double', 'single', 'plain');
  if (style === 'plain' && plainOk) return scalar(value);
  if (style === 'single' && singleOk) return scalar(`'${value.replace(/'/g, "''")}'`);
  return scalar(JSON.stringify(value));
}

/** A legacy boolean: true/false, or the E0 strings "true"/"false". */
export function legacyBool(g: G, value = g(fc.boolean)): YNode {
  return chance(g, 30) ? scalar(pick(g, `"${value}"`, `'${value}'`)) : scalar(String(value));
}

/** A legacy integer: an integer or a quoted integer, as update_state wrote numbers. */
function legacyInt(g: G, min: number, max: number): YNode {
  const value = int(g, min, max);
  return chance(g, 50) ? scalar(`"${value}"`) : scalar(String(value));
}

/** An ISO-8601 UTC time between the first deployer (2025-06) and 2026, optionally with an offset. */
export function isoTime(g: G): string {
  const ms = Date.UTC(2025, 5, 1) + int(g, 0, 210 * 86400) * 1000;
  const utc = new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (!chance(g, 10)) return utc;
  // The same instant written with a +08:00 offset: valid date-time, converted to UTC by the migration.
  const local = new Date(ms + 8 * 3600_000).toISOString().replace(/\.\d{3}Z$/, '+08:00');
  return local;
}

/** deployment_start_time / deployment_end_time: ISO UTC, or local wall-clock time with a zone. */
export function looseTime(g: G): YNode {
  const iso = isoTime(g).replace(/\+08:00$/, 'Z');
  const wall = iso.replace('T', ' ').replace(/Z$/, '');
  const zone = pick(g, ' +08', ' -05', ' +0530', ' PST', ' CET', ' SGT', ' UTC', ' CST', ' IST', '');
  const form = pick(g, 'iso', 'local', 'local');
  return form === 'iso' ? str(g, iso) : scalar(`${wall}${zone}`);
}

const ASCII_TEXT = fc.string({ maxLength: 24 });
const UNICODE_TEXT = fc.string({ unit: 'grapheme', maxLength: 12 });
const KEY_BYTES = fc.uint8Array({ minLength: 32, maxLength: 32 });

/** Random text: ASCII mostly, sometimes any Unicode, with quotes, colons, hashes and newlines. */
export function anyText(g: G): string {
  const kind = pick(g, 'word', 'word', 'ascii', 'unicode', 'tricky');
  if (kind === 'word') return matching(g, /^[a-z][a-z0-9_-]{0,11}$/);
  if (kind === 'ascii') return draw(g, ASCII_TEXT);
  if (kind === 'unicode') return draw(g, UNICODE_TEXT);
  return pick(
    g,
    '',
    ' ',
    'a: b',
    'x #y',
    '- item',
    "it's",
    'say "hi"',
    'line one\nline two',
    'tab\there',
    '{}',
    '[1, 2]',
    '~',
    'null',
    'yes',
    'off',
    '0777',
    '1_000',
    '2025-07-19 14:36:43 +08',
    '*alias',
    '&anchor',
    '!tag',
    '%YAML',
    '@at',
    '`tick',
  );
}

/** A value of an unknown key: any scalar type or (to depth 2) a map or a list. */
export function anyValue(g: G, depth = 0): YNode {
  const kind =
    depth >= 2
      ? pick(g, 'string', 'int', 'bool', 'null', 'float')
      : pick(g, 'string', 'string', 'int', 'bool', 'null', 'float', 'map', 'list');
  switch (kind) {
    case 'int':
      return scalar(String(int(g, -1_000_000, 1_000_000_000)));
    case 'float':
      // With the spellings a double cannot hold, or that the library wrote otherwise (issue 13, item 5).
      return scalar(
        pick(
          g,
          '1.5',
          '-0.25',
          '3.0',
          '1e3',
          '.inf',
          '-.Inf',
          '.nan',
          '0.1',
          '12345678901234567890',
          '0.1000000000000000055511151231257827',
          '99999999999999999999999',
          '0x1F',
          '-0',
        ),
      );
    case 'bool':
      return scalar(pick(g, 'true', 'false', 'True', 'FALSE'));
    case 'null':
      return scalar(pick(g, 'null', '~', 'Null', ''));
    case 'map': {
      const keys = uniqueMatching(g, /^[a-z][a-z0-9_]{0,7}$/, 4);
      return map(
        keys.map((key) => entry(key, anyValue(g, depth + 1))),
        chance(g, 40),
      );
    }
    case 'list':
      return {
        kind: 'seq',
        items: Array.from({ length: int(g, 0, 3) }, () => anyValue(g, depth + 1)),
        flow: chance(g, 50),
      };
    default:
      return str(g, anyText(g));
  }
}

/** A WireGuard key: 32 random bytes in base64 (44 characters), as `wg genkey` prints. */
export function wgKey(g: G): string {
  return Buffer.from(draw(g, KEY_BYTES)).toString('base64');
}

// ---------------------------------------------------------------------------------------------
// v1 files of every era.

const KNOWN_V1 = new Set([
  'deployment_id',
  'deployer',
  'created_at',
  'last_updated',
  'phase',
  'status',
  'source_config_file',
  'deployment_flags',
  'deployment_flags_azure_children',
  'deployment_flags_kof',
  'config',
  'azure_rg_status',
  'azure_network_status',
  'azure_ssh_key_status',
  'vm_states',
  'wg_keys_generated',
  'wg_laptop_config_created',
  'wg_vpn_connected',
  'wg_setup_method',
  'wg_macos_interface',
  'wireguard_peers',
  'k0s_config_generated',
  'k0s_cluster_deployed',
  'k0rdent_installed',
  'k0rdent_ready',
  'k0rdent_ready_partial',
  'network_validation_failed',
  'azure_csi_installed',
  'aws_credentials_configured',
  'aws_role_arn',
  'aws_profile_name',
  'aws_account_id',
  'deployment_start_time',
  'deployment_end_time',
  'deployment_duration_seconds',
  'error_exit_code',
  'phases',
  'artifacts',
  'events',
  'schema_version',
]);
// Keys of v2 only. A v1 file that has one (a hand edit, a v2 file that lost its schema_version
// line) carries unknown data under that name. migrations_applied is left out: finalize-v2 appends
// to an earlier record, so a v1 file is expected to have none, or a valid one.
const V2_NAMES = [
  'terraform_state_path',
  'terraform_backend',
  'terraform_version',
  'last_terraform_sync',
  'infrastructure_facts',
  'current_run_id',
  'deployment_runs',
  'wireguard_config',
  'k0s_cluster_state',
  'k0rdent_install_state',
  'vm_runtime_status',
  'optional_components',
  'cloud_credentials',
  'unrecognized',
];

const KOF_STRING_KEYS = [
  'kof_mothership_version',
  'kof_mothership_namespace',
  'kof_regional_version',
  'kof_regional_cluster_name',
  'kof_regional_domain',
  'kof_regional_namespace',
  'kof_regional_cluster_label',
  'kof_child_version',
  'kof_child_namespace',
  'kof_child_regional_cluster',
  'kof_child_cluster_label',
];
const KOF_BOOL_KEYS = ['kof_mothership_installed', 'kof_regional_installed', 'kof_child_installed'];
const BOOL_KEYS = [
  'k0s_config_generated',
  'k0s_cluster_deployed',
  'k0rdent_installed',
  'k0rdent_ready',
  'k0rdent_ready_partial',
  'network_validation_failed',
  'azure_csi_installed',
  'aws_credentials_configured',
  ...KOF_BOOL_KEYS,
];
const PHASE_LABELS = [
  'preparation',
  'vms_ready',
  'azure_ready',
  'k0s_deployed',
  'k0rdent_deployed',
  'reset',
  'completed',
];

/** A generated v1 file: its text and the private keys it holds. */
export interface GeneratedV1 {
  era: number;
  text: string;
  secrets: string[];
}

function phaseEntry(g: G, era: number): YNode {
  const status = pick(g, 'pending', 'in_progress', 'completed', ...(era >= 6 ? ['skipped'] : []));
  const entries: YEntry[] = [entry('status', str(g, status))];
  if (!chance(g, 10)) entries.push(entry('updated_at', str(g, isoTime(g))));
  if (status === 'skipped' && chance(g, 80)) entries.push(entry('skipped_reason', str(g, anyText(g))));
  if (chance(g, 5)) entries.push(entry(matching(g, /^x_[a-z]{1,6}$/), anyValue(g, 1)));
  // yq writes phase entries in flow style, one per line.
  return map(entries, chance(g, 70));
}

function peer(g: G, role: string, secrets: string[]): YNode {
  const entries: YEntry[] = [];
  let flow = chance(g, 40);
  entries.push(entry('ip', str(g, `172.24.24.${pick(g, 1, 11, 12, 13, 256, 300, 12)}`)));
  entries.push(entry('role', str(g, role)));
  if (chance(g, 90)) {
    const key = wgKey(g);
    secrets.push(key);
    // Mostly double-quoted as yq writes it; also every other way a hand edit can spell it (the
    // secret rule masks by the parsed document, so none of them may show the key: issue 13).
    const style = pick(
      g,
      'double',
      'double',
      'double',
      'single',
      'plain',
      'literal',
      'folded',
      'anchor',
      'tag',
      'next-line',
      'after-comment',
    );
    const keyName = pick(
      g,
      'private_key',
      '"private_key"',
      "'private_key'",
      '"private\\u005fkey"',
      '? private_key',
    );
    // A block scalar, a comment or an explicit key cannot stand in a flow mapping.
    if (['literal', 'folded', 'after-comment'].includes(style) || keyName.startsWith('?')) flow = false;
    const text =
      style === 'single'
        ? `'${key}'`
        : style === 'plain' || style === 'next-line'
          ? key
          : style === 'literal'
            ? `|-\n${key}`
            : style === 'folded'
              ? `>-\n${key}`
              : style === 'anchor'
                ? `&k${secrets.length} "${key}"`
                : style === 'tag'
                  ? `!!str ${key}`
                  : JSON.stringify(key);
    const value: YNode =
      style === 'next-line'
        ? { kind: 'scalar', text, nextLine: {} }
        : style === 'after-comment'
          ? { kind: 'scalar', text: JSON.stringify(key), nextLine: { comment: 'rotated' } }
          : scalar(text);
    entries.push({ key: keyName, value });
  }
  entries.push(entry('public_key', str(g, wgKey(g))));
  if (chance(g, 70)) entries.push(entry('keys_generated', legacyBool(g)));
  if (chance(g, 50)) entries.push(entry('keys_generated_at', str(g, isoTime(g))));
  if (chance(g, 10)) entries.push(entry(pick(g, 'comment', 'endpoint', 'x-note'), anyValue(g, 1)));
  return map(shuffle(g, entries), flow);
}

function buildV1(g: G): GeneratedV1 {
  const era = int(g, 0, 6);
  const secrets: string[] = [];
  const id = `k0rdent-${matching(g, /^[a-z0-9]{8}$/)}`;
  const created = isoTime(g);
  const top: YEntry[] = [];
  const add = (key: string, value: YNode, keep = 85) => {
    if (chance(g, keep)) top.push(entry(key, value));
  };

  top.push(entry('deployment_id', str(g, id)));
  if (era >= 5) add('deployer', str(g, pick(g, 'alice@example.com', 'bob', 'ci-runner')));
  top.push(entry('created_at', str(g, created)));
  top.push(entry('last_updated', str(g, isoTime(g))));
  add('phase', str(g, pick(g, ...PHASE_LABELS, ...PHASES)));
  add('status', str(g, pick(g, 'in_progress', 'completed', 'failed')));

  // Flags: the map (E2+), the flat keys of some E2 scripts, both, or neither (E0, E1).
  if (era >= 2 && chance(g, 85)) {
    const flags: YEntry[] = [];
    if (chance(g, 90)) flags.push(entry('azure_children', legacyBool(g)));
    if (chance(g, 90)) flags.push(entry('kof', legacyBool(g)));
    // v1 allows other keys in the map; v2 has only the two flags.
    if (chance(g, 5)) flags.push(entry(pick(g, 'note', 'kof_version', 'children'), anyValue(g, 1)));
    top.push(entry('deployment_flags', map(flags, chance(g, 30))));
  }
  if (era >= 2 && chance(g, 30)) top.push(entry('deployment_flags_kof', legacyBool(g)));
  if (era >= 2 && chance(g, 30)) top.push(entry('deployment_flags_azure_children', legacyBool(g)));
  if (era >= 4) add('source_config_file', str(g, 'config/k0rdent-default.yaml'));

  const config: YEntry[] = [];
  if (chance(g, 90))
    config.push(entry('azure_location', str(g, pick(g, 'southeastasia', 'eastus', 'westeurope'))));
  if (chance(g, 90)) config.push(entry('resource_group', str(g, `${id}-resgrp`)));
  if (chance(g, 90))
    config.push(entry('controller_count', chance(g, 80) ? scalar(String(int(g, 1, 5))) : legacyInt(g, 1, 5)));
  if (chance(g, 90))
    config.push(entry('worker_count', chance(g, 80) ? scalar(String(int(g, 0, 20))) : legacyInt(g, 0, 20)));
  if (era >= 1 && chance(g, 90))
    config.push(entry('wireguard_network', str(g, pick(g, '172.24.24.0/24', '10.8.0.0/16'))));
  if (chance(g, 90))
    config.push(entry('wireguard_port', chance(g, 70) ? scalar('"51846"') : legacyInt(g, 1024, 65535)));
  if (chance(g, 15)) config.push(entry(matching(g, /^[a-z]{2,8}_extra$/), anyValue(g, 1)));
  top.push(entry('config', map(config, chance(g, 5))));

  add('azure_rg_status', str(g, pick(g, 'not_created', 'created')));
  add('azure_network_status', str(g, pick(g, 'not_created', 'created')));
  add('azure_ssh_key_status', str(g, pick(g, 'not_created', 'created')));
  if (chance(g, 85)) {
    const vmNames = uniqueMatching(g, /^vm-[a-z0-9]{1,6}$/, 4);
    const vmState = (): YNode => {
      const fields: YEntry[] = [];
      if (chance(g, 90)) fields.push(entry('public_ip', str(g, `20.195.1.${int(g, 1, 254)}`)));
      if (chance(g, 90)) fields.push(entry('private_ip', str(g, `10.240.0.${int(g, 4, 254)}`)));
      if (chance(g, 90)) fields.push(entry('state', str(g, pick(g, 'Succeeded', 'Creating', 'Failed'))));
      if (chance(g, 70)) fields.push(entry('last_checked', str(g, isoTime(g))));
      if (chance(g, 5)) fields.push(entry('zone', anyValue(g, 1)));
      return map(fields, chance(g, 30));
    };
    top.push(
      entry(
        'vm_states',
        era === 0 && vmNames.length === 0 && chance(g, 60)
          ? scalar(pick(g, "'{}'", '"{}"'))
          : map(
              vmNames.map((vm) => entry(vm, vmState())),
              vmNames.length === 0,
            ),
      ),
    );
  }
  add('wg_keys_generated', legacyBool(g));
  add('wg_laptop_config_created', legacyBool(g));
  add('wg_vpn_connected', legacyBool(g));
  if (chance(g, 60)) {
    const hosts = uniqueMatching(g, /^[a-z][a-z0-9-]{0,9}$/, 4);
    top.push(
      entry(
        'wireguard_peers',
        map(
          hosts.map((host, index) =>
            entry(host, peer(g, index === 0 ? 'hub' : pick(g, 'controller', 'worker'), secrets)),
          ),
          false,
        ),
      ),
    );
  }
  if (era === 0 && chance(g, 80)) {
    const events = Array.from({ length: int(g, 0, 3) }, () =>
      map(
        [
          entry('timestamp', str(g, isoTime(g))),
          entry('action', str(g, pick(g, 'deployment_started', 'azure_ready', 'vms_ready'))),
          entry('message', str(g, anyText(g))),
          ...(chance(g, 20) ? [entry('phase', str(g, pick(g, ...PHASES)))] : []),
        ],
        chance(g, 70),
      ),
    );
    top.push(entry('events', { kind: 'seq', items: events, flow: events.length === 0 }));
  }
  if (era >= 3 && chance(g, 90)) {
    const names = PHASES.filter(() => chance(g, 60)) as string[];
    const unknown = chance(g, 10) ? [matching(g, /^install_[a-z]{2,8}$/)] : [];
    const phases = [...names, ...unknown.filter((name) => !names.includes(name))];
    top.push(
      entry(
        'phases',
        map(
          phases.map((name) => entry(name, phaseEntry(g, era))),
          phases.length === 0,
        ),
      ),
    );
  }
  if (era >= 3) {
    const artifacts = chance(g, 70)
      ? []
      : [
          entry(
            'kubeconfig',
            map([entry('path', str(g, 'k0sctl-config/kubeconfig')), entry('updated_at', str(g, isoTime(g)))]),
          ),
        ];
    add('artifacts', map(artifacts, artifacts.length === 0));
  }

  // Keys update_state added over the project's life, in random order after the template's.
  const extras: YEntry[] = [];
  for (const key of BOOL_KEYS) if (chance(g, 25)) extras.push(entry(key, legacyBool(g)));
  for (const key of KOF_STRING_KEYS) if (chance(g, 10)) extras.push(entry(key, str(g, anyText(g))));
  for (const key of ['wg_setup_method', 'wg_macos_interface', 'aws_role_arn', 'aws_profile_name'])
    if (chance(g, 15)) extras.push(entry(key, str(g, anyText(g))));
  if (chance(g, 15)) extras.push(entry('aws_account_id', scalar(`"${matching(g, /^[0-9]{12}$/)}"`)));
  if (chance(g, 40)) extras.push(entry('deployment_start_time', looseTime(g)));
  if (chance(g, 30)) extras.push(entry('deployment_end_time', looseTime(g)));
  if (chance(g, 30)) extras.push(entry('deployment_duration_seconds', legacyInt(g, 0, 20_000)));
  if (chance(g, 10)) extras.push(entry('error_exit_code', legacyInt(g, 1, 255)));
  // Unknown keys: operators' notes, keys of other tools, a kof_ key v2 does not know.
  const unknownKeys = Array.from({ length: int(g, 0, 4) }, () =>
    pick(g, 'plain', 'plain', 'kof', 'dotted', 'odd') === 'plain'
      ? matching(g, /^[a-z][a-z0-9_]{0,14}$/)
      : pick(
          g,
          matching(g, /^kof_[a-z]{1,8}$/),
          matching(g, /^[a-z]{1,6}[.-][a-z]{1,6}$/),
          'my key',
          'Operator Note',
          '123',
          'true',
          pick(g, ...V2_NAMES),
        ),
  ).filter(
    (key, index, all) =>
      all.indexOf(key) === index &&
      !KNOWN_V1.has(key) &&
      !KOF_BOOL_KEYS.includes(key) &&
      !KOF_STRING_KEYS.includes(key),
  );
  for (const key of unknownKeys) extras.push(entry(key, anyValue(g)));

  const all = [...top, ...shuffle(g, extras)];
  // Comments above keys and after values, as operators add them.
  for (const e of all) {
    if (chance(g, 8)) e.comment = pick(g, 'set by hand', 'TODO: check', '', 'stale?');
    if (chance(g, 5) && !(e.value.kind === 'scalar' && e.value.text.startsWith('|')))
      e.trailing = pick(g, 'stale: left by an earlier attempt', 'note');
  }
  const text = renderFile(all, chance(g, 80), chance(g, 10), chance(g, 3));
  return { era, text, secrets };
}

/** A v1 state file of a random era E0–E6, as text. */
export const v1File: fc.Arbitrary<GeneratedV1> = fc.gen().map(buildV1);
