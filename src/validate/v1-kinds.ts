import { isCanonicalUtc, isReadableTime, readTime, unreadableReason } from '../migrate/times.js';
import { toPointer } from './pointer.js';
import { quote } from './schema.js';

// The rule of each kind of v1 value (the v1 schema's `$defs` names: legacyBool, text, digits,
// count, port, cidr, timestamp, timing, durationSeconds, exitCode, peerRole), for v1-values.ts,
// which walks a file and applies them.

/**
 * What the migration does with a value:
 * - `unset`: null means not set: the key is left out of v2 (reported as pruned);
 * - `empty-map` / `empty-list`: null or the string '{}' (or '[]') for a map or a list: empty;
 * - `as-text`: an unquoted number where text is expected: the text it was written with;
 * - `carry`: no place in v2: moved verbatim to `unrecognized` under its dotted path;
 * - `carry-null`: the same, and its v2 place is null (a port not chosen);
 * - `pending`: a phase entry without a status: `pending`, as the deployer reads it;
 * - `note`: a later step converts the value or falls back (times, durations, exit codes).
 */
export type V1Action =
  | 'unset'
  | 'empty-map'
  | 'empty-list'
  | 'as-text'
  | 'carry'
  | 'carry-null'
  | 'pending'
  | 'note';

/** One v1 value the migration takes with a warning. */
export interface V1Finding {
  /** Where the value is, as key segments (list indexes as numbers). */
  path: Array<string | number>;
  action: V1Action;
  /** The warning's code (see docs/troubleshooting.md). */
  code: string;
  /** What the value means and what the migration does with it. */
  message: string;
  /** For `as-text`: only a string of digits may come of it (an account id). */
  digits?: boolean;
}

/** A v1 mapping as plain data. */
export type Data = Record<string, unknown>;
/** The part of a v1 schema node the rules read. */
export type Schema = { $ref?: string; properties?: Record<string, Schema>; anyOf?: Schema[] };

/** True for a mapping (not a list, not null). */
export const isMap = (value: unknown): value is Data =>
  value !== null && typeof value === 'object' && !Array.isArray(value);
/** A path as `a.b.0`. */
export const dotted = (path: ReadonlyArray<string | number>) => path.map(String).join('.');

// The `$defs` name a property of the v1 schema refers to, e.g. `text` for `{$ref: '#/$defs/text'}`.
export function kindOf(schema: Schema | undefined): string | undefined {
  return schema?.$ref?.replace('#/$defs/', '');
}

const EMPTY_TEXT = /^\{\s*\}$/;
const DIGITS = /^[0-9]+$/;
// An IPv4 network in CIDR notation, by its form (the digits are checked by parseCidr).
const CIDR_FORM = /^[0-9]{1,3}(\.[0-9]{1,3}){3}\/[0-9]{1,2}$/;

/** Reads an integer written as a number or as quoted digits; undefined when it is not a safe one. */
function integerOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === 'string' && /^-?[0-9]+$/.test(value)) {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}

/** The findings of one file, in the order they were found. */
export class Findings {
  readonly list: V1Finding[] = [];

  add(finding: V1Finding): void {
    this.list.push(finding);
  }

  unset(path: Array<string | number>): void {
    this.add({
      path: path,
      action: 'unset',
      code: 'value-unset',
      message: `${dotted(path)} is null: not set; the migration leaves it out of v2`,
    });
  }

  carry(
    path: Array<string | number>,
    value: unknown,
    why: string,
    then = '',
    action: V1Action = 'carry',
  ): void {
    this.add({
      path: path,
      action: action,
      code: 'value-carried',
      message: `${dotted(path)} is ${describe(value, path)}, ${why}: carried verbatim to unrecognized."${dotted(path)}"${then}`,
    });
  }

  /** null or the string '{}' for a map: an empty map. True when the value was handled. */
  emptyMap(path: Array<string | number>, value: unknown): boolean {
    if (value !== null && !(typeof value === 'string' && EMPTY_TEXT.test(value))) return false;
    this.add({
      path: path,
      action: 'empty-map',
      code: 'value-empty',
      message: `${dotted(path)} is ${value === null ? 'null' : `the text ${quote(value)}`}: an empty map`,
    });
    return true;
  }
}

