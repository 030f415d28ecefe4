import { createTwoFilesPatch } from 'diff';

// `private_key: value` in block or flow style, quoted or not.
const PRIVATE_KEY = /(\bprivate_key["']?\s*:[ \t]*)("(?:[^"\\\r\n]|\\.)*"|'(?:[^'\r\n]|'')*'|[^\s,}#]+)/g;

/** Replaces every `private_key` value in YAML text with `<redacted>`. */
export function maskSecrets(text: string): string {
  return text.replace(PRIVATE_KEY, '$1<redacted>');
}

/**
 * A unified diff of two versions of a state file, with private keys masked on both sides
 * before diffing (so a key that did not change cannot show up through context lines either).
 */
export function secretSafeDiff(oldName: string, newName: string, oldText: string, newText: string): string {
  const normalize = (text: string) => maskSecrets(text.replace(/^\ufeff/, '').replace(/\r\n/g, '\n'));
  return createTwoFilesPatch(oldName, newName, normalize(oldText), normalize(newText), undefined, undefined, {
    context: 3,
  });
}
