import { type Document, isMap, isScalar, isSeq } from 'yaml';
import { ExitCode, StateError } from '../errors.js';
import type { DeploymentStateV2 } from '../generated/deployment-state.v2.js';
import { schemaV2 } from '../generated/schemas.js';
import { v2PlaceOf } from '../keymap.js';
import { formatUtc } from '../migrate/times.js';
import { blockStyle } from './runs.js';
import { RefusedError, type StateView } from './transaction.js';

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

type SchemaNode = {
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  $ref?: string;
};

function resolveRef(node: SchemaNode | undefined): SchemaNode | undefined {
  if (!node?.$ref) return node;
  const name = node.$ref.replace('#/$defs/', '');
  return (schemaV2.$defs as unknown as Record<string, SchemaNode>)[name];
}

/** The JSON Schema type expected at a v2 path, when the schema says (undefined in open maps). */
export function schemaTypeAt(path: readonly string[]): string[] | undefined {
  let node: SchemaNode | undefined = schemaV2 as unknown as SchemaNode;
  for (const segment of path) {
    node = resolveRef(node);
    if (!node) return undefined;
    const next: SchemaNode | boolean | undefined = node.properties?.[segment] ?? node.additionalProperties;
    if (next === undefined || typeof next === 'boolean') return undefined;
    node = next;
  }
  node = resolveRef(node);
  if (!node?.type) return undefined;
  return Array.isArray(node.type) ? node.type : [node.type];
}

/** A value given on the command line could not be turned into the type its key needs (exit 2). */
export class ValueError extends StateError {
  constructor(message: string) {
    super('bad-value', message, { exitCode: ExitCode.usage });
  }
}

/**
 * Types a command-line value for a path: `--json` parses JSON; otherwise the schema's type
 * decides (a string stays a string, so `aws_account_id 012345678901` keeps its zero), and in
 * open maps true/false become booleans and whole numbers integers.
 */
export function typeValue(raw: string, path: readonly string[], json: boolean): unknown {
  if (json) {
    try {
      return JSON.parse(raw) as unknown;
    } catch (error) {
      throw new ValueError(
        `value ${JSON.stringify(raw)} is not JSON (${(error as Error).message}); drop --json to store it as text`,
      );
    }
  }
  const types = schemaTypeAt(path);
  const wants = (type: string) => types === undefined || types.includes(type);
  if (wants('boolean') && (raw === 'true' || raw === 'false')) return raw === 'true';
  if ((wants('integer') || wants('number')) && /^-?\d+$/.test(raw) && !(types?.includes('string') ?? false)) {
    return Number(raw);
  }
  if (types && !types.includes('string')) {
    throw new ValueError(
      `${path.join('.')} takes ${types.join(' or ')}, not ${JSON.stringify(raw)}; e.g. true, 42, or --json '{...}'`,
    );
  }
  return raw;
}

/** Sets a runtime value (update_runtime_state). Infrastructure keys are refused with a hint. */
export function setRuntime(
  view: StateView,
  key: string,
  raw: string,
  json: boolean,
): { path: string[]; legacy?: string } {
  const route = routeKey(key);
  if (route.layer === 'refused') throw new RefusedError('not-runtime-key', `refused: ${route.reason}`);
  if (route.layer === 'infra') {
    throw new RefusedError(
      'infra-key',
      `refused: ${key} is an infrastructure fact; Terraform owns it: run k0rdent-state infra sync, or k0rdent-state infra set ${route.path.join('.')} JSON`,
    );
  }
  setRuntimeValue(view, route.path, raw, { json, key });
  return { path: route.path, ...(route.legacy ? { legacy: route.legacy } : {}) };
}

/** How {@link setRuntimeValue} reads its value. */
export interface RuntimeValueOptions {
  /** The value is JSON. */
  json?: boolean;
  /**
   * Typed as the old update_state typed values (true/false, `{}`, else text); a value the v2
   * schema cannot take at that place is kept verbatim under `unrecognized` instead of refused.
   */
  legacy?: boolean;
  /** The key as the caller named it (for messages). */
  key?: string;
}

/**
 * Sets the value at a runtime path, typed by the v2 schema (see {@link typeValue}). KOF state is
 * refused while KOF is off; a path through a value that is not a map is refused.
 */
export function setRuntimeValue(
  { doc, state }: StateView,
  path: readonly string[],
  raw: string,
  options: RuntimeValueOptions = {},
): void {
  const key = options.key ?? path.join('.');
  const [section, component] = path;
  if (
    section === 'optional_components' &&
    (component === 'kof' || component === 'azure_csi') &&
    !state.deployment_flags.kof
  ) {
    throw new RefusedError(
      'component-disabled',
      `refused: optional_components.${component} is only kept when deployment_flags.kof is true; start a run with: k0rdent-state run start --kof true`,
    );
  }
  refuseThroughNonMap(
    doc,
    path,
    key,
    (prefix) => `k0rdent-state runtime set ${prefix.join('.')} '{...}' --json`,
  );
  let value: unknown;
  if (options.legacy) {
    try {
      value =
        raw === '{}' && (schemaTypeAt(path)?.includes('object') ?? true) ? {} : typeValue(raw, path, false);
    } catch (error) {
      if (!(error instanceof ValueError)) throw error;
      blockStyle(doc, ['unrecognized']);
      doc.setIn(['unrecognized', key], raw);
      return;
    }
  } else {
    value = typeValue(raw, path, options.json === true);
  }
  for (let length = 1; length < path.length; length++) blockStyle(doc, path.slice(0, length));
  doc.setIn(path, doc.createNode(value));
}