// A value for a message: quoted scalars, "a mapping" / "a list"; never a private key.
function describe(value: unknown, path: ReadonlyArray<string | number>): string {
  if (typeof value === 'number') return `the number ${quote(value)}`;
  return quote(value, toPointer(path));
}

/**
 * True when a value of `kind` needs no finding: the common case, told without building its path
 * (a file has hundreds of peer fields and phase times, and `validate` reads thousands of files).
 * False means "ask {@link byKind}", which decides.
 */
export function plainlyFine(kind: string | undefined, value: unknown): boolean {
  switch (kind) {
    // Kinds byKind has no rule for: nothing to say about any value.
    case undefined:
    case 'infraFact':
    case 'vmState':
    case 'wireguardPeer':
    case 'phaseEntry':
      return true;
    case 'legacyBool':
      return value !== null;
    case 'text':
      return typeof value === 'string';
    case 'digits':
      return typeof value === 'string' && DIGITS.test(value);
    case 'cidr':
      return typeof value === 'string' && CIDR_FORM.test(value);
    case 'timestamp':
      return typeof value === 'string' && isCanonicalUtc(value);
    case 'timing':
      return typeof value === 'string' && isReadableTime(value);
    case 'peerRole':
      return value === 'hub' || value === 'controller' || value === 'worker';
    case 'count': {
      // A count written as a number or as quoted digits (`"3"`), not signed.
      const n = integerOf(value);
      return n !== undefined && n >= 0 && !(typeof value === 'string' && value.startsWith('-'));
    }
    case 'port': {
      // Not chosen yet (null), or a port as a number or quoted digits (`"51846"`).
      if (value === null) return true;
      const n = integerOf(value);
      return n !== undefined && n >= 1 && n <= 65535;
    }
    case 'durationSeconds':
    case 'exitCode':
      return integerOf(value) !== undefined;
    default:
      return false;
  }
}

/** Applies the rule of `kind` (a `$defs` name) to the value at `path`. */
export function byKind(
  found: Findings,
  kind: string | undefined,
  value: unknown,
  path: Array<string | number>,
): void {
  if (value === undefined) return;
  switch (kind) {
    case 'legacyBool':
      if (value === null) found.unset(path);
      return;
    case 'text':
      if (value === null) found.unset(path);
      else if (typeof value === 'number')
        found.add({
          path: path,
          action: 'as-text',
          code: 'value-as-text',
          message: `${dotted(path)} is an unquoted number: v2 keeps it as text, as it was written`,
        });
      else if (typeof value !== 'string') found.carry(path, value, 'not text');
      return;
    case 'digits':
      if (value === null) found.unset(path);
      else if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)
        found.list.push({
          path,
          action: 'as-text',
          code: 'value-as-text',
          message: `${dotted(path)} is an unquoted number: v2 keeps its digits as text, as they were written`,
          digits: true,
        });
      else if (!(typeof value === 'string' && DIGITS.test(value)))
        found.carry(path, value, 'not a string of digits');
      return;
    case 'count': {
      if (value === null) {
        found.unset(path);
        return;
      }
      const n = integerOf(value);
      if (n === undefined || n < 0 || (typeof value === 'string' && value.startsWith('-')))
        found.carry(path, value, 'not a count (a whole number, 0 or more)', `; ${dotted(path)} is left out`);
      return;
    }
    case 'port': {
      if (value === null) return; // not chosen yet: v2 keeps null
      const n = integerOf(value);
      if (n === undefined || n < 1 || n > 65535)
        found.carry(path, value, 'not a UDP port (1-65535)', `; ${dotted(path)} is null`, 'carry-null');
      return;
    }
    case 'cidr':
      if (value === null) found.unset(path);
      else if (!(typeof value === 'string' && CIDR_FORM.test(value)))
        found.carry(path, value, 'not an IPv4 network in CIDR notation');
      return;
    case 'timestamp':
      timestamp(found, value, path);
      return;
    case 'timing':
      timing(found, value, path);
      return;
    case 'durationSeconds':
      if (value === null) found.unset(path);
      else if (isMap(value) || Array.isArray(value)) found.carry(path, value, 'not a number of seconds');
      else if (integerOf(value) === undefined)
        found.add({
          path: path,
          action: 'note',
          code: 'value-carried',
          message: `${dotted(path)} is ${describe(value, path)}, not a whole number of seconds: the run's duration_seconds is null; the text is kept in its source_timing`,
        });
      return;
    case 'exitCode':
      if (value === null) found.unset(path);
      else if (integerOf(value) === undefined)
        found.add({
          path: path,
          action: 'note',
          code: 'value-carried',
          message: `${dotted(path)} is ${describe(value, path)}, not an exit code (an integer): carried verbatim to unrecognized."${dotted(path)}"; the run still failed (an error was recorded)`,
        });
      return;
    case 'peerRole':
      if (value === null) found.unset(path);
      else if (value !== 'hub' && value !== 'controller' && value !== 'worker')
        found.carry(path, value, 'not a peer role (hub, controller, worker)');
      return;
  }
}

