// An independent leaf tracer for the v1 -> v2 migration (issue 15): written from the key map
// table of the data contract (../shared/docs/state-format.md, section 3), not from the migration's
// code nor from the change list it reports. Every leaf of a v1 file (a scalar, or an empty map or
// list) must be at its v2 place, or in `unrecognized` under a dotted prefix of its v1 path, or
// listed as pruned in the report; strings and numbers with their exact text, times as the same
// instant with the same fraction of a second. Nothing here imports the migration.
import { type Document, isMap, isScalar, isSeq, type Node, type Scalar } from 'yaml';

/** One leaf of the input and why it was not found, when it was not. */
export interface LostLeaf {
  path: string;
  text: string;
  why: string;
}

type Segment = string | number;
type Leaf = { path: Segment[]; node: Node | null };

// The key map table of the contract, v1 top-level key -> v2 path (for the keys that move).
const MOVED: Record<string, Segment[]> = {
  last_updated: ['infrastructure_facts', 'cache_timestamp'],
  deployment_flags_kof: ['deployment_flags', 'kof'],
  deployment_flags_azure_children: ['deployment_flags', 'azure_children'],
  azure_rg_status: ['infrastructure_facts', 'outputs', 'resource_group', 'status'],
  azure_network_status: ['infrastructure_facts', 'outputs', 'network', 'status'],
  azure_ssh_key_status: ['infrastructure_facts', 'outputs', 'ssh_key', 'status'],
  vm_states: ['infrastructure_facts', 'outputs', 'vm_details'],
  wg_keys_generated: ['wireguard_config', 'keys_generated'],
  wg_laptop_config_created: ['wireguard_config', 'laptop_config_created'],
  wg_vpn_connected: ['wireguard_config', 'vpn_connected'],
  wg_setup_method: ['wireguard_config', 'setup_method'],
  wg_macos_interface: ['wireguard_config', 'macos_interface'],
  wireguard_peers: ['wireguard_config', 'peers'],
  k0s_config_generated: ['k0s_cluster_state', 'config_generated'],
  k0s_cluster_deployed: ['k0s_cluster_state', 'deployed'],
  network_validation_failed: ['k0s_cluster_state', 'network_validation_failed'],
  k0rdent_installed: ['k0rdent_install_state', 'installed'],
  k0rdent_ready: ['k0rdent_install_state', 'ready'],
  k0rdent_ready_partial: ['k0rdent_install_state', 'ready_partial'],
  azure_csi_installed: ['optional_components', 'azure_csi', 'installed'],
  aws_credentials_configured: ['cloud_credentials', 'aws', 'configured'],
  aws_account_id: ['cloud_credentials', 'aws', 'account_id'],
  aws_role_arn: ['cloud_credentials', 'aws', 'role_arn'],
  aws_profile_name: ['cloud_credentials', 'aws', 'profile_name'],
  phase: ['deployment_runs', 0, 'current_phase'],
  status: ['deployment_runs', 0, 'source_status'],
  deployment_start_time: ['deployment_runs', 0, 'source_timing', 'deployment_start_time'],
  deployment_end_time: ['deployment_runs', 0, 'source_timing', 'deployment_end_time'],
  deployment_duration_seconds: ['deployment_runs', 0, 'source_timing', 'deployment_duration_seconds'],
  error_exit_code: ['deployment_runs', 0, 'error', 'exit_code'],
  events: ['deployment_runs', 0, 'events'],
};
// Kept at the same place.
const SAME = new Set([
  'deployment_id',
  'deployer',
  'created_at',
  'source_config_file',
  'config',
  'artifacts',
]);
const KOF = [
  'mothership_installed',
  'mothership_version',
  'mothership_namespace',
  'regional_installed',
  'regional_version',
  'regional_cluster_name',
  'regional_domain',
  'regional_namespace',
  'regional_cluster_label',
  'child_installed',
  'child_version',
  'child_namespace',
  'child_regional_cluster',
  'child_cluster_label',
];

// The v2 places a v1 leaf may be at, per the key map (not counting unrecognized).
function places(path: Segment[]): Segment[][] {
  const [top, ...rest] = path as [string, ...Segment[]];
  if (SAME.has(top)) return [path];
  if (top === 'deployment_flags') return [path];
  if (top === 'phases') return [path, ['deployment_runs', 0, 'phases', ...rest]];
  if (top.startsWith('kof_') && KOF.includes(top.slice(4)))
    return [['optional_components', 'kof', top.slice(4), ...rest]];
  if (top === 'vm_states' && rest[1] === 'state') {
    return [
      [
        'infrastructure_facts',
        'outputs',
        'vm_details',
        rest[0] as Segment,
        'provisioning_state',
        ...rest.slice(2),
      ],
    ];
  }
  if (top === 'events' && typeof rest[0] === 'number') {
    // Items that are not events are carried out of the list: later ones move up.
    const index = rest[0];
    return Array.from({ length: index + 1 }, (_, i) => [
      'deployment_runs',
      0,
      'events',
      index - i,
      ...rest.slice(1),
    ]);
  }
  const moved = MOVED[top];
  return moved ? [[...moved, ...rest]] : [];
}

// The places under unrecognized: a dotted prefix of the v1 path as the key (or that key with a
// " (2)" ... suffix when the name was taken), then the rest of the path.
function carried(output: Document, path: Segment[]): Node[] {
  const unrecognized = output.getIn(['unrecognized'], true);
  if (!isMap(unrecognized)) return [];
  const found: Node[] = [];
  for (let cut = 1; cut <= path.length; cut++) {
    const name = path.slice(0, cut).map(String).join('.');
    for (const pair of unrecognized.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (key === name || key.startsWith(`${name} (`)) {
        const node = nodeAt(pair.value as Node | null, path.slice(cut));
        if (node !== undefined) found.push(node as Node);
      }
    }
  }
  return found;
}

