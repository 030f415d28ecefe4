import { schemaV1 } from '../generated/schema-v1.js';
import { isPhaseName } from '../phases.js';
import { toPointer } from './pointer.js';
import type { UnplacedProblem } from './problem.js';
import { quote } from './schema.js';
import {
  byKind,
  type Data,
  dotted,
  Findings,
  isMap,
  kindOf,
  plainlyFine,
  type Schema,
  type V1Finding,
} from './v1-kinds.js';

/**
 * "Carry, don't block" for v1 values (the data contract, section 1): which known v1 values the
 * migration takes with a clear meaning, which it carries verbatim to `unrecognized` because v2 has
 * no place for them, and what it says about each. The v1 schema names each key's kind (its
 * `$defs` entry: `legacyBool`, `text`, `count`, `port`, ...); v1-kinds.ts holds the rule of each kind,
 * and this module walks a file with them.
 * The v1 schema refuses what has no clear meaning for a key the scripts branch on (a boolean
 * "maybe", a phase status 7); everything it accepts is migrated. `validate` reports these
 * findings as warnings on a v1 file, and the normalize-v1 step applies them and reports the same
 * messages, so the two never disagree.
 */

export type { V1Action, V1Finding } from './v1-kinds.js';

const DEFS = schemaV1.$defs as unknown as Record<string, Schema>;
const TOP = schemaV1.properties as unknown as Record<string, Schema>;
// The keys a mapping's schema names (in its mapping branch when it is an anyOf).
const propertiesOf = (schema: Schema | undefined): Record<string, Schema> =>
  schema?.properties ?? schema?.anyOf?.find((branch) => branch.properties)?.properties ?? {};
// The kind of each key a mapping's schema names, looked up once.
const kindsOf = (properties: Record<string, Schema>): Map<string, string | undefined> =>
  new Map(Object.entries(properties).map(([key, schema]) => [key, kindOf(schema)]));
const CONFIG = kindsOf(propertiesOf(TOP.config));
const PEER = kindsOf(propertiesOf(DEFS.wireguardPeer));
const PHASE_ENTRY = kindsOf(propertiesOf(DEFS.phaseEntry));
const TOP_KINDS = kindsOf(TOP);
// Top-level keys whose schema is an enum that allows null (the overall status): null is not set.
const NULLABLE_ENUMS = new Set(
  Object.keys(TOP).filter((key) => (TOP[key] as { enum?: unknown[] }).enum?.includes(null)),
);

// byKind for a key of a known mapping, its path built only when there may be something to say.
function checkKey(
  found: Findings,
  kinds: ReadonlyMap<string, string | undefined>,
  at: ReadonlyArray<string | number>,
  key: string,
  value: unknown,
): void {
  const kind = kinds.get(key);
  if (kind === undefined && !kinds.has(key)) return;
  if (value === undefined || plainlyFine(kind, value)) return;
  byKind(found, kind, value, [...at, key]);
}

// checkKey for every key of a mapping. Keys and an index, not Object.entries: no pair arrays for
// the thousands of values `validate` looks at per batch.
function checkKeys(
  found: Findings,
  kinds: ReadonlyMap<string, string | undefined>,
  at: ReadonlyArray<string | number>,
  map: Data,
  skip?: string,
): void {
  const keys = Object.keys(map);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (key !== skip) checkKey(found, kinds, at, key, map[key]);
  }
}

/**
 * The values of a v1 file that the migration takes with a warning (see {@link V1Action}), in the
 * order the normalize-v1 step applies them. A container that is emptied or carried is not looked
 * into.
 */
