// v1 state files generated from the v1 JSON Schema itself (issue 15): every key the schema knows,
// each with a value drawn from what its schema accepts (each branch of an anyOf, each type of a
// union, enums, patterns, bounds), and "anything" where the schema accepts anything (scalars of
// every YAML spelling, numbers a double cannot hold, maps, lists, nulls), plus unknown keys, v2
// key names and dotted names that collide with the migration's own. Whatever the schema accepts,
// the migration must carry: the property in test/carry.property.test.ts asserts it never refuses
// such a file, and never reports a bug of its own (`output-invalid`).
import fc from 'fast-check';
import { schemaV1 } from '../../src/generated/schemas.js';
import {
  anyText,
  anyValue,
  chance,
  entry,
  type G,
  int,
  isoTime,
  map,
  matching,
  pick,
  renderFile,
  scalar,
  shuffle,
  str,
  uniqueMatching,
  type YEntry,
  type YNode,
} from './v1-files.js';

type Schema = {
  $ref?: string;
  not?: Schema;
  anyOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  type?: string | string[];
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  required?: string[];
};

const DEFS = schemaV1.$defs as unknown as Record<string, Schema>;

// Numbers in the spellings YAML allows, with the ones a double cannot hold.
const NUMBER_TEXTS = [
  '0',
  '-1',
  '7',
  '51846',
  '65536',
  '1e3',
  '1.50',
  '-0',
  '+12',
  '0x1F',
  '0o17',
  '.5',
  '.inf',
  '-.Inf',
  '.NaN',
  '12345678901234567890',
  '99999999999999999999999',
  '0.1000000000000000055511151231257827',
  '100000000000000000000',
  '9007199254740993',
];
// Texts where a time belongs: readable ones (zones known and not), and the ones that are not times.
const TIME_TEXTS = [
  '2025-07-01T10:00:00Z',
  '2025-07-01T10:00:00.250Z',
  '2025-07-01T12:00:00+02:00',
  '2025-07-01 12:00:00 +02',
  '2025-07-01 12:00:00.5 CEST',
  '2025-07-01 05:00:00 CDT',
  '2025-07-01 14:00:00 GST',
  '2025-07-01 10:00 UTC',
  '2025-07-01 18:00:00 SGT',
  '2025-07-01 09:00:00 XYZ',
  '2025-07-01 09:00:00 CST',
  '2025-07-01 09:00:00',
  '2025-07-01',
  '1752914400',
  '',
  'yesterday',
  '2025-13-45 99:99:99 +08',
];
const NULLS = ['null', '~', 'Null', ''];

function renderScalar(g: G, value: unknown): YNode {
  if (value === null) return scalar(pick(g, ...NULLS));
  if (typeof value === 'string') return str(g, value);
  return scalar(String(value));
}

// Any scalar text, in any spelling.
function anyScalar(g: G): YNode {
  switch (pick(g, 'text', 'number', 'time', 'bool', 'null', 'empty')) {
    case 'number':
      return scalar(pick(g, ...NUMBER_TEXTS));
    case 'time': {
      // Unquoted as the old scripts wrote local times, or quoted.
      const text = pick(g, ...TIME_TEXTS);
      return text !== '' && chance(g, 40) ? scalar(text) : str(g, text);
    }
    case 'bool':
      return scalar(pick(g, 'true', 'false', 'True', 'FALSE', '"true"', '"yes"'));
    case 'null':
      return scalar(pick(g, ...NULLS));
    case 'empty':
      return scalar(pick(g, "'{}'", '"{}"', "'[]'", '{}', '[]'));
    default:
      return str(g, anyText(g));
  }
}

// Anything at all: a scalar, or (not too deep) a map or a list.
function anything(g: G, depth: number): YNode {
  return depth >= 2 || chance(g, 70) ? anyScalar(g) : anyValue(g, 1);
}

