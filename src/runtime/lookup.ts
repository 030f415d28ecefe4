// The read side of the runtime values: where a key lives (routeKey), looking a value up, and the
// freshness of the Terraform cache. Free of the YAML library and the schema, so
// that a query (`get`, `vm info`) on a v2 file loads neither; src/runtime/values.ts re-exports it.

import type { DeploymentStateV2 } from '../generated/deployment-state.v2.js';
import { VM_FIELD_MAP, v2PlaceOf } from '../keymap.js';
import { ownChild } from '../secrets.js';

/** Top-level sections the runtime layer owns (`runtime set` may write under them). */
export const RUNTIME_SECTIONS = [
  'wireguard_config',
  'k0s_cluster_state',
  'k0rdent_install_state',
  'vm_runtime_status',
  'optional_components',
  'cloud_credentials',
  'artifacts',
] as const;

const INFRA_KEYS = [
  'infrastructure_facts',
  'terraform_state_path',
  'terraform_backend',
  'terraform_version',
  'last_terraform_sync',
];

/** Where a key given on the command line lives. */
export type KeyRoute =
  | { layer: 'runtime'; path: string[]; legacy?: string }
  | { layer: 'infra'; path: string[]; legacy?: string }
  | { layer: 'refused'; reason: string };

/**
 * Routes a key to its layer: a dotted v2 path, or a v1 key name (`wg_vpn_connected`,
 * `wireguard_peers.HOST.ip`, `vm_states.VM.state`) as the old update_state took it, mapped to its
 * v2 place by the one key map (src/keymap.ts).
 */
export function routeKey(key: string): KeyRoute {
  const path = key.split('.').filter((segment) => segment !== '');
  const place = v2PlaceOf(path);
  const legacy = (mapped: readonly string[]) => (mapped.join('.') === path.join('.') ? {} : { legacy: key });
  switch (place.kind) {
    case 'runtime':
    case 'optional':
      return { layer: 'runtime', path: place.path, ...legacy(place.path) };
    case 'infra':
      return { layer: 'infra', path: place.path, legacy: key };
    case 'flag':
    case 'flags':
      return {
        layer: 'refused',
        reason: `flags are set when a run starts: k0rdent-state run start --kof BOOL --azure-children BOOL`,
      };
    case 'run':
      return {
        layer: 'refused',
        reason:
          key === 'phase' || key === 'status'
            ? `${key} belongs to runs and phases: use k0rdent-state phase set / run start / run complete`
            : `${key} is recorded by the run: k0rdent-state run start / run complete`,
      };
    case 'phase':
    case 'phases':
      return {
        layer: 'refused',
        reason: `${key} belongs to runs and phases: use k0rdent-state phase set / run start / run complete`,
      };
    default:
      break;
  }
  const top = path[0] ?? '';
  if (top === 'infrastructure_facts' && path[1] === 'outputs') return { layer: 'infra', path: path.slice(2) };
  if (INFRA_KEYS.includes(top)) {
    return {
      layer: 'refused',
      reason: `${key} is infrastructure state, written by: k0rdent-state infra sync (or infra set OUTPUT JSON)`,
    };
  }
  if ((RUNTIME_SECTIONS as readonly string[]).includes(top)) {
    return path.length >= 2
      ? { layer: 'runtime', path }
      : {
          layer: 'refused',
          reason: `${key} is a whole section; name a key inside it, e.g. ${SECTION_EXAMPLES[top] ?? `${top}.NAME`}`,
        };
  }
  if (['current_run_id', 'deployment_runs'].includes(top)) {
    return {
      layer: 'refused',
      reason: `${key} belongs to runs and phases: use k0rdent-state phase set / run start / run complete`,
    };
  }
  return {
    layer: 'refused',
    reason: `${key} is not a runtime key; runtime keys live under ${RUNTIME_SECTIONS.join(', ')} (e.g. wireguard_config.vpn_connected)`,
  };
}

