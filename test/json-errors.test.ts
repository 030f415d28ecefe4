// Where and why a JSON text is refused (issue 14, item 2: the place of a syntax error comes from
// jsonc-parser, src/parse/json-error.ts): the same line, column and kind of mistake for a Terraform
// output file (`infra sync --outputs FILE`), a `runtime set --value-json` value and an `infra set`
// value; never a piece of the text (it may be a secret); the file untouched.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeJsonError, findJsonError } from '../src/parse/json-error.js';
import { cli, makeWorkdir, removeWorkdir, type Workdir } from './support-runtime.js';

const SECRET = 'SECRETq1w2e3r4';
const OUTPUTS_FIX = 'pass what `terraform output -json` prints (run it in the Terraform folder)';
/** Deeper than jsonc-parser's recursion reaches (JSON.parse refuses it: one bracket short). */
const TOO_DEEP = `${'['.repeat(200_000)}${']'.repeat(199_999)}`;

// [name, text, line, column, kind of mistake]
const CASES: [string, string, number, number, string][] = [
  ['an unterminated string', `{"a": "${SECRET}`, 1, 22, 'unterminated string'],
  ['a trailing comma', `{"a": "${SECRET}",}`, 1, 24, "trailing comma before '}'"],
  ['a trailing comma in an array on line 2', '{\n  "a": [1, 2,]\n}', 2, 14, "trailing comma before ']'"],
  ['a missing value', '{"a": }', 1, 7, 'unexpected character where a value should be'],
  ['a missing value at the end', '{"a": ', 1, 7, 'unexpected end of input'],
  ['garbage after the value', `{"a": 1} ${SECRET}`, 1, 10, 'more text after the JSON value'],
  [
    'a missing comma before a string',
    `{"a": "x" "${SECRET}`,
    1,
    11,
    "expected ',' or '}' after a property value",
  ],
  ['a missing colon', `{"a" "${SECRET}"}`, 1, 6, "expected ':' after a property name"],
  ['a bad escape', `{"a": "${SECRET}\\q"}`, 1, 22, 'invalid escape in a string'],
  [
    'a control character before the end',
    `{"a": "${SECRET}\u0001`,
    1,
    22,
    'control character inside a string',
  ],
  ['a line break in a string', `{"a": "${SECRET}\n"}`, 1, 22, 'line break inside a string'],
  ['a malformed number', '{"a": 1.}', 1, 7, 'invalid number'],
  ['a comment', `{"a": 1} // ${SECRET}`, 1, 10, 'a comment; JSON has no comments'],
];

let work: Workdir;
beforeAll(async () => {
  work = await makeWorkdir('v2/mid-run.yaml');
});
afterAll(() => removeWorkdir(work));

function k(argv: string[]) {
  return cli(work.dir, argv, { K0RDENT_STATE_NOW: '2026-03-04T05:06:07Z' });
}

/** Runs `argv` and expects exit `code`, nothing on stdout, `err` on stderr and the file as it was. */
async function expectRefused(argv: string[], code: number, err: string): Promise<void> {
  const before = await readFile(work.file);
  const result = await k(argv);
  expect(result).toEqual({ code, out: '', err: `${err}\n` });
  expect(result.err).not.toContain(SECRET);
  expect(await readFile(work.file)).toEqual(before);
}

describe('the place and kind of a JSON syntax error', () => {
  it.each(CASES)('%s: infra sync --outputs FILE', async (_name, text, line, col, kind) => {
    await writeFile(join(work.dir, 'o.json'), text);
    await expectRefused(
      ['infra', 'sync', '--outputs', 'o.json'],
      3,
      `o.json:${line}:${col}: error: is not JSON: ${kind}; ${OUTPUTS_FIX} [terraform-not-json]`,
    );
  });

  it.each(CASES)('%s: runtime set --value-json', async (_name, text, line, col, kind) => {
    await expectRefused(
      ['runtime', 'set', 'artifacts.x', text, '--value-json'],
      2,
      `state/deployment-state.yaml: error: the --value-json value (${text.length} characters) is not JSON: ${kind} at line ${line}, column ${col}; drop --value-json to store it as text [bad-value]`,
    );
  });

  it.each(CASES)('%s: infra set', async (_name, text, line, col, kind) => {
    await expectRefused(
      ['infra', 'set', 'vnet_name', text],
      2,
      `state/deployment-state.yaml: error: infra set takes JSON; the value (${text.length} characters) is not JSON: ${kind} at line ${line}, column ${col}; write text as a JSON string, e.g. '"rg-1"' [bad-value]`,
    );
  });

  it('empty input: an empty output file, an empty value', async () => {
    await writeFile(join(work.dir, 'o.json'), '');
    await expectRefused(
      ['infra', 'sync', '--outputs', 'o.json'],
      3,
      `o.json: error: is empty, not JSON; ${OUTPUTS_FIX} [terraform-not-json]`,
    );
    await expectRefused(
      ['runtime', 'set', 'artifacts.x', '', '--value-json'],
      2,
      'state/deployment-state.yaml: error: the --value-json value (0 characters) is not JSON: unexpected end of input at line 1, column 1; drop --value-json to store it as text [bad-value]',
    );
    await expectRefused(
      ['infra', 'set', 'vnet_name', ''],
      2,
      `state/deployment-state.yaml: error: infra set takes JSON; the value (0 characters) is not JSON: unexpected end of input at line 1, column 1; write text as a JSON string, e.g. '"rg-1"' [bad-value]`,
    );
  });

  it('says only that it cannot be parsed when jsonc-parser cannot place the error (nested too deeply)', async () => {
    expect(findJsonError(TOO_DEEP)).toBeUndefined();
    await writeFile(join(work.dir, 'o.json'), TOO_DEEP);
    await expectRefused(
      ['infra', 'sync', '--outputs', 'o.json'],
      3,
      `o.json: error: is not JSON: it cannot be parsed; ${OUTPUTS_FIX} [terraform-not-json]`,
    );
  });

  it('finds nothing in JSON, and describes an error by line and column', () => {
    expect(findJsonError('{"a": [1, {"b": null}], "c": "\\u00e9\\n"}')).toBeUndefined();
    expect(describeJsonError('[\n  1,\n  2\n  3\n]')).toBe(
      "expected ',' or ']' after an element at line 4, column 3",
    );
  });
});
