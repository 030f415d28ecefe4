import type { ErrorObject } from 'ajv';
import {
  type CompiledValidator,
  isValidV1,
  schemaV1,
  schemaV2,
  validateV1,
  validateV2,
} from '../generated/schemas.js';
import { describePlace, v2PlaceOf } from '../keymap.js';
import { isSecretKey, knownSecrets, REDACTED } from '../secrets.js';
import { pointerSegments } from './pointer.js';
import type { UnplacedProblem } from './problem.js';

/** The JSON Schema of each known format version. */
export const SCHEMAS: Readonly<Record<number, object>> = { 1: schemaV1, 2: schemaV2 };

// Compiled by scripts/generate-types.mjs (ajv standalone code), so nothing is compiled at run time.
const COMPILED: Readonly<Record<number, CompiledValidator>> = { 1: validateV1, 2: validateV2 };

// The quick validators (validity only; see QUICK_AJV_OPTIONS in scripts/generate-types.mjs): asked
// first, as most files are valid, and the full validator only for one that is not.
const QUICK: Readonly<Record<number, (data: unknown) => boolean>> = { 1: isValidV1 };

/** Returns the compiled validator of a format version. */
export function schemaValidator(version: number): CompiledValidator {
  const validate = COMPILED[version];
  if (!validate) throw new RangeError(`no schema for version ${version}`);
  return validate;
}

/** Options of {@link schemaProblems}. */
export interface SchemaProblemOptions {
  /**
   * Quote the offending values in messages (default true). Off for a refused change, whose new
   * value came from the command line and is never repeated.
   */
  quoteValues?: boolean;
}

/** Validates plain data against a version's JSON Schema and returns every problem found. */
export function schemaProblems(
  data: unknown,
  version: number,
  options: SchemaProblemOptions = {},
): UnplacedProblem[] {
  const validate = schemaValidator(version);
  if (QUICK[version]?.(data) === true || validate(data)) return [];
  const problems: UnplacedProblem[] = [];
  const seenValues = new Set<string>();
  // A v1 key is "written by an old script" only in a file that says it is v2.
  const isV2File =
    data !== null && typeof data === 'object' && (data as { schema_version?: unknown }).schema_version === 2;
  const known = knownSecrets(data);
  const errors = validate.errors ?? [];
  for (const error of errors) {
    // propertyNames failures are reported by the phase invariants (unknown-phase) instead.
    if (error.keyword === 'propertyNames' || 'propertyName' in error) continue;
    // "a mapping of peers, or anything that is not a mapping" failed because something inside
    // the mapping did: that deeper problem is the one to report.
    if (
      error.keyword === 'anyOf' &&
      errors.some((other) => other.instancePath.startsWith(`${error.instancePath}/`))
    )
      continue;
    const problem = describe(error, known, options.quoteValues !== false, isV2File);
    if (!problem.atKey && problem.code !== 'schema-required') {
      if (seenValues.has(problem.pointer)) continue;
      seenValues.add(problem.pointer);
    }
    problems.push(problem);
  }
  return problems;
}

const PATTERN_HINTS: Record<string, string> = {
  '^-?[0-9]+$': 'an integer (e.g. 51846, or the legacy quoted "51846")',
  '^[0-9]+$': 'a string of digits (e.g. "012345678901")',
  '^\\{\\}$': 'a mapping (or the legacy string "{}")',
  '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?':
    'a date and time such as 2025-07-19 14:36:43 +08 or 2025-12-03T09:12:44Z',
  '^[0-9]{1,3}(\\.[0-9]{1,3}){3}/[0-9]{1,2}$': 'an IPv4 network in CIDR notation, e.g. 172.24.24.0/24',
  '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?Z$':
    'an RFC 3339 UTC timestamp such as 2025-12-03T09:12:44Z',
  '^([0-9]{8}T[0-9]{6}Z-[a-z0-9]{4,16}|migrated-[0-9]{8}T[0-9]{6}Z)$':
    'a run id such as 20251203T091244Z-3f9a1c or migrated-20251203T091244Z',
  '^[0-9a-f]{64}$': '64 lowercase hex digits (a sha256)',
};

const TYPE_NAMES: Record<string, string> = {
  boolean: 'a boolean (true or false)',
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  object: 'a mapping',
  array: 'a list',
  null: 'null',
};

/**
 * Quotes a value for a message: JSON, shortened. A secret is never quoted (the rule of
 * src/secrets.ts): a value under a secret key (at any depth of `pointer`), or equal to one of the
 * file's `known` secrets.
 */
