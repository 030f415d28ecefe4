import { createTwoFilesPatch } from 'diff';
import { maskYamlText } from '../secrets-yaml.js';

/**
 * Most lines a diff may add and remove in all. Finding a diff costs time that grows with the
 * square of its size (the Myers algorithm); a migration that rewrites a large file would take
 * minutes to diff, and a diff of tens of thousands of lines is not something to review anyway (a
 * 300-VM migration changes about 3,700 lines, diffed in about a second).
 */
export const MAX_DIFF_EDITS = 10_000;

/**
 * A unified diff of two versions of a state file, with every secret masked on both sides before
 * diffing (by node ranges, see secrets-yaml.ts), so a key that did not change cannot show up
 * through context lines either. Undefined when the texts differ in more than
 * {@link MAX_DIFF_EDITS} lines (decided on the texts as they are, before masking).
 */
export function secretSafeDiff(
  oldName: string,
  newName: string,
  oldText: string,
  newText: string,
): string | undefined {
  const plainBefore = plainText(oldText);
  const plainAfter = plainText(newText);
  // Known too large in one linear pass, before the masking (which parses both texts: seconds for
  // a file of megabytes) and before the diff library would spend seconds to find out.
  if (editsAtLeast(plainBefore, plainAfter) > MAX_DIFF_EDITS) return undefined;
  const before = maskYamlText(plainBefore);
  const after = maskYamlText(plainAfter);
  return createTwoFilesPatch(oldName, newName, before, after, undefined, undefined, {
    context: 3,
    maxEditLength: MAX_DIFF_EDITS,
  });
}

// A text compared line by line: no byte-order mark, LF line breaks.
function plainText(text: string): string {
  return text.replace(/^\ufeff/, '').replace(/\r\n/g, '\n');
}

/** How many sections of a {@link diffSections} summary the text and Markdown reports list. */
export const SHOWN_SECTIONS = 50;

/** One top-level section of a state file in a {@link diffSections} summary. */
export interface DiffSection {
  /** The top-level key. */
  section: string;
  /** Its lines before and after (null: the section is not in that version). */
  lines_before: number | null;
  lines_after: number | null;
  state: 'added' | 'removed' | 'changed' | 'unchanged';
}

/**
 * What stands in for a diff too large to show ({@link secretSafeDiff} gives none): each top-level
 * section of either version with its line counts and whether it changed: changed, added, removed,
 * then unchanged, each in file order. Linear in the size of the texts (and a sort of the
 * sections); names and counts only, no values.
 */
export function diffSections(oldText: string, newText: string): DiffSection[] {
  // Not masked: only keys and line counts are shown (a section whose only change is a secret is
  // "changed", as compare-runs tells a changed secret).
  const a = sections(plainText(oldText));
  const b = sections(plainText(newText));
  const names = [...a.keys(), ...[...b.keys()].filter((name) => !a.has(name))];
  const rows: DiffSection[] = names.map((section) => {
    const before = a.get(section);
    const after = b.get(section);
    const state =
      before === undefined
        ? 'added'
        : after === undefined
          ? 'removed'
          : before.join('\n') === after.join('\n')
            ? 'unchanged'
            : 'changed';
    return { section, lines_before: before?.length ?? null, lines_after: after?.length ?? null, state };
  });
  // What differs first (a stable sort keeps file order within each state).
  const rank = { changed: 0, added: 1, removed: 2, unchanged: 3 };
  return rows.sort((x, y) => rank[x.state] - rank[y.state]);
}

// Top-level sections (a key at column 0 and the lines up to the next one) with their lines; lines
// before the first key (a header comment) belong to no section.
function sections(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  const lines = text.split('\n');
  // The line break that ends the file starts no line.
  if (lines.at(-1) === '') lines.pop();
  for (const line of lines) {
    const key = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"\-?][^:]*):(?:\s|$)/.exec(line)?.[1];
    if (key !== undefined) {
      current = [];
      out.set(key, current);
    }
    current?.push(line);
  }
  return out;
}

// A lower bound of the lines a diff of the two texts adds and removes: every line that one text
// has more often than the other must be added or removed.
function editsAtLeast(a: string, b: string): number {
  const counts = new Map<string, number>();
  for (const line of a.split('\n')) counts.set(line, (counts.get(line) ?? 0) + 1);
  for (const line of b.split('\n')) counts.set(line, (counts.get(line) ?? 0) - 1);
  let edits = 0;
  for (const count of counts.values()) edits += Math.abs(count);
  return edits;
}