/**
 * Sets a value in the Terraform cache (infrastructure_facts.outputs.PATH). When `stamp` is given
 * and the cache holds Terraform's or the deployer's facts, cache_timestamp becomes that time (the
 * old one is kept as old_cache_timestamp); a cache migrated from v1 keeps its timestamp and stays
 * stale, so that one new value does not make old facts look fresh.
 */
export function setInfraValue(
  { doc, state }: StateView,
  path: readonly string[],
  value: unknown,
  stamp?: Date,
): void {
  refuseThroughNonMap(
    doc,
    ['infrastructure_facts', 'outputs', ...path],
    path.join('.'),
    (prefix) => `k0rdent-state infra set ${prefix.slice(2).join('.')} '{...}'`,
  );
  for (let length = 0; length < path.length; length++) {
    blockStyle(doc, ['infrastructure_facts', 'outputs', ...path.slice(0, length)]);
  }
  doc.setIn(['infrastructure_facts', 'outputs', ...path], doc.createNode(value));
  if (stamp === undefined || state.infrastructure_facts.source === 'migrated_v1') return;
  const previous = state.infrastructure_facts.cache_timestamp;
  if (previous) doc.setIn(['infrastructure_facts', 'old_cache_timestamp'], previous);
  doc.setIn(['infrastructure_facts', 'cache_timestamp'], formatUtc(stamp));
}

/**
 * Refuses a key whose path runs through a value that is not a map (`artifacts.kubeconfig.path`
 * when `artifacts.kubeconfig` is text): there is no place for it without overwriting that value.
 * The value is not quoted: it may be a secret (a sensitive output's value).
 */
function refuseThroughNonMap(
  doc: Document,
  path: readonly string[],
  key: string,
  fix: (prefix: string[]) => string,
): void {
  for (let length = 1; length < path.length; length++) {
    const node = doc.getIn(path.slice(0, length), true);
    if (node === undefined || isMap(node)) continue;
    const value = isScalar(node) ? node.value : undefined;
    const holds = isSeq(node)
      ? 'a list'
      : value === null
        ? 'null'
        : typeof value === 'string'
          ? 'text'
          : `a ${typeof value}`;
    throw new RefusedError(
      'update-invalid',
      `refused: ${path.slice(0, length).join('.')} holds ${holds}, not a map, so ${key} has no place under it; replace it with a map first: ${fix(path.slice(0, length))}; the file is unchanged`,
    );
  }
}

/** Sets a value in the infrastructure cache (update_infra_cache); see {@link setInfraValue}. */
export function setInfra(view: StateView, key: string, raw: string, now: Date): string[] {
  const route = routeKey(key);
  const path =
    route.layer === 'infra' ? route.path : key.replace(/^infrastructure_facts\.outputs\./, '').split('.');
  if (route.layer === 'runtime') {
    throw new RefusedError(
      'runtime-key',
      `refused: ${key} is runtime state; use: k0rdent-state runtime set ${key} VALUE`,
    );
  }
  if (path.length === 0 || path.some((segment) => segment === '')) {
    throw new ValueError(
      `infra set needs an output name such as resource_group_name or vm_details.NAME.public_ip`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(raw) as unknown;
  } catch (error) {
    throw new ValueError(
      `infra set takes JSON; ${JSON.stringify(raw)} is not (${(error as Error).message}); quote text: '"${raw}"'`,
    );
  }
  setInfraValue(view, path, value, now);
  return path;
}

/** Where `get` found a value. */
export interface GotValue {
  layer: 'runtime' | 'infra';
  path: string[];
  value: unknown;
}

function lookup(data: unknown, path: readonly string[]): unknown {
  let node = data;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
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

/** True for a secret value: a WireGuard private key, or a sensitive Terraform output. */
export function isSecret(path: readonly string[], value: unknown): boolean {
  if (path.at(-1) === 'private_key') return true;
  return value !== null && typeof value === 'object' && (value as { sensitive?: unknown }).sensitive === true;
}

/**
 * True when the value at `path` (from the root of the state) is a secret or lies inside one, e.g.
 * the `value` of a sensitive output stored with `--include-sensitive`.
 */
export function isSecretPath(state: DeploymentStateV2, path: readonly string[]): boolean {
  for (let length = 1; length <= path.length; length++) {
    const prefix = path.slice(0, length);
    if (isSecret(prefix, lookup(state, prefix))) return true;
  }
  return false;
}

/** A copy of a value with every secret inside replaced by `<redacted>`. */
export function redactSecrets(value: unknown, path: readonly string[] = []): unknown {
  if (isSecret(path, value)) return '<redacted>';
  if (Array.isArray(value)) return value.map((item, index) => redactSecrets(item, [...path, String(index)]));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v, [...path, k])]));
  }
  return value;
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

/** Marks a VM's runtime check as done, with its timestamp. */
export function markVm({ doc }: StateView, vm: string, check: string, now: Date): void {
  const stamp = formatUtc(now);
  if (check === 'ssh-verified') {
    doc.setIn(['vm_runtime_status', vm, 'ssh_verified'], true);
    doc.setIn(['vm_runtime_status', vm, 'verification_timestamp'], stamp);
  } else if (check === 'cloud-init-complete') {
    doc.setIn(['vm_runtime_status', vm, 'cloud_init_complete'], true);
    doc.setIn(['vm_runtime_status', vm, 'completion_timestamp'], stamp);
  } else {
    throw new ValueError(`unknown VM check "${check}"; use ssh-verified or cloud-init-complete`);
  }
}

/** v1 field names of vm_states, mapped to their names in vm_details. */
export const VM_FIELD_ALIASES: Readonly<Record<string, string>> = { state: 'provisioning_state' };