function gen(g: G, schema: Schema, depth: number): YNode {
  if (schema.$ref) return gen(g, DEFS[schema.$ref.replace('#/$defs/', '')] as Schema, depth);
  if (schema.anyOf) return gen(g, pick(g, ...schema.anyOf), depth);
  // "Anything but a mapping" (the other branch of a mapping whose keys can be refused).
  if (schema.not) return chance(g, 80) ? anyScalar(g) : { kind: 'seq', items: [anyScalar(g)], flow: true };
  if (schema.enum) return renderScalar(g, pick(g, ...schema.enum));
  if ('const' in schema) return renderScalar(g, schema.const);
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.length === 0) return anything(g, depth);
  // A union that allows a mapping is a mapping more often than not, so its keys get tried too.
  const type = types.includes('object') && chance(g, 60) ? 'object' : pick(g, ...types);
  switch (type) {
    case 'string':
      if (schema.pattern === '^\\{\\}$') return scalar(pick(g, "'{}'", '"{}"'));
      if (schema.format === 'date-time')
        return str(g, chance(g, 50) ? isoTime(g) : pick(g, ...TIME_TEXTS.slice(0, 3)));
      if (schema.pattern?.startsWith('^[0-9]{4}-'))
        return str(g, pick(g, ...TIME_TEXTS.filter((t) => /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d/.test(t))));
      if (schema.pattern) return str(g, matching(g, new RegExp(schema.pattern)));
      return str(g, schema.minLength ? `k0rdent-${matching(g, /^[a-z0-9]{8}$/)}` : anyText(g));
    case 'integer': {
      const min = schema.minimum ?? -1000;
      const max = Math.min(schema.maximum ?? 1_000_000, Number.MAX_SAFE_INTEGER);
      return scalar(
        String(int(g, Math.max(min, -1_000_000_000), Math.max(Math.min(max, 1_000_000_000), min))),
      );
    }
    case 'number':
      return scalar(pick(g, ...NUMBER_TEXTS));
    case 'boolean':
      return scalar(pick(g, 'true', 'false'));
    case 'null':
      return scalar(pick(g, ...NULLS));
    case 'array': {
      const items = Array.from({ length: int(g, 0, 3) }, () =>
        schema.items ? gen(g, schema.items, depth + 1) : anything(g, depth + 1),
      );
      return { kind: 'seq', items, flow: items.length === 0 || chance(g, 40) };
    }
    default:
      return object(g, schema, depth);
  }
}

// A mapping: the schema's properties (each present half the time, required ones always), and keys
// it does not name, valued by additionalProperties or by anything.
function object(g: G, schema: Schema, depth: number): YNode {
  const entries: YEntry[] = [];
  const required = new Set(schema.required ?? []);
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    if (required.has(key) || chance(g, depth === 0 ? 55 : 50))
      entries.push(entry(key, gen(g, child, depth + 1)));
  }
  const extra = schema.additionalProperties;
  if (extra !== false && depth < 3) {
    const names = uniqueMatching(g, /^[a-z][a-z0-9_-]{0,8}$/, depth === 0 ? 2 : 1).filter(
      (name) => !(name in (schema.properties ?? {})),
    );
    for (const name of names) {
      entries.push(
        entry(name, typeof extra === 'object' ? gen(g, extra, depth + 1) : anything(g, depth + 1)),
      );
    }
  }
  return map(entries, depth > 0 && chance(g, 35));
}

// Unknown top-level keys the migration must carry: v2 names, its own dotted names, odd keys.
const AWKWARD_KEYS = [
  'migrations_applied',
  'current_run_id',
  'deployment_runs',
  'wireguard_config',
  'terraform_version',
  'infrastructure_facts',
  'unrecognized',
  'config.wireguard_port',
  'config.controller_count',
  'wireguard_peers.hub.role',
  'phases.install_k0s.updated_at',
  'error_exit_code (2)',
  'created_at.x',
  'kof_unknown',
  'Operator Note',
  '123',
];

function buildFromSchema(g: G): string {
  const top = object(g, schemaV1 as unknown as Schema, 0) as { kind: 'map'; entries: YEntry[] };
  const known = new Set(top.entries.map((e) => e.key));
  for (const key of AWKWARD_KEYS) {
    const rendered = entry(key, anything(g, 1));
    if (chance(g, 6) && !known.has(rendered.key)) {
      known.add(rendered.key);
      top.entries.push(rendered);
    }
  }
  // Known keys in any order, some with comments (headers and keys' own, blank lines between).
  const entries = shuffle(g, top.entries);
  for (const e of entries) {
    if (chance(g, 6)) e.comment = pick(g, 'section', 'stale?', 'set by hand');
  }
  return renderFile(entries, chance(g, 60), chance(g, 5), false);
}

/** A v1 state file drawn from the v1 schema, as text. */
export const v1SchemaFile: fc.Arbitrary<string> = fc.gen().map(buildFromSchema);
