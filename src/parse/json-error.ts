/**
 * Where and why a text that `JSON.parse` refused is not JSON, for a one-line message that must not
 * quote it (a Terraform output file or a `--value-json` value may hold a secret): only the line,
 * the column and the kind of mistake.
 */

import { textPosition } from './decode.js';

/** The first syntax error of a text that is not JSON: its offset and the kind of mistake. */
export interface JsonSyntaxError {
  /** UTF-16 offset of the error in the text (the text's length for an early end). */
  offset: number;
  /** The kind of mistake, e.g. `unterminated string`; never a piece of the text. */
  reason: string;
}

/**
 * Where and why a text is not JSON, for a message that must not quote it (it may hold a secret):
 * e.g. `unterminated string at line 1, column 12`. Undefined when the text is JSON (or too deeply
 * nested to scan).
 */
export function describeJsonError(text: string): string | undefined {
  const found = findJsonError(text);
  if (!found) return undefined;
  const { line, col } = textPosition(text, found.offset);
  return `${found.reason} at line ${line}, column ${col}`;
}

class Stop {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {}
}

/**
 * Finds where and why a text that JSON.parse refused is not JSON. V8's messages differ between
 * Node.js versions and do not always give a position, so the text is scanned again here; values
 * are never quoted, as they may be secrets.
 */
export function findJsonError(text: string): JsonSyntaxError | undefined {
  let i = 0;
  const fail = (reason: string, at = i): never => {
    throw new Stop(at, reason);
  };
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail('unexpected character where a value should be');
  };
  const string = () => {
    i++;
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail(c === 0x0a ? 'line break inside a string' : 'control character inside a string');
      if (c === 0x5c) {
        const next = text[i + 1] ?? '';
        if ('"\\/bfnrt'.includes(next) && next !== '') i += 2;
        else if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else fail('invalid escape in a string');
      } else {
        i++;
      }
    }
  };
  const number = () => {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!match) fail('invalid number');
    i += (match as RegExpExecArray)[0].length;
  };
  const value = (): void => {
    space();
    if (i >= text.length) fail('unexpected end of input');
    const c = text[i] as string;
    if (c === '{') object();
    else if (c === '[') array();
    else if (c === '"') string();
    else if (c === '-' || (c >= '0' && c <= '9')) number();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else if (c === "'") fail('single quotes; JSON strings take double quotes');
    else fail('unexpected character where a value should be');
  };
  const object = () => {
    i++;
    space();
    if (text[i] === '}') {
      i++;
      return;
    }
    for (;;) {
      space();
      if (text[i] !== '"')
        fail(i >= text.length ? 'unexpected end of input' : 'expected a property name in double quotes');
      string();
      space();
      if (text[i] !== ':')
        fail(i >= text.length ? 'unexpected end of input' : "expected ':' after a property name");
      i++;
      value();
      space();
      if (text[i] === ',') {
        i++;
        space();
        if (text[i] === '}') fail("trailing comma before '}'");
        continue;
      }
      if (text[i] === '}') {
        i++;
        return;
      }
      fail(i >= text.length ? 'unexpected end of input' : "expected ',' or '}' after a property value");
    }
  };
  const array = () => {
    i++;
    space();
    if (text[i] === ']') {
      i++;
      return;
    }
    for (;;) {
      value();
      space();
      if (text[i] === ',') {
        i++;
        space();
        if (text[i] === ']') fail("trailing comma before ']'");
        continue;
      }
      if (text[i] === ']') {
        i++;
        return;
      }
      fail(i >= text.length ? 'unexpected end of input' : "expected ',' or ']' after an element");
    }
  };
  try {
    value();
    space();
    if (i < text.length) fail('more text after the JSON value');
    return undefined;
  } catch (error) {
    if (error instanceof Stop) return { offset: Math.min(error.offset, text.length), reason: error.reason };
    // Too deeply nested to scan: report without a position.
    return undefined;
  }
}