// created_at, last_updated, phases.*.updated_at: converted to UTC; unreadable ones carried, and a
// fallback stands in (said by the caller's `fallback`).
function timestamp(found: Findings, value: unknown, path: Array<string | number>): void {
  // Already RFC 3339 UTC (most are): nothing to say, and nothing to build a message from.
  if (typeof value === 'string' && isCanonicalUtc(value)) return;
  const name = dotted(path);
  const fallback =
    path[0] === 'created_at'
      ? 'last_updated stands in (the migration time when it is unreadable too)'
      : path[0] === 'last_updated'
        ? 'infrastructure_facts.cache_timestamp is null'
        : "the file's last_updated stands in (created_at when it is unreadable too)";
  if (value === null) {
    found.add({
      path: path,
      action: 'unset',
      code: 'value-unset',
      message: `${name} is null: not set; ${fallback}`,
    });
    return;
  }
  const read = typeof value === 'string' ? readTime(value) : undefined;
  if (read?.utc !== undefined) {
    if (read.utc !== value)
      found.add({
        path: path,
        action: 'note',
        code: 'time-converted',
        message:
          path[0] === 'last_updated'
            ? `${name} ${quote(value)} is a local time: infrastructure_facts.cache_timestamp is ${read.utc} (UTC)`
            : `${name} ${quote(value)} is a local time: written in UTC, ${read.utc}`,
      });
    return;
  }
  const why = read?.unreadable ? unreadableReason(read) : 'is not text';
  found.add({
    path: path,
    action: 'note',
    code: 'time-fallback',
    message: `${name} ${describe(value, path)} ${why}: carried verbatim to unrecognized."${name}"; ${fallback}`,
  });
}

// deployment_start_time / deployment_end_time: each read on its own; the text is kept.
function timing(found: Findings, value: unknown, path: Array<string | number>): void {
  if (typeof value === 'string' && isCanonicalUtc(value)) return;
  if (value === null) {
    found.unset(path);
    return;
  }
  if (isMap(value) || Array.isArray(value)) {
    found.carry(path, value, 'not a time');
    return;
  }
  const text = String(value);
  // Readable local times (the deployer's `2025-07-19 14:36:43 +08`) are common and need only the
  // answer, not the UTC text.
  if (isReadableTime(text)) return;
  const read = readTime(text);
  const name = dotted(path);
  const fallback =
    path[0] === 'deployment_start_time'
      ? "the run's started_at falls back to created_at"
      : "the run's ended_at is null";
  found.add({
    path: path,
    action: 'note',
    code: 'time-fallback',
    message: `${name} ${describe(value, path)} ${unreadableReason(read)}: ${fallback}; the text is kept in the run's source_timing`,
  });
}