export function quote(value: unknown, pointer = '', known?: ReadonlySet<string>): string {
  if (pointerSegments(pointer).some((segment) => isSecretKey(segment))) return REDACTED;
  if (typeof value === 'string' && known?.has(value)) return REDACTED;
  if (value === undefined) return 'nothing';
  // JSON has no spelling for these (it would say null).
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (value !== null && typeof value === 'object') return Array.isArray(value) ? 'a list' : 'a mapping';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}..."` : text;
}

/** Dotted name of a JSON pointer for messages, e.g. `config.wireguard_port`; `(root)` for ''. */
export function dotted(pointer: string): string {
  const segments = pointerSegments(pointer);
  return segments.length === 0 ? 'the top level' : segments.join('.');
}

function describe(
  error: ErrorObject,
  known: ReadonlySet<string>,
  quoteValues: boolean,
  isV2File: boolean,
): UnplacedProblem {
  const at = error.instancePath;
  const name = dotted(at);
  const value = quoteValues ? quote(error.data, at, known) : 'the value given';
  const base = { severity: 'error' as const, pointer: at };
  switch (error.keyword) {
    case 'required': {
      const key = String(error.params.missingProperty);
      return {
        ...base,
        code: 'schema-required',
        pointer: `${at}/${key}`,
        message: `${at === '' ? 'the top level' : name} has no "${key}"; add it (it is required)`,
      };
    }
    case 'additionalProperties': {
      const key = String(error.params.additionalProperty);
      const place = at === '' && isV2File ? v2PlaceOf([key]) : undefined;
      if (place && place.kind !== 'unknown') {
        // Only v2 refuses unknown top-level keys: this is a v1 key an old script wrote here.
        return {
          ...base,
          code: 'v1-key-in-v2',
          pointer: `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`,
          atKey: true,
          message: `"${key}" is a v1 key (an old script wrote it into this v2 file); run: k0rdent-state migrate FILE to fold it into ${describePlace(place)}`,
        };
      }
      const allowed = Object.keys((error.parentSchema as { properties?: object })?.properties ?? {});
      const list = allowed.length > 12 ? `${allowed.slice(0, 12).join(', ')}, ...` : allowed.join(', ');
      return {
        ...base,
        code: 'schema-unknown-key',
        pointer: `${at}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`,
        atKey: true,
        message: `unknown key "${key}" in ${name}; allowed: ${list || 'none'}${at === '' ? ' (keep other data under unrecognized)' : ''}`,
      };
    }
    case 'type': {
      // A type union with a pattern (e.g. an integer or a quoted integer) is described by the pattern's
      // hint: "an integer or a string" would wrongly suggest that any string is allowed.
      const pattern = (error.parentSchema as { pattern?: string } | undefined)?.pattern;
      const hint = pattern === undefined ? undefined : PATTERN_HINTS[pattern];
      const typeList = String(error.params.type).split(',');
      const types = typeList.map((t) => TYPE_NAMES[t] ?? t);
      const expected =
        hint === undefined ? types.join(' or ') : `${hint}${typeList.includes('null') ? ' or null' : ''}`;
      return { ...base, code: 'schema-type', message: `${name} is ${value}, expected ${expected}` };
    }
    case 'enum': {
      // A v1 enum allows null (not set); said in words, after the values that mean something.
      const values = error.params.allowedValues as unknown[];
      const allowed = `${values
        .filter((v) => v !== null)
        .map((v) => JSON.stringify(v))
        .join(', ')}${values.includes(null) ? ', or null (not set)' : ''}`;
      return { ...base, code: 'schema-enum', message: `${name} is ${value}, allowed: ${allowed}` };
    }
    case 'const':
      return {
        ...base,
        code: 'schema-const',
        message: `${name} is ${value}, must be ${JSON.stringify(error.params.allowedValue)}`,
      };
    case 'pattern': {
      const pattern = String(error.params.pattern);
      const hint = PATTERN_HINTS[pattern] ?? `a string matching ${pattern}`;
      return { ...base, code: 'schema-pattern', message: `${name} is ${value}, expected ${hint}` };
    }
    case 'format':
      return {
        ...base,
        code: 'schema-format',
        message: `${name} is ${value}, expected a valid ${String(error.params.format)} such as 2025-12-03T09:12:44Z`,
      };
    case 'minimum':
    case 'maximum':
      return {
        ...base,
        code: `schema-${error.keyword}`,
        message: `${name} is ${value}, must be ${error.keyword === 'minimum' ? '>=' : '<='} ${String(error.params.limit)}`,
      };
    case 'minLength':
      return { ...base, code: 'schema-min-length', message: `${name} is ${value}, must not be empty` };
    default:
      return {
        ...base,
        code: `schema-${error.keyword}`,
        message: `${name} is ${value}: ${error.message ?? 'invalid'}`,
      };
  }
}
