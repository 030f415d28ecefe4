import { type Document, isMap, isScalar, isSeq } from 'yaml';
import { ExitCode, StateError } from '../errors.js';
import type { DeploymentStateV2 } from '../generated/deployment-state.v2.js';
import { schemaV2 } from '../generated/schema-v2.js';
import { formatUtc } from '../migrate/times.js';
import { describeJsonError } from '../parse/json-error.js';
import { bendsAsNumber, faithfulNumber, keepJsonNumbers } from '../parse/numbers.js';
import { describeInput } from '../secrets.js';
import { didYouMean } from '../suggest.js';
import { routeKey } from './lookup.js';
import { RefusedError } from './refused.js';
import { blockStyle } from './runs.js';
import type { StateView } from './transaction.js';

// The read side lives in lookup.ts (no YAML library, no schema, for queries); exported here too.
export {
  cacheAgeSeconds,
  formatDuration,
  formatValue,
  freshnessWarning,
  type GotValue,
  getValue,
  type KeyRoute,
  parseDuration,
  RUNTIME_SECTIONS,
  routeKey,
  VM_FIELD_ALIASES,
} from './lookup.js';

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
 * open maps true/false become booleans and whole numbers integers. A value that does not fit is
 * refused without repeating it (it may be a secret given under the wrong key).
 */
export function typeValue(raw: string, path: readonly string[], json: boolean): unknown {
  if (json) {
    return parseJsonValue(
      raw,
      (problem) =>
        `${describeInput(raw, 'the --value-json value')} is not JSON: ${problem}; drop --value-json to store it as text`,
    );
  }
  const types = schemaTypeAt(path);
  const wants = (type: string) => types === undefined || types.includes(type);
  if (wants('boolean') && (raw === 'true' || raw === 'false')) return raw === 'true';
  if ((wants('integer') || wants('number')) && /^-?\d+$/.test(raw) && !(types?.includes('string') ?? false)) {
    // Written with its digits (12345678901234567890, 007), not as the double it reads as.
    return bendsAsNumber(raw) ? faithfulNumber(raw) : Number(raw);
  }
  if (types && !types.includes('string')) {
    throw new ValueError(
      `${path.join('.')} takes ${types.join(' or ')}, not ${describeInput(raw, 'the value given')}; e.g. true, 42, or --value-json '{...}'`,
    );
  }
  return raw;
}

/**
 * Parses a JSON value given on the command line. Its parse error names the line and column and
 * the kind of mistake, never the text (the V8 message quotes it).
 */
function parseJsonValue(raw: string, message: (problem: string) => string): unknown {
  try {
    // Numbers keep their digits (JSON.parse bends 12345678901234567890).
    return keepJsonNumbers(raw, JSON.parse(raw));
  } catch {
    const found = describeJsonError(raw);
    throw new ValueError(message(found ?? 'it cannot be parsed'));
  }
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
  const value = parseJsonValue(
    raw,
    (problem) =>
      `infra set takes JSON; ${describeInput(raw)} is not JSON: ${problem}; write text as a JSON string, e.g. '"rg-1"'`,
  );
  setInfraValue(view, path, value, now);
  return path;
}

/** Marks a VM's runtime check as done, with its timestamp. */
export function markVm({ doc, state }: StateView, vm: string, check: string, now: Date): void {
  const known = knownVms(state);
  if (known.length > 0 && !known.includes(vm)) {
    const near = didYouMean(vm, known);
    throw new RefusedError(
      'unknown-vm',
      `refused: no VM named "${vm}" in this deployment; ${near ? `did you mean ${near}? ` : ''}the VMs are: ${known.join(', ')}`,
    );
  }
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

/**
 * The VMs a deployment knows: in the Terraform cache's vm_details, among the WireGuard peers (but
 * the laptop), and already in vm_runtime_status. Empty before any is known (a check may then be
 * recorded for any name).
 */
export function knownVms(state: DeploymentStateV2): string[] {
  const names = new Set<string>();
  const add = (value: unknown, skip?: string) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const name of Object.keys(value)) if (name !== skip) names.add(name);
    }
  };
  add(state.infrastructure_facts?.outputs?.vm_details);
  add(state.wireguard_config?.peers, 'mylaptop');
  add(state.vm_runtime_status);
  return [...names];
}
