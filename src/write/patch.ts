import { Document, isMap, isScalar, isSeq } from 'yaml';
import { type FastNode, fastParse, resolvePlain } from '../parse/fast-yaml.js';

/** One scalar's new spelling: the text from `start` to `end` becomes `text`. */
export interface ScalarEdit {
  start: number;
  end: number;
  text: string;
}

/** A Document built from the fast reader's data, for a change to run on (see {@link scalarEdits}). */
export interface Scratch {
  doc: Document;
  /** Its nodes before the change: what the change kept is told from what it put anew. */
  original: Set<unknown>;
}

/**
 * A Document of `data` (read by the fast reader into `source`) with the source's collection
 * styles (a change that keeps a node's style sees the file's), and its nodes.
 */
export function scratchDocument(data: Record<string, unknown>, source: FastNode): Scratch {
  const doc = new Document(data, { version: '1.2', schema: 'core', uniqueKeys: true });
  const original = new Set<unknown>();
  const mark = (node: unknown, from: FastNode | undefined): void => {
    original.add(node);
    if (!isMap(node) && !isSeq(node)) return;
    // Flow collections are the ones whose range the fast reader knows.
    node.flow = from !== undefined && from.start >= 0;
    if (isMap(node)) {
      node.items.forEach((pair, i) => {
        mark(pair.value, from?.pairs?.[i]?.value);
      });
    } else {
      node.items.forEach((item, i) => {
        mark(item, from?.items?.[i]);
      });
    }
  };
  mark(doc.contents, source);
  return { doc, original };
}

// Characters the `yaml` library escapes differently from JSON (\x01 for \u0001, \e, \a, \v, \0)
// or writes raw (DEL, C1 controls, and U+2028, U+2029, U+FEFF in some strings): left to the
// library.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters meant.
const NOT_JSON_SPELLED = /[\0-\x07\x0b\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff]/;
// A string the library writes plain in a node that was plain: a word of these characters that
// the core schema reads as a string.
const PLAIN_WORD = /^[A-Za-z0-9_][A-Za-z0-9_./@-]*$/;

/**
 * The edits that turn `text` (read by the fast reader into `source` and `before`) into what the
 * `yaml` library writes, with this tool's output options, for `root`: the Document built from
 * `before` (whose nodes were `original`) after a change. Every scalar whose spelling changes is
 * rewritten in place; every other byte stays as it was. Undefined when the change is more than
 * that (a key added, removed or moved, a list that grew or shrank, a value that became a mapping
 * or a list, a collection put anew in another style or over comments or blank lines, a scalar
 * whose place is not known) or when the library's spelling is not certain here (a hex or other
 * non-decimal number kept, a single-quoted or unusual string): the caller then writes through
 * the library.
 *
 * A scalar's token is replaced by a whole token, so the structure around it cannot change; each
 * spelling is checked to read back as the value it stands for (and the tests compare the result
 * with the library's write, byte for byte).
 */
export function scalarEdits(
  text: string,
  source: FastNode,
  before: unknown,
  root: unknown,
  original: ReadonlySet<unknown>,
): ScalarEdit[] | undefined {
  const edits: ScalarEdit[] = [];
  return new Collector(text, original, edits).walk(source, root, before) ? edits : undefined;
}

/** `text` with `edits` (from {@link scalarEdits}) made. */
export function applyEdits(text: string, edits: readonly ScalarEdit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const edit of sorted) {
    out += text.slice(at, edit.start) + edit.text;
    at = edit.end;
  }
  return out + text.slice(at);
}

class Collector {
  constructor(
    private readonly text: string,
    private readonly original: ReadonlySet<unknown>,
    private readonly edits: ScalarEdit[],
  ) {}

