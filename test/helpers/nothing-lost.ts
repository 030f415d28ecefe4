// The "nothing lost" check of the v1 -> v2 migration, shared by test/migrations.test.ts (the
// fixtures) and test/property.test.ts (generated files): every leaf of the input is followed
// through the report's changes to its v2 place, to unrecognized, or to the pruned list.
import type { Change } from '../../src/migrate/types.js';

/** One leaf value of a document and its dotted path. */
export type Leaf = { path: string; value: unknown };

/** Every leaf of a value (an empty map or list is a leaf too). */
export function leaves(value: unknown, path: string[] = []): Leaf[] {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value)
      ? value.map((v, i) => [String(i), v] as const)
      : Object.entries(value);
    if (entries.length === 0) return [{ path: path.join('.'), value }];
    return entries.flatMap(([key, child]) => leaves(child, [...path, key]));
  }
  return [{ path: path.join('.'), value }];
}

/** The value at a dotted path; keys that contain dots (unrecognized) are matched greedily. */
export function getDotted(data: unknown, dotted: string): unknown {
  // Keys of unrecognized may contain dots: match them greedily.
  let node: unknown = data;
  let rest = dotted;
  while (rest !== '') {
    if (node === null || typeof node !== 'object') return undefined;
    const record = node as Record<string, unknown>;
    const key = Object.keys(record)
      .filter((k) => rest === k || rest.startsWith(`${k}.`))
      .sort((a, b) => b.length - a.length)[0];
    if (key === undefined) return undefined;
    node = record[key];
    rest = rest.slice(key.length + 1);
  }
  return node;
}

/** True when `path` is `prefix` or lies under it. */
export const covers = (prefix: string, path: string) => path === prefix || path.startsWith(`${prefix}.`);

/** Loose equality of an input leaf and what the output holds (legacy strings were retyped). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a !== null && typeof a === 'object')
    return JSON.stringify(a) === JSON.stringify(b) || (b === '{}' && Object.keys(a).length === 0);
  if (b !== null && typeof b === 'object') return sameValue(b, a);
  return String(a) === String(b);
}

/** Follows one input leaf through the changes; returns why it is lost, or undefined when it is kept. */
export function lostReason(leaf: Leaf, changes: readonly Change[], output: unknown): string | undefined {
  let at = leaf.path;
  let expected: unknown = leaf.value;
  for (const change of changes) {
    if (change.op === 'prune' && change.from && covers(change.from, at)) return undefined;
    if (change.op === 'move' && change.from && change.to && covers(change.from, at)) {
      at = change.to + at.slice(change.from.length);
    } else if (change.op === 'retype' && change.to === at) {
      expected = change.value;
    } else if (change.op === 'set' && change.to && covers(change.to, at)) {
      const copied = changes.find((c) => c.op === 'add' && c.from && covers(c.from, at));
      if (!copied) return `overwritten at ${at} by ${change.step} without a copy`;
      return undefined;
    }
  }
  const found = getDotted(output, at);
  if (found === undefined) return `not found at ${at}`;
  if (!sameValue(found, expected))
    return `at ${at}: ${JSON.stringify(found)} instead of ${JSON.stringify(expected)}`;
  return undefined;
}
