// Collects every error or problem code the sources can print, for the tests that check the
// troubleshooting page and the SARIF rule catalogue cover them all.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** TypeScript files under `dir`, without src/generated. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'generated' ? [] : sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** The first argument of a call starting at `open` (the index of its `(`), as text. */
function firstArgument(text: string, open: number): string {
  let depth = 0;
  let quote = '';
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i] as string;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) return text.slice(open + 1, i);
      depth--;
    } else if (c === ',' && depth === 0) return text.slice(open + 1, i);
  }
  return '';
}

/**
 * Error classes whose constructor takes a code first: `constructor(code: string, …)`. Others take
 * the message (or a name) first and fix their code with `super('code', …)`.
 */
function codeFirstClasses(texts: string[]): Set<string> {
  const classes = new Set<string>();
  for (const text of texts) {
    for (const match of text.matchAll(/class (\w+) extends \w+ \{[\s\S]*?constructor\(\s*(\w+)/g)) {
      if (match[2] === 'code') classes.add(match[1] ?? '');
    }
  }
  return classes;
}

/** The text with template literals blanked out (their quoted parts are message text, not codes). */
function withoutTemplates(text: string): string {
  return text.replace(/`(?:\\.|[^`\\])*`/g, '``');
}

const CODE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** One code and where it is used. */
export interface CodeUse {
  code: string;
  files: string[];
}

/**
 * Every code in the sources under `roots` (relative to `base`): the code arguments of
 * `new XError('code', …)` (all the literals of a conditional first argument), of `super('code', …)`,
 * `code: 'code'` in problems, and `[code]` at the end of a message the CLI prints itself.
 * Template codes such as `schema-${keyword}` come back with `<keyword>` for the placeholder.
 */
export function collectCodes(base: string, roots: string[]): CodeUse[] {
  const found = new Map<string, Set<string>>();
  const add = (code: string, file: string) => {
    const files = found.get(code) ?? new Set<string>();
    found.set(code, files);
    files.add(relative(base, file));
  };
  const files = roots.flatMap((root) => sourceFiles(join(base, root)));
  const texts = new Map(files.map((file) => [file, readFileSync(file, 'utf8')]));
  const codeFirst = codeFirstClasses([...texts.values()]);
  for (const [file, text] of texts) {
    for (const match of text.matchAll(/\bnew (\w*Error)\(|\bsuper\(/g)) {
      const className = match[1];
      if (className !== undefined && !codeFirst.has(className)) continue;
      const argument = withoutTemplates(firstArgument(text, (match.index ?? 0) + match[0].length - 1));
      for (const literal of argument.matchAll(/'([^'\\]*)'/g)) {
        const code = literal[1] ?? '';
        if (CODE.test(code)) add(code, file);
      }
    }
    for (const match of text.matchAll(/\bcode: '([a-z0-9-]+)'/g)) add(match[1] ?? '', file);
    // Data-quality warnings of the migration steps: context.warn('code', path, message).
    for (const match of text.matchAll(/\.warn\(\s*'([a-z0-9-]+)'/g)) add(match[1] ?? '', file);
    for (const match of text.matchAll(/\bcode: `([a-z0-9-]*)\$\{[^}]*?(\w+)\}`/g)) {
      add(`${match[1]}<${match[2]}>`, file);
    }
    for (const match of text.matchAll(/\[([a-z][a-z0-9]*(?:-[a-z0-9]+)+)\]\\n/g)) add(match[1] ?? '', file);
  }
  return [...found]
    .map(([code, files]) => ({ code, files: [...files].sort() }))
    .sort((a, b) => a.code.localeCompare(b.code));
}

/** Text files under `dir` (recursively) whose name ends with one of `endings`. */
function textFiles(dir: string, endings: string[]): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return textFiles(path, endings);
    return endings.some((ending) => name.endsWith(ending)) ? [path] : [];
  });
}

/**
 * The codes the tests expect to see emitted: written as the CLI prints them (`[code]`, or `\[code\]`
 * in a regular expression), or as a
 * quoted string (`'code'`, `"code"`, e.g. `expect(error.code).toBe('code')` or a report's
 * `"code": "..."`), in the test files and the expected outputs under fixtures/. The files that
 * only list codes (the docs test, this collector) are left out.
 */
export function pinnedCodes(base: string): Set<string> {
  const files = [
    ...textFiles(join(base, 'test'), ['.ts']).filter(
      (file) => !/test[\\/](docs\.test|helpers[\\/]error-codes)\.ts$/.test(file),
    ),
    ...textFiles(join(base, 'fixtures'), ['.txt', '.json', '.xml']),
  ];
  const codes = new Set<string>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    // `[code]`, also inside a regular expression (`\[code\]`), or a quoted code.
    for (const match of text.matchAll(
      /\[([a-z][a-z0-9]*(?:-[a-z0-9]+)*)\\?\]|(['"])([a-z][a-z0-9]*(?:-[a-z0-9]+)*)\2/g,
    )) {
      codes.add(match[1] ?? match[3] ?? '');
    }
  }
  return codes;
}
