/**
 * Where and why a text that `JSON.parse` refused is not JSON, for a one-line message that must not
 * quote it (a Terraform output file or a `--value-json` value may hold a secret): only the line,
 * the column and the kind of mistake.
 *
 * Decision (issue 14): the error is placed by `jsonc-parser` (Microsoft's, no dependencies), run
 * strictly (no comments, no trailing commas, no empty text), in place of a scanner of our own. It
 * was preferred over the `yaml` parser, which reads JSON as YAML flow and so accepts single quotes,
 * bare words and trailing commas, and names its errors in YAML terms. V8's own messages are not
 * used: they differ between Node.js versions and quote the text. `JSON.parse` stays the judge of
 * what is JSON; this module only runs after it refused a text. When jsonc-parser finds no error or
 * cannot finish (it recurses, so a text nested some 100,000 levels deep overflows its stack), the
 * caller says only that the text cannot be parsed. (The CLI bundle takes its ES module build:
 * scripts/bundle.mjs.)
 *
 * The library reports an error code at a token; the kind of mistake is worded from that code and
 * what was read just before it (a comma, a property name, a complete value), an error inside a
 * string is narrowed to the offending character of that string, and of two errors at one token
 * the one about the token's place is named. On 12,936 mutated invalid texts this gave the place
 * and wording of the scanner it replaced for 96.5%; the rest are malformed numbers and words, now
 * named at their start (`invalid number`), see CHANGELOG.
 */

import { printParseErrorCode, visit } from 'jsonc-parser';
import { textPosition } from './decode.js';

/** The first syntax error of a text that is not JSON: its offset and the kind of mistake. */
export interface JsonSyntaxError {
  /** UTF-16 offset of the error in the text (the text's length for an early end). */
  offset: number;
  /** The kind of mistake, e.g. `unterminated string`; never a piece of the text. */
  reason: string;
}

/** What the parser read last before an error: it decides how the error is worded. */
type Step = 'start' | 'open' | 'key' | 'colon' | 'comma' | 'value';

/**
 * Finds where and why `text` is not JSON. Undefined when jsonc-parser sees no error (see the
 * module comment: `JSON.parse` may still refuse the text) or the text is too deeply nested for it.
 */
export function findJsonError(text: string): JsonSyntaxError | undefined {
  const open: ('{' | '[')[] = [];
  let step: Step = 'start';
  let first: { error: JsonSyntaxError; code: string; offset: number } | undefined;
  let settled = false;
  const close = () => {
    open.pop();
    step = 'value';
  };
  try {
    visit(
      text,
      {
        onObjectBegin: () => {
          open.push('{');
          step = 'open';
        },
        onArrayBegin: () => {
          open.push('[');
          step = 'open';
        },
        onObjectEnd: close,
        onArrayEnd: close,
        onObjectProperty: () => {
          step = 'key';
        },
        onSeparator: (character) => {
          step = character === ',' ? 'comma' : 'colon';
        },
        onLiteralValue: () => {
          step = 'value';
        },
        onError: (error, offset, length) => {
          if (settled) return;
          const code = printParseErrorCode(error);
          const placed = placeError(text, code, offset, length, step, open.at(-1));
          if (first === undefined) {
            first = { error: placed, code, offset };
            settled = !SCAN_ERRORS.has(code);
            return;
          }
          // jsonc-parser reports a token's own flaw (an unterminated string) before the error of
          // finding that token there at all (a missing comma), which comes first in the text.
          if (offset === first.offset && !SCAN_ERRORS.has(code)) first.error = placed;
          settled = true;
        },
      },
      { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false },
    );
  } catch {
    // Nested too deeply for the parser's recursion: no position.
    return undefined;
  }
  return first?.error;
}

// The errors jsonc-parser's scanner finds inside one token (a string, a number, a comment).
const SCAN_ERRORS = new Set([
  'UnexpectedEndOfString',
  'InvalidEscapeCharacter',
  'InvalidUnicode',
  'InvalidCharacter',
  'InvalidNumberFormat',
  'UnexpectedEndOfNumber',
  'InvalidCommentToken',
  'UnexpectedEndOfComment',
]);

/**
 * Where and why a text is not JSON, e.g. `unterminated string at line 1, column 12`, for a message
 * about a value given on the command line. Undefined as for {@link findJsonError}.
 */
export function describeJsonError(text: string): string | undefined {
  const found = findJsonError(text);
  if (!found) return undefined;
  const { line, col } = textPosition(text, found.offset);
  return `${found.reason} at line ${line}, column ${col}`;
}

function placeError(
  text: string,
  code: string,
  offset: number,
  length: number,
  step: Step,
  container: '{' | '[' | undefined,
): JsonSyntaxError {
  const at = (reason: string, where = offset) => ({ offset: Math.min(where, text.length), reason });
  switch (code) {
    case 'UnexpectedEndOfString':
    case 'InvalidEscapeCharacter':
    case 'InvalidUnicode':
    case 'InvalidCharacter': {
      // jsonc-parser flags the whole string token with its last flaw; the first one is named.
      const bad = badStringCharacter(text.slice(offset, offset + length));
      if (bad !== undefined) {
        return at(
          bad.control ? 'control character inside a string' : 'invalid escape in a string',
          offset + bad.index,
        );
      }
      // The string token runs up to the line break or the end of the text that cut it short.
      const end = offset + length;
      return at(
        text[end] === '\n' || text[end] === '\r' ? 'line break inside a string' : 'unterminated string',
        end,
      );
    }
    case 'InvalidNumberFormat':
    case 'UnexpectedEndOfNumber':
      return at('invalid number');
    case 'InvalidCommentToken':
    case 'UnexpectedEndOfComment':
      return at('a comment; JSON has no comments');
    case 'EndOfFileExpected':
      return at('more text after the JSON value');
  }
  if (offset >= text.length) return at('unexpected end of input');
  if (code === 'ColonExpected' || step === 'key') return at("expected ':' after a property name");
  const next = text[offset] ?? '';
  if (step === 'value') {
    if (container === undefined) return at('more text after the JSON value');
    return at(
      container === '{'
        ? "expected ',' or '}' after a property value"
        : "expected ',' or ']' after an element",
    );
  }
  if (step === 'comma' && next === (container === '{' ? '}' : ']'))
    return at(`trailing comma before '${next}'`);
  if (container === '{' && (step === 'open' || step === 'comma')) {
    return at('expected a property name in double quotes');
  }
  if (next === "'") return at('single quotes; JSON strings take double quotes');
  if (next === '-' || (next >= '0' && next <= '9')) return at('invalid number');
  return at('unexpected character where a value should be');
}

// The first control character of a string token, or the backslash of its first escape that is not
// one of JSON's; undefined when it has neither.
function badStringCharacter(token: string): { index: number; control: boolean } | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters JSON refuses in a string
  const pattern = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})|([\u0000-\u001f])|(\\)/g;
  for (let match = pattern.exec(token); match !== null; match = pattern.exec(token)) {
    if (match[1] !== undefined || match[2] !== undefined)
      return { index: match.index, control: match[1] !== undefined };
  }
  return undefined;
}
