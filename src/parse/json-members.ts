/**
 * The members of a JSON object text, one at a time: {@link forEachJsonMember} hands each name and
 * the text of its value to a visitor, in the order written, without building the object.
 *
 * `JSON.parse` of one object with a million keys costs more than twice the time of half a million
 * (V8 keeps such an object as a hash table, and the collector walks it again and again), so a
 * reader that can stop early (the size cap of `infra sync`) reads the members one by one. The
 * scanner checks only the object's own punctuation; every name and value is given to `JSON.parse`,
 * so no text `JSON.parse` refuses is ever accepted. Anything unusual makes it give up (return
 * false), and the caller parses the whole text, which then names the error and its place.
 */

// JSON's four whitespace characters.
function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

// The index just past the string whose opening quote is at `open`, or -1 when it does not close.
function stringEnd(text: string, open: number): number {
  let from = open + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote < 0) return -1;
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

// A member name's value: the text between the quotes when it needs no decoding.
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON forbids them raw in a string, so such a name is left to JSON.parse, which refuses it
const PLAIN_NAME = /^"[^"\\\u0000-\u001f]*"$/;

/**
 * Calls `visit(name, value)` for each member of the JSON object `text` (no byte-order mark), in
 * the order written, with `value` the member's parsed value and `valueText` its text. A repeated
 * name is visited each time (JSON.parse keeps the last). Returns true when `text` is a JSON object
 * and every member was visited; false, at the first thing it does not read, when it is not (or is
 * written in a way it leaves to `JSON.parse`): members visited before that may then be wrong, and
 * the caller must parse the whole text itself. An exception of `visit` stops the scan and is
 * passed on.
 */
export function forEachJsonMember(
  text: string,
  visit: (name: string, value: unknown, valueText: string) => void,
): boolean {
  const end = text.length;
  let at = 0;
  const skipSpace = (): number => {
    while (at < end && isSpace(text.charCodeAt(at))) at++;
    return at < end ? text.charCodeAt(at) : -1;
  };
  if (skipSpace() !== 0x7b) return false;
  at++;
  if (skipSpace() === 0x7d) {
    at++;
    skipSpace();
    return at === end;
  }
  for (;;) {
    if (text.charCodeAt(at) !== 0x22) return false;
    const nameEnd = stringEnd(text, at);
    if (nameEnd < 0) return false;
    const nameText = text.slice(at, nameEnd);
    let name: unknown;
    if (PLAIN_NAME.test(nameText)) name = nameText.slice(1, -1);
    else {
      try {
        name = JSON.parse(nameText);
      } catch {
        return false;
      }
    }
    at = nameEnd;
    if (skipSpace() !== 0x3a) return false;
    at++;
    // The value runs to the first comma or closing brace outside its strings and brackets; its
    // own text is then checked by JSON.parse.
    const valueStart = at;
    let depth = 0;
    for (;;) {
      if (at >= end) return false;
      const code = text.charCodeAt(at);
      if (code === 0x22) {
        at = stringEnd(text, at);
        if (at < 0) return false;
        continue;
      }
      if (code === 0x7b || code === 0x5b) depth++;
      else if (code === 0x7d || code === 0x5d) {
        if (depth === 0) break;
        depth--;
      } else if (code === 0x2c && depth === 0) break;
      at++;
    }
    const valueText = text.slice(valueStart, at);
    let value: unknown;
    try {
      value = JSON.parse(valueText);
    } catch {
      return false;
    }
    visit(name as string, value, valueText);
    if (text.charCodeAt(at) === 0x2c) {
      at++;
      skipSpace();
      continue;
    }
    if (text.charCodeAt(at) !== 0x7d) return false;
    at++;
    skipSpace();
    return at === end;
  }
}