/** An example key inside each runtime section, for messages. */
const SECTION_EXAMPLES: Readonly<Record<string, string>> = {
  wireguard_config: 'wireguard_config.vpn_connected',
  k0s_cluster_state: 'k0s_cluster_state.deployed',
  k0rdent_install_state: 'k0rdent_install_state.installed',
  vm_runtime_status: 'vm_runtime_status.VM.ssh_verified',
  optional_components: 'optional_components.kof.mothership_installed',
  cloud_credentials: 'cloud_credentials.aws.configured',
  artifacts: 'artifacts.NAME.path',
};

/** Where `get` found a value. */
export interface GotValue {
  layer: 'runtime' | 'infra';
  path: string[];
  value: unknown;
}

function lookup(data: unknown, path: readonly string[]): unknown {
  let node = data;
  for (const segment of path) node = ownChild(node, segment);
  return node;
}

/** Looks a key up: the runtime layer first (and the rest of the file), then the infrastructure cache. */
export function getValue(state: DeploymentStateV2, key: string): GotValue | undefined {
  const route = routeKey(key);
  const direct = key.split('.').filter((segment) => segment !== '');
  const runtimePath = route.layer === 'runtime' ? route.path : direct;
  if (route.layer !== 'infra' && runtimePath[0] !== 'infrastructure_facts') {
    const value = lookup(state, runtimePath);
    if (value !== undefined) return { layer: 'runtime', path: runtimePath, value };
  }
  if (route.layer !== 'infra' && direct[0] === 'infrastructure_facts') {
    // Cache metadata (cache_timestamp, stale, ...) rather than an output.
    const value = lookup(state, direct);
    return value === undefined ? undefined : { layer: 'runtime', path: direct, value };
  }
  const infraPath = route.layer === 'infra' ? route.path : direct;
  const value = lookup(state.infrastructure_facts.outputs, infraPath);
  if (value !== undefined)
    return { layer: 'infra', path: ['infrastructure_facts', 'outputs', ...infraPath], value };
  return undefined;
}

/** Formats a value as `get` prints it: scalars as text, maps and lists as one-line JSON. */
export function formatValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Age of the infrastructure cache in seconds, or undefined when it has no timestamp. */
export function cacheAgeSeconds(state: DeploymentStateV2, now: Date): number | undefined {
  const stamp = state.infrastructure_facts.cache_timestamp;
  if (!stamp) return undefined;
  return Math.max(0, Math.floor((now.getTime() - Date.parse(stamp)) / 1000));
}

/** Parses a duration such as `90s`, `15m`, `1h`, `2d`, `1h30m` into seconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const units: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
  if (/^\d+$/.test(text)) return Number(text);
  const parts = [...text.matchAll(/(\d+)([smhd])/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return undefined;
  return parts.reduce((sum, part) => sum + Number(part[1]) * (units[part[2] as string] ?? 0), 0);
}

/** Formats seconds for people: `45s`, `12m 05s`, `3h 02m`, `2d 4h`. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
  if (seconds < 86400)
    return `${Math.floor(seconds / 3600)}h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(seconds / 86400)}d ${Math.floor((seconds % 86400) / 3600)}h`;
}

/** The warning `get` prints when an infrastructure value comes from an old or stale cache. */
export function freshnessWarning(
  state: DeploymentStateV2,
  now: Date,
  maxAgeSeconds: number,
): string | undefined {
  const age = cacheAgeSeconds(state, now);
  const stale = state.infrastructure_facts.stale;
  if (!stale && age !== undefined && age <= maxAgeSeconds) return undefined;
  const why = stale
    ? `is marked stale (source: ${state.infrastructure_facts.source})`
    : age === undefined
      ? 'has no cache_timestamp'
      : `is ${formatDuration(age)} old (limit ${formatDuration(maxAgeSeconds)})`;
  return `the infrastructure cache ${why}${age !== undefined && stale ? `, taken ${formatDuration(age)} ago` : ''}; refresh it with: k0rdent-state infra sync`;
}

/** v1 field names of vm_states, mapped to their names in vm_details. */
export const VM_FIELD_ALIASES: Readonly<Record<string, string>> = VM_FIELD_MAP;
