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
 * Most lines a diff may change and still be shown: past this, a line-by-line diff is too large to
 * review (and costs time that grows with the product of the sizes), so a per-section summary
 * stands in its place.
 */
export const MAX_DIFF_LINES = 2000;

/**
 * A unified diff of two versions of a state file, with private keys masked on both sides
 * before diffing (so a key that did not change cannot show up through context lines either).
 * When more than {@link MAX_DIFF_LINES} lines would change (a v1 file with thousands of inline
 * events, which the migration moves and re-indents), the diff is replaced by a summary per
 * top-level section that says so: the work stays linear in the size of the file.
 */
export function secretSafeDiff(oldName: string, newName: string, oldText: string, newText: string): string {
  const normalize = (text: string) => maskSecrets(text.replace(/^\ufeff/, '').replace(/\r\n/g, '\n'));
  const before = normalize(oldText);
  const after = normalize(newText);
  const changed = changedLineEstimate(before, after);
  if (changed > MAX_DIFF_LINES) return diffSummary(oldName, newName, before, after, changed);
  const patch = createTwoFilesPatch(oldName, newName, before, after, undefined, undefined, {
    context: 3,
    // The estimate is a lower bound of the edit length; moved blocks can make it larger.
    maxEditLength: MAX_DIFF_LINES * 2,
  });
  return patch ?? diffSummary(oldName, newName, before, after, changed);
}

// Lines only one side has (counted with multiplicity): a lower bound of what a diff changes, in
// one pass over each text.
function changedLineEstimate(before: string, after: string): number {
  const counts = new Map<string, number>();
  for (const line of before.split('\n')) counts.set(line, (counts.get(line) ?? 0) + 1);
  let added = 0;
  for (const line of after.split('\n')) {
    const left = counts.get(line) ?? 0;
    if (left > 0) counts.set(line, left - 1);
    else added++;
  }
  let removed = 0;
  for (const left of counts.values()) removed += left;
  return added + removed;
}

// Top-level sections (a key at column 0 and the lines below it) with their texts.
function sections(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split('\n')) {
    const key = /^([^\s#'"-][^:]*|"[^"]*"|'[^']*'):(?:\s|$)/.exec(line)?.[1];
    if (key !== undefined) {
      current = [];
      out.set(key, current);
    }
    current?.push(line);
  }
  return out;
}

function diffSummary(
  oldName: string,
  newName: string,
  before: string,
  after: string,
  changed: number,
): string {
  const a = sections(before);
  const b = sections(after);
  const names = [...a.keys(), ...[...b.keys()].filter((name) => !a.has(name))];
  const count = (lines: string[] | undefined) =>
    lines === undefined ? 'none' : lines.length.toLocaleString('en-US');
  const rows = names.map((name) => {
    const left = a.get(name);
    const right = b.get(name);
    const state =
      left === undefined
        ? 'added'
        : right === undefined
          ? 'removed'
          : left.join('\n') === right.join('\n')
            ? 'unchanged'
            : 'changed';
    return [name, `${count(left)} → ${count(right)}`, state];
  });
  const width = (index: number) => Math.max(...rows.map((row) => (row[index] ?? '').length), 0);
  const lines = rows.map(
    ([name = '', sizes = '', state = '']) =>
      `  ${name.padEnd(width(0))}  ${sizes.padEnd(width(1))}  ${state}`,
  );
  return [
    `--- ${oldName}`,
    `+++ ${newName}`,
    `The diff is not shown: about ${changed.toLocaleString('en-US')} lines differ, more than ${MAX_DIFF_LINES.toLocaleString('en-US')}, too many to review line by line. The report's changes above list every move; by top-level section (lines before → after):`,
    ...lines,
    '',
  ].join('\n');
}