export function v1Findings(data: Data): V1Finding[] {
  const found = new Findings();
  const topKeys = Object.keys(data);
  for (let i = 0; i < topKeys.length; i++) {
    const key = topKeys[i] as string;
    // Only the keys the schema names (an own property of TOP: not `constructor`).
    if (!TOP_KINDS.has(key)) continue;
    const value = data[key];
    switch (key) {
      case 'deployment_flags':
        if (!found.emptyMap([key], value) && isMap(value)) {
          for (const flag of ['azure_children', 'kof']) byKind(found, 'legacyBool', value[flag], [key, flag]);
        }
        break;
      case 'config':
        if (found.emptyMap([key], value)) break;
        if (!isMap(value)) {
          found.carry([key], value, 'not a mapping', '; config is an empty map');
          break;
        }
        checkKeys(found, CONFIG, [key], value);
        break;
      case 'vm_states':
        if (value === null) found.emptyMap([key], value);
        break;
      case 'artifacts':
        if (!found.emptyMap([key], value) && !isMap(value)) found.carry([key], value, 'not a mapping');
        break;
      case 'wireguard_peers': {
        if (found.emptyMap([key], value)) break;
        if (!isMap(value)) {
          found.carry([key], value, 'not a mapping of peers');
          break;
        }
        const hosts = Object.keys(value);
        for (let h = 0; h < hosts.length; h++) {
          const host = hosts[h] as string;
          const peer = value[host];
          const at = [key, host];
          if (found.emptyMap(at, peer)) continue;
          if (!isMap(peer)) {
            found.carry(at, peer, 'not a mapping');
            continue;
          }
          checkKeys(found, PEER, at, peer);
        }
        break;
      }
      case 'phases': {
        if (found.emptyMap([key], value) || !isMap(value)) break;
        const names = Object.keys(value);
        for (let n = 0; n < names.length; n++) {
          const name = names[n] as string;
          if (!isPhaseName(name)) continue;
          const entry = value[name];
          const at = [key, name];
          const empty = found.emptyMap(at, entry);
          if (!empty && !isMap(entry)) continue;
          const fields = isMap(entry) ? entry : {};
          if (fields.status === undefined || fields.status === null)
            found.add({
              path: [...at, 'status'],
              action: 'pending',
              code: 'value-unset',
              message: `phases.${name} has no status: pending, as the deployer reads a phase without one`,
            });
          checkKeys(found, PHASE_ENTRY, at, fields, 'status');
          if (fields.updated_at === undefined)
            found.add({
              path: [...at, 'updated_at'],
              action: 'note',
              code: 'value-unset',
              message: `phases.${name}.updated_at is missing: the file's last_updated stands in (created_at when it is unreadable too)`,
            });
        }
        break;
      }
      case 'events':
        if (value === null || (typeof value === 'string' && /^(\{\s*\}|\[\s*\])$/.test(value))) {
          found.add({
            path: [key],
            action: 'empty-list',
            code: 'value-empty',
            message: `events is ${value === null ? 'null' : `the text ${quote(value)}`}: no events`,
          });
        } else if (!Array.isArray(value)) {
          found.carry([key], value, 'not a list of events');
        } else {
          // From the last, so that carrying one does not move the ones still to come.
          for (let index = value.length - 1; index >= 0; index--) {
            if (!isMap(value[index])) found.carry([key, index], value[index], 'not an event (a mapping)');
          }
        }
        break;
      default: {
        if (value === null && NULLABLE_ENUMS.has(key)) {
          found.unset([key]);
          break;
        }
        // The common value needs no finding and no path (see plainlyFine).
        const kind = TOP_KINDS.get(key);
        if (!plainlyFine(kind, value)) byKind(found, kind, value, [key]);
      }
    }
  }
  if (!('created_at' in data))
    found.add({
      path: ['created_at'],
      action: 'note',
      code: 'value-unset',
      message:
        'the file has no created_at: last_updated stands in (the migration time when it is unreadable too)',
    });
  if (!('last_updated' in data))
    found.add({
      path: ['last_updated'],
      action: 'note',
      code: 'value-unset',
      message: 'the file has no last_updated: infrastructure_facts.cache_timestamp is null',
    });
  return found.list;
}

/** The findings of a v1 file as validation warnings (`validate` on a v1 file). */
export function v1FindingProblems(data: Data): UnplacedProblem[] {
  return v1Findings(data).map((finding) => {
    const present = hasPath(data, finding.path);
    return {
      severity: 'warning' as const,
      code: finding.code,
      // A missing key is placed on its mapping.
      pointer: toPointer(present ? finding.path : finding.path.slice(0, -1)),
      ...(present ? {} : { atKey: false }),
      message: finding.message,
    };
  });
}

function hasPath(data: unknown, path: ReadonlyArray<string | number>): boolean {
  let node: unknown = data;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return false;
    if (!Object.hasOwn(node as object, segment)) return false;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return true;
}

/** The `unrecognized` key of a carried value: its v1 path, dotted. */
export function carriedKey(path: ReadonlyArray<string | number>): string {
  return dotted(path);
}
