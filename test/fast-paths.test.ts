// The fast paths of issue 6 give exactly what the full paths give: the fast YAML reader against
// the `yaml` library (data, positions, refusals), validateTextFast against parseState +
// validateParsed, and the stitched Document of long event lists against parseDocument.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { YAML_OUTPUT_OPTIONS } from '../src/migrate/engine.js';
import { fastParse, LineIndex, locateFast, resolvePlain } from '../src/parse/fast-yaml.js';
import { FAITHFUL_YAML_OPTIONS } from '../src/parse/numbers.js';
import { parseState } from '../src/parse/parse.js';
import { type EventMap, isStitched, parseStateDocument } from '../src/parse/stitch.js';
import { locate, pointerSegments, toPointer } from '../src/validate/positions.js';
import { validateParsed, validateTextFast } from '../src/validate/validate.js';
import { repoRoot } from './helpers.js';

// parseState's options: the core schema with the number tags that keep a number's spelling.
const OPTIONS = {
  ...FAITHFUL_YAML_OPTIONS,
  uniqueKeys: true,
  prettyErrors: false,
  keepSourceTokens: false,
} as const;

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...yamlFiles(path));
    else if (/\.ya?ml$/.test(name)) out.push(path);
  }
  return out;
}

const fixtures = yamlFiles(join(repoRoot, 'fixtures')).map((path) => ({
  name: relative(repoRoot, path),
  text: readFileSync(path, 'utf8'),
}));

/** What the library makes of a text: its data, or that it reports an error. */
function library(text: string) {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { ...OPTIONS, lineCounter });
  if (doc.errors.length > 0) return { error: true as const };
  try {
    return { error: false as const, doc, lineCounter, data: doc.toJS({ maxAliasCount: 100 }) as unknown };
  } catch {
    return { error: true as const };
  }
}

function pointers(value: unknown, prefix = ''): string[] {
  const out = [prefix];
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value))
      out.push(...pointers(child, `${prefix}${toPointer([key])}`));
  }
  return out;
}

