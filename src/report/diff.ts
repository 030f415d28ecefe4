import { createTwoFilesPatch } from 'diff';

// `private_key: value` in block or flow style, quoted or not (a plain value may hold spaces), after
// an optional anchor or tag (`&k`, `!!str`); a block scalar header (`|`, `>-`) stands for the
// lines below it.
const PRIVATE_KEY =
  /(\bprivate_key["']?\s*:[ \t]*)((?:[&!][^\s,{}[\]]*[ \t]+)*)("(?:[^"\\\r\n]|\\.)*"|'(?:[^'\r\n]|'')*'|[|>][0-9+-]*(?=[ \t]*(?:#.*)?$)|[^\s,}\]#](?:[^,}\]\r\n#]|(?<=\S)#)*)/g;
// A private_key in block style, first on its line, e.g. `  private_key: ...` or `- private_key: ...`.
const BLOCK_KEY = /^([ \t]*(?:- +)?)["']?private_key["']?\s*:/;

/**
 * Replaces every `private_key` value in YAML text with `<redacted>`, including the lines a value
 * continues on (a block scalar, a quoted or plain scalar spanning lines).
 */
export function maskSecrets(text: string): string {
  const lines = text.split('\n');
  // Lines indented more than this continue a private key's value.
  let hideDeeperThan = -1;
  for (const [index, line] of lines.entries()) {
    const indent = line.length - line.trimStart().length;
    if (hideDeeperThan >= 0) {
      if (line.trim() === '') continue;
      if (indent > hideDeeperThan) {
        lines[index] = `${line.slice(0, indent)}<redacted>`;
        continue;
      }
      hideDeeperThan = -1;
    }
    // The column of a block-style key: lines indented more than it continue its value.
    const block = BLOCK_KEY.exec(line)?.[1]?.length;
    let continues = false;
    lines[index] = line.replace(PRIVATE_KEY, (_match, key: string, properties: string, value: string) => {
      const quote = value[0] === '"' || value[0] === "'" ? value[0] : '';
      const unclosed = quote !== '' && (value.length < 2 || !value.endsWith(quote));
      if (/^[|>]/.test(value) || unclosed || block !== undefined) continues = true;
      // A plain value runs to the end of the line or a comment: keep the spaces before the comment.
      return `${key}${properties}<redacted>${value.slice(value.trimEnd().length)}`;
    });
    if (continues) hideDeeperThan = block ?? indent;
  }
  return lines.join('\n');
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
