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
 * {@link MAX_DIFF_EDITS} lines.
 */
export function secretSafeDiff(
  oldName: string,
  newName: string,
  oldText: string,
  newText: string,
): string | undefined {
  const normalize = (text: string) => maskYamlText(text.replace(/^\ufeff/, '').replace(/\r\n/g, '\n'));
  const before = normalize(oldText);
  const after = normalize(newText);
  // Known too large in one linear pass: the diff library would spend seconds to find out.
  if (editsAtLeast(before, after) > MAX_DIFF_EDITS) return undefined;
  return createTwoFilesPatch(oldName, newName, before, after, undefined, undefined, {
    context: 3,
    maxEditLength: MAX_DIFF_EDITS,
  });
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
