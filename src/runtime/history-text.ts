/**
 * Text of the run views (`history`, `show-run`, `compare-runs`): durations, aligned columns and
 * pairs, and the open maps of a run (its config snapshot) as dotted keys, compared with their
 * secrets masked by the rule of src/secrets.ts (a secret's stand-in, compared by its real value).
 */

import { isDeepStrictEqual } from 'node:util';
import type { Run } from '../generated/deployment-state.v2.js';
import { REDACTED, Redacted } from '../secrets.js';

/** A run's duration for people (`running` while it runs, `-` when unknown). */
export function durationText(outcome: Run['outcome'], seconds: number | null): string {
  if (outcome === 'in_progress') return 'running';
  if (seconds === null) return '-';
  return humanDuration(seconds);
}

/** A run's duration for people, with the seconds as recorded. */
export function durationDetail(run: Run): string {
  const text = durationText(run.outcome, run.duration_seconds);
  return run.duration_seconds === null ? text : `${text} (${run.duration_seconds}s)`;
}

/**
 * Seconds for people, in the units of the rest of the CLI (`45s`, `12m 05s`, `3h 02m`, `2d 4h`).
 */
function humanDuration(total: number): string {
  if (!Number.isInteger(total) || total < 0) return `${total}s`;
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  // Same units as the rest of the CLI (runtime/values.ts formatDuration).
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${pad2(minutes)}m`;
  if (minutes > 0) return `${minutes}m ${pad2(seconds)}s`;
  return `${seconds}s`;
}

// Two digits.
function pad2(value: number): string {
  return String(value).padStart(2, '0');
}

/** `→` between two texts that differ, else nothing. */
export function arrow(left: string, right: string): string {
  return left === right ? '' : '→';
}

/** The text cut to `width` characters with `...` when longer. */
export function truncate(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 3)}...` : text;
}

/**
 * Text from the file on one line without control characters: line breaks would break the table and
 * control characters could drive the terminal, so both become spaces.
 */
export function oneLine(text: string): string {
  let out = '';
  for (const char of text.replace(/\s*[\r\n]+\s*/g, ' ')) {
    const code = char.codePointAt(0) ?? 0;
    out += code < 0x20 || (code >= 0x7f && code <= 0x9f) ? ' ' : char;
  }
  return out;
}

/** Rows of cells as lines, each column padded to its widest cell. */
export function alignColumns(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    row
      .map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** `key: value` lines, the values aligned, each part on one line. */
export function alignPairs(pairs: readonly [string, string][], indent: string): string[] {
  const width = Math.max(0, ...pairs.map(([key]) => key.length + 1));
  return pairs.map(([key, value]) =>
    `${indent}${`${oneLine(key)}:`.padEnd(width)} ${oneLine(value)}`.trimEnd(),
  );
}

// ---------------------------------------------------------------------------------------------
// Open maps: flattening, comparison

/** True for a mapping (not a list, not a secret's stand-in). */
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Redacted);
}

/** An open map as dotted keys and their values (an empty map is a value). */
export function flatten(
  value: unknown,
  prefix = '',
  into = new Map<string, unknown>(),
): Map<string, unknown> {
  if (isRecord(value) && (Object.keys(value).length > 0 || prefix === '')) {
    for (const [key, item] of Object.entries(value)) {
      flatten(item, prefix === '' ? key : `${prefix}.${key}`, into);
    }
  } else {
    into.set(prefix, value);
  }
  return into;
}

/** A value of an open map as text (a secret as `<redacted>`). */
export function display(value: unknown): string {
  if (value instanceof Redacted) return REDACTED;
  if (typeof value === 'string') return value;
  if (value === undefined) return '(absent)';
  return JSON.stringify(value) ?? String(value);
}

/** The dotted keys whose values differ between two flattened maps, with both values as text. */
export function differences(a: Map<string, unknown>, b: Map<string, unknown>): [string, string, string][] {
  const out: [string, string, string][] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const left = a.get(key);
    const right = b.get(key);
    // A secret's stand-in holds the real value, so two stand-ins compare by what they stand for
    // (a key that is a secret in one run is one in the other: a stand-in never meets a plain value).
    if (isDeepStrictEqual(left, right)) continue;
    let shownLeft = display(left);
    let shownRight = display(right);
    // "1" and 1, or "true" and true, look the same unquoted; quote them when that hides the change.
    if (shownLeft === shownRight && shownLeft !== REDACTED) {
      shownLeft = JSON.stringify(left) ?? shownLeft;
      shownRight = JSON.stringify(right) ?? shownRight;
    }
    out.push([key, oneLine(shownLeft), oneLine(shownRight)]);
  }
  return out;
}