/** Seeded random numbers, so that every run checks the same cases. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

// Small edits of the fixtures with the characters that matter to YAML.
function mutations(count: number, seed: number): string[] {
  const next = random(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)] as T;
  const inserts = [
    ' ',
    ': ',
    '-',
    '- ',
    '#',
    ' #',
    '"',
    "'",
    '{',
    '}',
    '[',
    ']',
    ',',
    '\\',
    '\\n',
    '\\x41',
    '\\q',
    '&a',
    '*a',
    '!t',
    '|',
    '>',
    '?',
    '%',
    '@',
    '---',
    '...',
    '~',
    'null',
    'True',
    '0x1F',
    '0o7',
    '1e3',
    '.inf',
    '<<',
    '__proto__',
    'é',
    '\t',
    '\r',
  ];
  const texts = fixtures.map((fixture) => fixture.text);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const lines = pick(texts).split('\n');
    for (let edit = 0; edit < 1 + Math.floor(next() * 2); edit++) {
      const at = Math.floor(next() * lines.length);
      const line = lines[at] as string;
      const op = next();
      if (op < 0.55) {
        const col = Math.floor(next() * (line.length + 1));
        lines[at] = line.slice(0, col) + pick(inserts) + line.slice(col);
      } else if (op < 0.7) {
        const col = Math.floor(next() * line.length);
        lines[at] = line.slice(0, col) + line.slice(col + 1);
      } else if (op < 0.8) {
        lines.splice(at, 0, line);
      } else if (op < 0.9) {
        lines[at] = next() < 0.5 ? ` ${line}` : line.replace(/^ /, '');
      } else {
        lines.splice(at, 0, `${' '.repeat(Math.floor(next() * 5))}# c`);
      }
    }
    out.push(lines.join('\n'));
  }
  return out;
}

describe('fastParse', () => {
  const cases = [...fixtures.map((f) => f.text), ...mutations(1000, 6)];

  it('reads the fixtures as the library does, and refuses what the library rejects', () => {
    let accepted = 0;
    for (const { name, text } of fixtures) {
      const lib = library(text);
      const fast = fastParse(text);
      if (lib.error) {
        expect(fast, name).toBeUndefined();
      } else if (fast) {
        accepted++;
        expect(fast.data, name).toStrictEqual(lib.data);
      }
    }
    // Every v1 and v2 example is in the subset (CRLF ones excepted).
    for (const { name, text } of fixtures) {
      if (/^fixtures\/v[12]\//.test(name) && !text.includes('\r'))
        expect(fastParse(text), name).toBeDefined();
    }
    expect(accepted).toBeGreaterThan(40);
  });

  it('never accepts what the library rejects, and agrees on the data of what it accepts', () => {
    let accepted = 0;
    for (const text of cases) {
      const lib = library(text);
      const fast = fastParse(text);
      if (lib.error) {
        expect(fast, JSON.stringify(text)).toBeUndefined();
        continue;
      }
      if (!fast) continue;
      accepted++;
      expect(isDeepStrictEqual(fast.data, lib.data), JSON.stringify(text)).toBe(true);
    }
    expect(accepted).toBeGreaterThan(300);
  });

  it('places every value and key where locate() does, or leaves it to the library', () => {
    let placed = 0;
    for (const text of cases.slice(0, 400)) {
      const lib = library(text);
      const fast = fastParse(text, { nodes: true });
      if (lib.error || !fast?.root) continue;
      const lines = new LineIndex(text);
      for (const pointer of pointers(lib.data)) {
        for (const atKey of [false, true]) {
          for (const probe of [pointer, `${pointer}/missing`]) {
            const range = locateFast(fast.root, pointerSegments(probe), lines, atKey);
            if (!range) continue;
            placed++;
            expect(range, `${probe} in ${JSON.stringify(text.slice(0, 80))}`).toEqual(
              locate(lib.doc, lib.lineCounter, probe, atKey),
            );
          }
        }
      }
    }
    expect(placed).toBeGreaterThan(10_000);
  });

  it('refuses a character outside the subset in a text read just before in other forms', () => {
    // The character scan is skipped for the text read last (validate reads a text with a problem
    // twice); a text that differs by one character is scanned again.
    const clean = fixtures.find((f) => f.name.endsWith('v1/e5-deployer.yaml'))?.text ?? '';
    expect(fastParse(clean)).toBeDefined();
    for (const bad of ['\t', '\r', '\u2028', '\ufeff', '\x7f', '\ud83d\ude00']) {
      const text = clean.replace('deployer: ', `deployer: ${bad}`);
      expect(fastParse(clean, { nodes: true })?.root, JSON.stringify(bad)).toBeDefined();
      expect(fastParse(text), JSON.stringify(bad)).toBeUndefined();
      expect(fastParse(text, { nodes: true }), JSON.stringify(bad)).toBeUndefined();
      expect(fastParse(clean)?.data).toStrictEqual(fastParse(clean, { nodes: true })?.data);
    }
  });

  it('gives a one-line event or phase mapping the nodes flowMap gives it', () => {
    // The quick expression for these lines refuses a comment after them, which flowMap reads:
    // the same line with and without one, as the value of a key, compared node for node.
    const lines = new Set<string>();
    for (const { text } of fixtures) {
      for (const line of text.split('\n')) {
        const at = line.indexOf(': {');
        if (at > 0 && line.trimEnd().endsWith('}')) lines.add(line.slice(at + 2).trimEnd());
      }
    }
    for (const extra of [
      '{a: "x"}',
      '{a: true, b: false}',
      '{a: "", b: "q r"}',
      '{x_1: "a", y: "b", z: true}',
    ]) {
      lines.add(extra);
    }
    expect(lines.size).toBeGreaterThan(20);
    let quick = 0;
    for (const line of lines) {
      const plain = fastParse(`k: ${line}\n`, { nodes: true });
      const commented = fastParse(`k: ${line} # c\n`, { nodes: true });
      expect(plain?.data, line).toStrictEqual(commented?.data);
      expect(plain?.root?.pairs?.[0]?.value, line).toStrictEqual(commented?.root?.pairs?.[0]?.value);
      if (plain) quick++;
    }
    expect(quick).toBeGreaterThan(20);
  });

  it('resolves plain scalars as the library does, the common ones (true, false, null, digits) too', () => {
    const plain = [
      'true',
      'false',
      'null',
      'True',
      'FALSE',
      'Null',
      '~',
      '0',
      '7',
      '007',
      '0123456789',
      '51846',
      '9007199254740993',
      '123456789012345678901234567890',
      '-1',
      '+1',
      '0o17',
      '0x1F',
      '1.5',
      '1e3',
      '.inf',
      '-.Inf',
      '.nan',
      'truex',
      'nulls',
      'falsey',
      '12a',
      'text',
      '1 2',
    ];
    for (const text of plain) {
      const lib = library(`v: ${text}\n`);
      expect(lib.error, text).toBe(false);
      expect(resolvePlain(text), text).toStrictEqual((lib.data as { v: unknown }).v);
    }
  });

  it('refuses nesting deeper than parseState allows', () => {
    const deep = `a: ${'['.repeat(200)}${']'.repeat(200)}\n`;
    expect(fastParse(deep)).toBeUndefined();
  });
});

describe('validateTextFast', () => {
  const variants = [{}, { strict: true }, { version: 1 }, { version: 2 }];

  it('gives what parseState + validateParsed give, for every fixture and option', () => {
    let fast = 0;
    for (const { name, text } of fixtures) {
      for (const options of variants) {
        const quick = validateTextFast(text, options);
        if (!quick) continue;
        fast++;
        const full = validateParsed(parseState(text, name), options);
        expect(quick, `${name} ${JSON.stringify(options)}`).toEqual(full);
      }
    }
    expect(fast).toBeGreaterThan(60);
  });

  it('gives the same result on edited fixtures, or leaves them to the full path', () => {
    for (const text of mutations(600, 66)) {
      const quick = validateTextFast(text);
      if (!quick) continue;
      expect(quick).toEqual(validateParsed(parseState(text, 'x.yaml')));
    }
  });
});

// Documents with event lists in the places and forms the deployer writes them, and near misses.
function eventDocuments(count: number, seed: number): string[] {
  const next = random(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)] as T;
  const value = () =>
    next() < 0.95
      ? `"v${Math.floor(next() * 100)} ${pick(['ok', 'x: y', '#h', '[z]'])}"`
      : pick(['"é"', '1', 'true', '""', "'s'", '"a\\"b"', '12345678901234567890', '0x1F', '1e3', '1.50']);
  const item = (indent: number) => {
    // Distinct keys, now and then one the core schema does not read as a string.
    const names = ['timestamp', 'action', 'message', next() < 0.05 ? pick(['null', 'constructor']) : 'phase'];
    const pairs = names.slice(0, 1 + Math.floor(next() * 4)).map((name) => `${name}: ${value()}`);
    return `${' '.repeat(indent)}- {${pairs.join(', ')}}${next() < 0.03 ? ' # c' : ''}`;
  };
  const block = (keyIndent: number, name: string) => {
    const indent = keyIndent + pick([0, 2, 2, 4]);
    const lines = [`${' '.repeat(keyIndent)}${name}:`];
    for (let i = 0; i < 1 + Math.floor(next() * 5); i++) {
      lines.push(
        next() < 0.05 ? pick(['', `${' '.repeat(indent)}# c`, `${' '.repeat(indent)}- plain`]) : item(indent),
      );
    }
    return lines;
  };
  const out: string[] = [];
  for (let n = 0; n < count; n++) {
    const lines: string[] = next() < 0.5 ? ['# header'] : [];
    for (let i = 0; i < 1 + Math.floor(next() * 4); i++) {
      const r = next();
      if (r < 0.25) lines.push(...block(0, `events${i}`));
      else if (r < 0.3) {
        // A mapping of records, as VM states are written.
        const indent = pick([2, 2, 4]);
        const fieldIndent = indent + pick([2, 2, 4, 1]);
        lines.push(`vms${i}:`);
        for (let j = 0; j < 1 + Math.floor(next() * 3); j++) {
          lines.push(`${' '.repeat(indent)}${pick([`vm-${j}`, `vm-${j}`, 'True', 'vm-0'])}:`);
          for (let k = 0; k < Math.floor(next() * 4); k++) {
            const field = pick(['public_ip', 'state', 'ok', 'null', 'last_checked']);
            const value = pick([
              '"20.1.2.3"',
              '"Succeeded"',
              'true',
              'false',
              '"a: b"',
              '1',
              '99999999999999999999999',
            ]);
            lines.push(
              next() < 0.05
                ? `${' '.repeat(fieldIndent)}# c`
                : `${' '.repeat(fieldIndent)}${field}: ${value}`,
            );
          }
        }
      } else if (r < 0.35) {
        // A mapping of one-line flow mappings, as WireGuard peers are written.
        const indent = pick([2, 2, 4, 0]);
        lines.push(`peers${i}:`);
        for (let j = 0; j < 1 + Math.floor(next() * 4); j++) {
          const name = pick([`host-${j}`, 'mylaptop', 'true', `k0.w${j}`, 'host-1']);
          const extra = pick(['role: "hub"', 'keys_generated: true', 'ok: false', 'n: 1', 'x: True']);
          lines.push(
            next() < 0.05
              ? `${' '.repeat(indent)}# c`
              : `${' '.repeat(indent)}${name}: {ip: "172.24.0.${j}", ${extra}}`,
          );
        }
      } else if (r < 0.55)
        lines.push(`m${i}:`, '  a: 1', ...block(2, 'events'), ...(next() < 0.5 ? ['  b: "x"'] : []));
      else if (r < 0.75) {
        const indent = pick([0, 2]);
        lines.push(`runs${i}:`, `${' '.repeat(indent)}- run_id: "r"`, ...block(indent + 2, 'events'));
        if (next() < 0.5) lines.push(`${' '.repeat(indent)}- run_id: "s"`, ...block(indent + 2, 'events'));
      } else lines.push(`k${i}: ${value()}`);
      if (next() < 0.08) lines.push(pick(['', '# mid', '...', 'k0: dup']));
    }
    out.push(`${lines.join('\n')}${next() < 0.9 ? '\n' : ''}`);
  }
  return out;
}

// A Document's nodes as comparable data: kinds, ranges, values, styles, comments.
function shape(node: unknown): unknown {
  if (isPair(node)) return { key: shape(node.key), value: shape(node.value) };
  if (!isNode(node)) return node;
  const own: Record<string, unknown> = {
    kind: isMap(node) ? 'map' : isSeq(node) ? 'seq' : isScalar(node) ? 'scalar' : '?',
  };
  for (const [key, value] of Object.entries(node)) if (key !== 'items') own[key] = value;
  if (isMap(node) || isSeq(node)) own.items = node.items.map(shape);
  return own;
}

describe('parseStateDocument', () => {
  const cases = [...fixtures.map((f) => f.text), ...eventDocuments(600, 16)];

  it('builds the Document parseDocument builds: nodes, ranges, lines, output and data', () => {
    let stitched = 0;
    for (const text of cases) {
      const lines = new LineCounter();
      const fast = parseStateDocument(text, OPTIONS, lines);
      const fullLines = new LineCounter();
      const full = parseDocument(text, { ...OPTIONS, lineCounter: fullLines });
      const label = JSON.stringify(text.slice(0, 120));
      if (hasStitched(fast.contents)) stitched++;
      expect(shape(fast.contents), label).toEqual(shape(full.contents));
      expect(fast.range, label).toEqual(full.range);
      expect(lines.lineStarts, label).toEqual(fullLines.lineStarts);
      expect(fast.errors.length, label).toBe(full.errors.length);
      if (full.errors.length > 0) continue;
      expect(fast.toString(YAML_OUTPUT_OPTIONS), label).toBe(full.toString(YAML_OUTPUT_OPTIONS));
      expect(fast.toString(), label).toBe(full.toString());
      // Numbers keep their spelling on both paths (issue 13, item 5).
      for (const spelling of ['12345678901234567890', '99999999999999999999999', '0x1F', '1e3', '1.50']) {
        if (text.includes(`: ${spelling}`))
          expect(fast.toString(YAML_OUTPUT_OPTIONS), label).toContain(`: ${spelling}`);
      }
      let data: unknown;
      try {
        data = full.toJS({ maxAliasCount: 100 });
      } catch {
        expect(() => fast.toJS({ maxAliasCount: 100 }), label).toThrow();
        continue;
      }
      expect(fast.toJS({ maxAliasCount: 100 }), label).toEqual(data);
    }
    expect(stitched).toBeGreaterThan(150);
  });

  it('writes an edited event as the library does', () => {
    const text = 'events:\n  - {a: "x", b: "y"}\n  - {a: "z"}\n';
    const doc = parseStateDocument(text, OPTIONS, new LineCounter());
    const events = doc.get('events', true);
    expect(isStitched(events)).toBe(true);
    doc.setIn(['events', 0, 'a'], 'say "hi"\n');
    doc.setIn(['events', 1, 'n'], 5);
    const full = parseDocument(text, OPTIONS);
    full.setIn(['events', 0, 'a'], 'say "hi"\n');
    full.setIn(['events', 1, 'n'], 5);
    for (const options of [YAML_OUTPUT_OPTIONS, {}, { flowCollectionPadding: true }, { lineWidth: 20 }]) {
      expect(doc.toString(options)).toBe(full.toString(options));
    }
    expect(doc.toJS()).toEqual(full.toJS());
    expect((doc.getIn(['events', 0], true) as EventMap).toJSON()).toEqual({ a: 'say "hi"\n', b: 'y' });
  });

  it('writes edited peers and VM records as the library does', () => {
    const text = [
      'vm_states:',
      '  vm-1:',
      '    public_ip: "20.1.2.3"',
      '    ok: true',
      '  vm-2:',
      '    state: "Succeeded"',
      'peers:',
      '  hub: {ip: "172.24.0.1", keys_generated: true}',
      '  w-1: {ip: "172.24.0.2", keys_generated: false}',
      '',
    ].join('\n');
    const edits: Array<(doc: ReturnType<typeof parseDocument>) => void> = [
      () => undefined,
      (doc) => doc.setIn(['vm_states', 'vm-1', 'ok'], 5),
      (doc) => doc.setIn(['vm_states', 'vm-2', 'state'], 'a "quoted"\nline'),
      (doc) => doc.setIn(['peers', 'w-1', 'keys_generated'], 'yes'),
      (doc) => doc.setIn(['peers', 'hub', 'note'], null),
      (doc) => doc.deleteIn(['vm_states', 'vm-2', 'state']),
      (doc) => {
        const key = (doc.getIn(['vm_states'], true) as { items: Array<{ key: { commentBefore?: string } }> })
          .items[0];
        if (key) key.key.commentBefore = ' first';
      },
    ];
    for (const [index, edit] of edits.entries()) {
      const fast = parseStateDocument(text, OPTIONS, new LineCounter());
      expect(isStitched(fast.get('vm_states', true))).toBe(true);
      expect(isStitched(fast.get('peers', true))).toBe(true);
      const full = parseDocument(text, OPTIONS);
      edit(fast as ReturnType<typeof parseDocument>);
      edit(full);
      for (const options of [YAML_OUTPUT_OPTIONS, {}, { indent: 4 }, { lineWidth: 20 }]) {
        expect(fast.toString(options), `edit ${index}`).toBe(full.toString(options));
      }
      expect(fast.toJS(), `edit ${index}`).toEqual(full.toJS());
    }
  });
});

function hasStitched(node: unknown): boolean {
  if (isStitched(node)) return true;
  if (isPair(node)) return hasStitched(node.value);
  if (isMap(node) || isSeq(node)) return node.items.some(hasStitched);
  return false;
}