function nodeAt(node: Node | null | undefined, path: Segment[]): Node | null | undefined {
  let at: unknown = node;
  for (const segment of path) {
    if (isMap(at)) {
      const pair = at.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) return undefined;
      at = pair.value;
    } else if (isSeq(at) && typeof segment === 'number') {
      at = at.items[segment];
      if (at === undefined) return undefined;
    } else {
      return undefined;
    }
  }
  return at as Node | null;
}

function leavesOf(node: Node | null, path: Segment[], out: Leaf[]): void {
  if (isMap(node) && node.items.length > 0) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      leavesOf(pair.value as Node | null, [...path, key], out);
    }
  } else if (isSeq(node) && node.items.length > 0) {
    node.items.forEach((item, index) => {
      leavesOf(item as Node | null, [...path, index], out);
    });
  } else {
    out.push({ path, node });
  }
}

/** A scalar's text as written: a string's value, a number's or boolean's source token; null for null. */
function textOf(node: Node | null | undefined): string | null | undefined {
  if (node === undefined) return undefined;
  if (node === null) return null;
  if (isMap(node)) return node.items.length === 0 ? '{}' : undefined;
  if (isSeq(node)) return node.items.length === 0 ? '[]' : undefined;
  if (!isScalar(node)) return undefined;
  const { value } = node as Scalar;
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  // Numbers and booleans as spelled (`0x1F`, `True`).
  return (node as Scalar).source ?? String(value);
}

// A time read by this test on its own: the zones of the README's list, numeric offsets.
const ZONES: Record<string, number> = {
  UTC: 0,
  GMT: 0,
  Z: 0,
  WET: 0,
  WEST: 60,
  CET: 60,
  CEST: 120,
  EET: 120,
  EEST: 180,
  MSK: 180,
  GST: 240,
  SGT: 480,
  HKT: 480,
  AWST: 480,
  JST: 540,
  KST: 540,
  ACST: 570,
  ACDT: 630,
  AEST: 600,
  AEDT: 660,
  NZST: 720,
  NZDT: 780,
  HST: -600,
  AKST: -540,
  AKDT: -480,
  PST: -480,
  PDT: -420,
  MST: -420,
  MDT: -360,
  CDT: -300,
  EST: -300,
  EDT: -240,
};
function instant(text: string): { ms: number; fraction: string } | undefined {
  const m =
    /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d)(?::(\d\d)(?:\.(\d+))?)?\s*(Z|[+-]\d\d(?::?\d\d)?|[A-Za-z]+)$/.exec(
      text.trim(),
    );
  if (!m) return undefined;
  const [, date, hm, sec = '00', fraction = '', zone = ''] = m;
  let offset = ZONES[zone.toUpperCase()];
  if (/^[+-]/.test(zone)) {
    const digits = zone.slice(1).replace(':', '');
    offset = (zone[0] === '-' ? -1 : 1) * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0'));
  }
  if (offset === undefined) return undefined;
  const ms = Date.parse(`${date}T${hm}:${sec}Z`);
  return Number.isNaN(ms) ? undefined : { ms: ms - offset * 60_000, fraction };
}

// Whether `out` (a node at a v2 place) holds the input leaf's text.
function holds(input: string | null, out: Node | null | undefined): boolean {
  if (out === undefined) return false;
  // null: not set. The place is kept null, or filled in (a fallback, a pending status).
  if (input === null) return true;
  // An empty map or list, or its legacy spelling as text ('{}', '[]'), for a collection (filled in
  // or not: `deployment_flags: {}` gets both flags).
  if (/^\s*(\{\s*\}|\[\s*\])\s*$/.test(input) && (isMap(out) || isSeq(out))) return true;
  const text = textOf(out);
  if (text === undefined || text === null) return false;
  if (text === input) return true;
  // A quoted integer of v1 written as the integer of v2 ("0051846" -> 51846).
  if (/^-?\d+$/.test(input) && /^-?\d+$/.test(text) && BigInt(input) === BigInt(text)) return true;
  // A time converted to UTC: the same instant, the same fraction of a second.
  const before = instant(input);
  const after = instant(text);
  return (
    before !== undefined &&
    after !== undefined &&
    text.endsWith('Z') &&
    before.ms === after.ms &&
    before.fraction === after.fraction
  );
}

/**
 * Every leaf of `input` (a v1 Document) that `output` (the migrated v2 Document) does not have at
 * its place, in unrecognized, or among `pruned` (the dotted v1 paths the report lists as pruned).
 */
export function lostLeaves(input: Document, output: Document, pruned: readonly string[]): LostLeaf[] {
  const leaves: Leaf[] = [];
  leavesOf(input.contents as Node | null, [], leaves);
  const lost: LostLeaf[] = [];
  for (const leaf of leaves) {
    const text = textOf(leaf.node);
    if (text === undefined) continue; // an alias or a tag the test does not follow
    const dotted = leaf.path.map(String).join('.');
    if (pruned.some((p) => dotted === p || dotted.startsWith(`${p}.`))) continue;
    if (leaf.path[0] === 'schema_version') {
      if (output.get('schema_version') === 2) continue;
    }
    const candidates = [
      ...places(leaf.path).map((path) => nodeAt(output.contents as Node, path)),
      ...carried(output, leaf.path),
    ];
    if (candidates.some((node) => node !== undefined && holds(text, node))) continue;
    lost.push({
      path: dotted,
      text: String(text),
      why:
        candidates.length === 0
          ? 'not at its place, not in unrecognized, not pruned'
          : `found ${candidates.map((node) => JSON.stringify(textOf(node) ?? null)).join(', ')}`,
    });
  }
  return lost;
}
