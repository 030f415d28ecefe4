import { createTwoFilesPatch } from 'diff';
import { maskYamlText } from '../secrets-yaml.js';

/**
 * Most lines a diff may add and remove in all. Finding a diff costs time that grows with the
 * square of its size (the Myers algorithm); a migration that rewrites a large file would take
 * minutes to diff, and a diff of tens of thousands of lines is not something to review anyway.
 */
export const MAX_DIFF_EDITS = 5000;

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
  return createTwoFilesPatch(oldName, newName, normalize(oldText), normalize(newText), undefined, undefined, {
    context: 3,
    maxEditLength: MAX_DIFF_EDITS,
  });
}
