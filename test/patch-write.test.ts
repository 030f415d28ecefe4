// The in-place write of a one-shot change (UpdateHooks.dataOnly, src/write/patch.ts): the same
// data as the library's write, every untouched byte kept, and the library's write whenever the
// change is more than new scalar values. Each case runs the same change both ways on copies of
// the same file and compares.
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Document, parseDocument } from 'yaml';
import { serialize } from '../src/migrate/serialize.js';
import { fastParse } from '../src/parse/fast-yaml.js';
import { faithfulNumber } from '../src/parse/numbers.js';
import { setLegacyValue } from '../src/runtime/legacy.js';
import { setPhase } from '../src/runtime/phase-ops.js';
import { type StateView, updateState } from '../src/runtime/transaction.js';
import { setRuntime } from '../src/runtime/values.js';
import { applyEdits, scalarEdits, scratchDocument } from '../src/write/patch.js';

const NOW = new Date('2026-03-04T05:06:07Z');
const work = mkdtempSync(join(tmpdir(), 'k0rdent-patch-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const fixtureDir = join(import.meta.dirname, '..', 'fixtures');
/** Every v2 file we ship: the v2 fixtures and the migrations' expected outputs. */
const files = [
  ...readdirSync(join(fixtureDir, 'v2')).map((name) => join(fixtureDir, 'v2', name)),
  ...readdirSync(join(fixtureDir, 'migrations')).map((name) =>
    join(fixtureDir, 'migrations', name, 'expected.yaml'),
  ),
];

type Change = { label: string; mutate: (view: StateView) => unknown };
const changes: Change[] = [
  { label: 'runtime bool', mutate: (v) => setRuntime(v, 'wireguard_config.vpn_connected', 'false', false) },
  { label: 'runtime text', mutate: (v) => setRuntime(v, 'k0rdent_install_state.namespace', 'kcm-2', false) },
  {
    label: 'runtime text to escape',
    mutate: (v) => setRuntime(v, 'k0rdent_install_state.namespace', 'a "b" \\ c\td é\n', false),
  },
  {
    label: 'runtime text the library spells its own way',
    mutate: (v) => setRuntime(v, 'k0rdent_install_state.namespace', 'del\x7f sep\u2028', false),
  },
  { label: 'phase set', mutate: (v) => setPhase(v, 'install_k0s', 'in_progress', NOW) },
  { label: 'phase skipped', mutate: (v) => setPhase(v, 'install_k0s', 'skipped', NOW, 'why') },
  { label: 'legacy update_state', mutate: (v) => setLegacyValue(v, 'wg_vpn_connected', 'true', NOW) },
  { label: 'new key', mutate: (v) => setRuntime(v, 'k0s_cluster_state.kubeconfig_path', '/k/c', false) },
];

interface Outcome {
  text?: string;
  error?: string;
  written?: boolean;
  inPlace?: boolean;
}

async function attempt(source: string, change: Change, dataOnly: boolean, tag: string): Promise<Outcome> {
  const file = join(work, `${tag}-${dataOnly ? 'patch' : 'doc'}.yaml`);
  copyFileSync(source, file);
  try {
    const result = await updateState(file, change.mutate, { now: NOW }, { dataOnly });
    return { text: readFileSync(file, 'utf8'), written: result.written, inPlace: result.inPlace === true };
  } catch (error) {
    return { error: String((error as Error).message), text: readFileSync(file, 'utf8') };
  }
}

describe('a data-only change on a file the fast reader accepts', () => {
  let inPlace = 0;
  let compared = 0;
  for (const source of files) {
    const name = source.slice(fixtureDir.length + 1);
    it(`is written as the library writes it: ${name}`, async () => {
      const original = readFileSync(source, 'utf8');
      // Files exactly as this tool writes them: both ways must give the same bytes.
      const canonical = serialize(parseDocument(original), { eol: '\n', bom: false }) === original;
      for (const [index, change] of changes.entries()) {
        const tag = `${name.replace(/\W/g, '_')}-${index}`;
        const patch = await attempt(source, change, true, tag);
        const doc = await attempt(source, change, false, tag);
        const where = `${name}: ${change.label}`;
        expect(patch.error, where).toBe(doc.error);
        expect(patch.written, where).toBe(doc.written);
        expect(parseDocument(patch.text ?? '').toJS(), where).toEqual(parseDocument(doc.text ?? '').toJS());
        if (patch.inPlace) {
          inPlace++;
          // What the fast reader and the library read back agree, and only changed values moved.
          expect(fastParse(patch.text ?? '')?.data, where).toEqual(parseDocument(patch.text ?? '').toJS());
          const before = original.split('\n');
          const after = (patch.text ?? '').split('\n');
          expect(after.length, where).toBe(before.length);
          for (let line = 0; line < before.length; line++) {
            if (before[line] === after[line]) continue;
            // A changed line keeps its key and indentation: only the value after ": " moved.
            expect(after[line]?.split(': ')[0], where).toBe(before[line]?.split(': ')[0]);
          }
          if (canonical) {
            compared++;
            expect(patch.text, where).toBe(doc.text);
          }
        } else {
          expect(patch.text, where).toBe(doc.text);
        }
      }
    });
  }

  it('takes the in-place write for most of them, and compares bytes on the canonical files', () => {
    expect(inPlace).toBeGreaterThan(files.length);
    expect(compared).toBeGreaterThan(files.length / 2);
  });

  it('takes it for the common writes of a run: a value, a phase marked again', async () => {
    const source = join(fixtureDir, 'v2', 'mid-run.yaml');
    const file = join(work, 'common.yaml');
    copyFileSync(source, file);
    const write = (change: Change['mutate'], now = NOW) =>
      updateState(file, change, { now }, { dataOnly: true });
    const set = (key: string, value: string) => (view: StateView) => setRuntime(view, key, value, false);
    expect((await write(set('k0rdent_install_state.installed', 'true'))).inPlace).toBe(true);
    expect((await write(set('wireguard_config.vpn_connected', 'false'))).inPlace).toBe(true);
    // A run lists its phases from its start: marking one only changes values.
    const mark = (status: string) => (view: StateView) => setPhase(view, 'install_k0rdent', status, NOW);
    expect((await write(mark('in_progress'))).inPlace).toBe(true);
    expect((await write(mark('completed'), new Date('2026-03-04T05:07:00Z'))).inPlace).toBe(true);
    expect((await write(mark('in_progress'), new Date('2026-03-04T05:08:00Z'))).inPlace).toBe(true);
    // A new key is the library's to place.
    expect((await write(set('k0s_cluster_state.kubeconfig_path', '/k/c'))).inPlace).not.toBe(true);
    expect((await write(set('k0s_cluster_state.kubeconfig_path', '/k/d'))).inPlace).toBe(true);
  });
});

describe('the in-place write keeps what the library would rewrite', () => {
  it('keeps comments, plain spellings and number forms of the untouched values', async () => {
    const source = join(fixtureDir, 'v2', 'several-runs.yaml');
    const text = readFileSync(source, 'utf8')
      .replace('deployer: "frank@example.com"', 'deployer: frank@example.com   # who ran it')
      .replace('  wireguard_port: 51846', '  wireguard_port: 0xCA06 # hex, as written');
    const file = join(work, 'commented.yaml');
    writeFileSync(file, text);
    const result = await updateState(
      file,
      (view) => setRuntime(view, 'wireguard_config.vpn_connected', 'false', false),
      { now: NOW },
      { dataOnly: true },
    );
    expect(result.inPlace).toBe(true);
    const written = readFileSync(file, 'utf8');
    expect(written).toContain('deployer: frank@example.com   # who ran it');
    expect(written).toContain('  wireguard_port: 0xCA06 # hex, as written');
    expect(written).toContain('  vpn_connected: false');
    expect(written).toContain(`last_updated: "2026-03-04T05:06:07Z"`);
    expect(written.split('\n').length).toBe(text.split('\n').length);
  });

  it('leaves a no-op change unwritten, as the library does', async () => {
    const file = join(work, 'noop.yaml');
    copyFileSync(join(fixtureDir, 'v2', 'several-runs.yaml'), file);
    const before = readFileSync(file, 'utf8');
    const result = await updateState(
      file,
      (view) => setRuntime(view, 'wireguard_config.vpn_connected', 'true', false),
      { now: NOW },
      { dataOnly: true },
    );
    expect(result.written).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('refuses an invalid change through the library, with its message, the file untouched', async () => {
    const file = join(work, 'invalid.yaml');
    copyFileSync(join(fixtureDir, 'v2', 'several-runs.yaml'), file);
    const before = readFileSync(file, 'utf8');
    await expect(
      updateState(
        file,
        (view) => setRuntime(view, 'config.controller_count', '0', false),
        { now: NOW },
        { dataOnly: true },
      ),
    ).rejects.toThrow(/config\.controller_count/);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});

describe('scalarEdits', () => {
  // The edit a change of the Document built from `text`'s data makes.
  const edit = (text: string, change: (doc: Document) => void) => {
    const fast = fastParse(text, { nodes: true });
    if (!fast?.root) throw new Error('not fast');
    const { doc, original } = scratchDocument(fast.data, fast.root);
    change(doc);
    const edits = scalarEdits(text, fast.root, fast.data, doc.contents, original);
    const library = serialize(parseDocument(text), { eol: '\n', bom: false });
    return { text: edits && applyEdits(text, edits), library };
  };

  it('rewrites changed scalars in block and flow collections, keeping the rest', () => {
    const text = 'a: 1 # one\nb: {c: "x", d: [1, two]}\ne:\n  - plain\n  - "q"\n';
    const result = edit(text, (doc) => {
      doc.setIn(['a'], 2);
      doc.setIn(['b', 'c'], 'y');
      doc.setIn(['b', 'd', 1], 'three');
      doc.setIn(['e', 1], null);
    });
    expect(result.text).toBe('a: 2 # one\nb: {c: "y", d: [1, three]}\ne:\n  - plain\n  - null\n');
    expect(edit(text, () => undefined).text).toBe(text);
  });

  it('spells a value put anew as the library does: strings double-quoted', () => {
    const text = 'k: plain\nn: 1\n';
    expect(edit(text, (doc) => doc.setIn(['k'], doc.createNode('word'))).text).toBe('k: "word"\nn: 1\n');
    // A kept plain node stays plain for a word, and is quoted for text the schema reads otherwise.
    expect(edit(text, (doc) => doc.setIn(['k'], 'word')).text).toBe('k: word\nn: 1\n');
    expect(edit(text, (doc) => doc.setIn(['k'], 'true')).text).toBe('k: "true"\nn: 1\n');
    expect(edit(text, (doc) => doc.setIn(['k'], 'two words')).text).toBeUndefined();
  });

  it('spells strings so that they read back as the same text', () => {
    for (const value of ['a"b', 'back\\slash', 'tab\there', 'line\nbreak', 'é ü', '#x', ': y']) {
      const written = edit('k: "old"\n', (doc) => doc.setIn(['k'], value)).text;
      expect(written, JSON.stringify(value)).toBeDefined();
      expect(parseDocument(written ?? '').toJS()).toEqual({ k: value });
      const library = parseDocument('k: "old"\n');
      library.setIn(['k'], value);
      expect(written).toBe(serialize(library, { eol: '\n', bom: false }));
    }
  });

  it('leaves to the library what it cannot spell or place', () => {
    const text = 'a: 1\nb: [1]\nc: {d: 1}\ne:\nh: 0x1F\np:\n  q: 1 # note\n';
    const none = (change: (doc: Document) => void) => expect(edit(text, change).text).toBeUndefined();
    none((doc) => doc.setIn(['f'], 1)); // a new key
    none((doc) => doc.delete('a')); // a removed key
    none((doc) => {
      doc.delete('a');
      doc.set('a', 1);
    }); // a key moved to the end
    none((doc) => doc.setIn(['b', 1], 2)); // a longer list
    none((doc) => doc.setIn(['c'], 'x')); // a mapping becomes a scalar
    none((doc) => doc.setIn(['a'], doc.createNode({ x: 1 }))); // a scalar becomes a mapping
    none((doc) => doc.setIn(['e'], 'x')); // an empty value has no range
    none((doc) => doc.setIn(['h'], 32)); // a hex number is written in hex again
    none((doc) => doc.setIn(['a'], -0)); // -0 reads back as 0
    none((doc) => doc.setIn(['a'], faithfulNumber('12345678901234567890'))); // written in its digits
    none((doc) => doc.setIn(['a'], Number.NaN));
    none((doc) => doc.setIn(['a'], '😀')); // outside what the fast reader reads
    none((doc) => doc.setIn(['a'], 'bell\x07')); // the library writes \a, JSON \u0007
    none((doc) => doc.setIn(['p'], doc.createNode({ q: 2 }))); // a new node over a comment
    none((doc) => doc.setIn(['p', 'q'], doc.createNode(2))); // likewise, for a scalar
    none((doc) => {
      const node = doc.createNode({ d: 2 });
      node.flow = false;
      doc.setIn(['c'], node);
    }); // a flow mapping put anew in block style
  });
});