  walk(source: FastNode, node: unknown, before: unknown): boolean {
    if (isScalar(node)) {
      // A number given with its digits (src/parse/numbers.ts) is written in them: the library's.
      if (typeof node.source === 'string' && !this.original.has(node)) return false;
      return this.scalar(source, node.value, before, this.original.has(node));
    }
    const map = isMap(node);
    if (!map && !isSeq(node)) return false;
    const items = node.items as unknown[];
    const kept = this.original.has(node);
    if (!kept && !this.replaceable(source, node.flow === true)) return false;
    if (map) {
      const pairs = source.pairs;
      if (!pairs || pairs.length !== items.length || typeof before !== 'object' || before === null)
        return false;
      const data = before as Record<string, unknown>;
      for (let i = 0; i < pairs.length; i++) {
        const pair = pairs[i] as NonNullable<typeof pairs>[number];
        const item = items[i] as { key: unknown; value: unknown };
        if (!isScalar(item.key) || item.key.value !== pair.name) return false;
        if (!this.walk(pair.value, item.value, data[pair.name])) return false;
      }
      return true;
    }
    const list = source.items;
    if (!list || list.length !== items.length || !Array.isArray(before)) return false;
    for (let i = 0; i < list.length; i++) {
      if (!this.walk(list[i] as FastNode, items[i], before[i])) return false;
    }
    return true;
  }

  /**
   * Whether a collection put anew where `source` was is written as the old one was: in the same
   * style, and over nothing the new node lacks (comments, blank lines).
   */
  private replaceable(source: FastNode, flow: boolean): boolean {
    if (flow !== source.start >= 0) return false;
    const start = flow ? source.start : spanStart(source);
    const end = flow ? source.end : spanEnd(source);
    if (start < 0 || end < 0) return false;
    const inside = this.text.slice(start, end);
    return !inside.includes('#') && !/\n *\n/.test(inside) && !this.commentAfter(end);
  }

  private scalar(source: FastNode, value: unknown, before: unknown, kept: boolean): boolean {
    if (kept && Object.is(value, before)) return true;
    if (source.kind !== 'scalar' || source.start < 0) return false;
    const token = this.text.slice(source.start, source.end);
    // A scalar put anew loses the comment after it in the library's write.
    if (!kept && this.commentAfter(source.end)) return false;
    const spelled = spell(value, kept ? token : undefined, before);
    if (spelled === undefined) return false;
    if (spelled !== token) this.edits.push({ start: source.start, end: source.end, text: spelled });
    return true;
  }

  private commentAfter(end: number): boolean {
    const lineEnd = this.text.indexOf('\n', end);
    return /^ *#/.test(this.text.slice(end, lineEnd < 0 ? undefined : lineEnd));
  }
}

/** Where a collection's first key or item starts (-1 when not known). */
function spanStart(node: FastNode): number {
  if (node.pairs) return node.pairs[0]?.key.start ?? -1;
  if (node.items) {
    const first = node.items[0];
    return first ? (first.start >= 0 ? first.start : spanStart(first)) : -1;
  }
  return node.start;
}

/** Where a collection's last value ends (-1 when not known). */
function spanEnd(node: FastNode): number {
  const last = node.pairs ? node.pairs.at(-1)?.value : node.items?.at(-1);
  if (!node.pairs && !node.items) return node.end;
  if (!last) return -1;
  return last.start >= 0 ? last.end : spanEnd(last);
}

/**
 * The library's spelling of `value`: in a new node (`token` undefined), or in the kept node
 * whose source was `token` and value `before`; undefined when not certain.
 */
function spell(value: unknown, token: string | undefined, before: unknown): string | undefined {
  // A kept number in another form than its plain decimal (0x1F, 1.50, 1e3) is written in that
  // form again.
  if (token !== undefined && typeof before === 'number' && token !== JSON.stringify(before)) return undefined;
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    const text = JSON.stringify(value);
    return Object.is(resolvePlain(text), value) ? text : undefined;
  }
  if (typeof value !== 'string' || NOT_JSON_SPELLED.test(value)) return undefined;
  const quote = token?.charCodeAt(0);
  if (quote === 39 /* ' */) return undefined;
  if (token !== undefined && quote !== 34 /* " */) {
    // A plain node stays plain when the value can be written so, else the library quotes it.
    if (PLAIN_WORD.test(value) && resolvePlain(value) === value) return value;
    if (resolvePlain(value) === value) return undefined;
  }
  // JSON's escapes (\" \\ \b \f \n \r \t \uXXXX) are the library's double-quoted spelling here,
  // and mean the same in YAML.
  const text = JSON.stringify(value);
  return fastParse(`v: ${text}\n`)?.data.v === value ? text : undefined;
}
