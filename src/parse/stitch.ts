import {
  type Document,
  type DocumentOptions,
  isCollection,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  Pair,
  type ParseOptions,
  parseDocument,
  Scalar,
  type SchemaOptions,
  YAMLMap,
  YAMLSeq,
} from 'yaml';

/**
 * `parseDocument` for large state files, giving the same Document. The deployer writes its long
 * lists in a few plain forms: events as block sequences of one-line flow mappings
 * (`  - {timestamp: "…", action: "…", message: "…"}`, tens of thousands in an old file),
 * WireGuard peers as a mapping of one-line flow mappings (`  host: {ip: "…", keys_generated: true}`)
 * and VM states as a mapping of records (`  vm:` then `    state: "Succeeded"` lines). Such a
 * collection, when every line of it has that exact form, is cut out of the text before the library
 * parses the rest, and its nodes are built here directly, with the ranges, types and styles the
 * library gives them; the line counter and the ranges of the rest are shifted back to the original
 * text. Repeated keys are found in one pass instead of the library's check, which compares every
 * key of a mapping with every other. Any other text, or one the library reports an error for, is
 * parsed whole by the library, which reports the error.
 *
 * The nodes built here also write themselves and turn into plain data quickly, as long as they
 * keep the form they were read with (see {@link EventMap}, {@link EventList}, {@link EventTable}).
 *
 * Over 400 lines on purpose: finding the blocks, building their nodes and shifting the library's
 * ranges back are one contract with the `yaml` library's node shapes, kept in one file so that a
 * change of that library is checked in one place (test/fast-paths.test.ts compares the Documents).
 * It stays because the big-file rows of `npm run bench` fail without it (bench/RESULTS.md).
 */

type Options = ParseOptions & DocumentOptions & SchemaOptions;

// The flow mapping of one line: plain lowercase keys, and values that are double-quoted strings of
// printable ASCII without quotes or backslashes (nothing to escape or resolve), or true / false.
const FLOW =
  '\\{[a-z_][a-z0-9_]*: (?:"[ !#-[\\]-~]*"|true|false)(?:, [a-z_][a-z0-9_]*: (?:"[ !#-[\\]-~]*"|true|false))*\\}';
// An item line of a sequence, `- {...}`, or of a mapping, `name: {...}` (a plain name).
const SEQ_ITEM = new RegExp(`^( *)- ${FLOW}$`);
const MAP_ITEM = new RegExp(`^( *)([A-Za-z_][A-Za-z0-9_.-]*): ${FLOW}$`);
const MAP_START = /^ *[A-Za-z_][A-Za-z0-9_.-]*: \{/;
// A record: `name:` alone on its line, then `key: "text"` (or true / false) lines one level deeper.
const NAME_LINE = /^( *)([A-Za-z_][A-Za-z0-9_.-]*):$/;
const FIELD_LINE = /^( *)([a-z_][a-z0-9_]*): (?:"([ !#-[\]-~]*)"|(true|false))$/;
const PAIR = /([a-z_][a-z0-9_]*): (?:"([ !#-[\]-~]*)"|(true|false))/y;
// The key line of such a collection: `key:` alone on its line.
const KEY_LINE = /^( *)([A-Za-z_][A-Za-z0-9_]*):$/;
// Keys that the core schema reads as something other than a string (lowercase keys), and names
// of Object.prototype (which toJS sets differently): left to the library.
const NOT_STRING = new Set(['null', 'true', 'false', ...Object.getOwnPropertyNames(Object.prototype)]);
// Names of mapping items (any case) that the core schema reads as something other than a string.
const NOT_STRING_NAME = /^(?:[Nn]ull|NULL|[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const KEY = /^[a-z_][a-z0-9_]*$/;
const SAFE = /^[ !#-[\]-~]*$/;

/** A collection to build: where its key is, and the offsets of its lines in the text. */
interface Block {
  /**
   * A sequence of `- {...}` lines, a mapping of `name: {...}` lines, or a mapping of records
   * (`name:` and `key: "text"` lines below it).
   */
  kind: 'seq' | 'map' | 'records';
  /** Column of the fields of records. */
  fieldIndent?: number;
  /** Offset of the key's first character. */
  keyAt: number;
  /** Offset of the first item line and just after the last one's newline. */
  start: number;
  end: number;
  /** Column of the dashes or names. */
  indent: number;
}

/**
 * parseDocument(text, options) with `lineCounter` filled in, built faster for long event lists
 * and large mappings.
 */
export function parseStateDocument(
  text: string,
  options: Options,
  lineCounter: LineCounter,
): Document.Parsed {
  if ((options.uniqueKeys ?? true) === true) {
    // The library finds a repeated key by comparing each key with all the keys before it, which
    // grows with the square of a mapping's size (thousands of VMs). Here keys are checked in one
    // pass instead; a text with a repeated key (an error) is parsed again with the library's
    // check, so that the error is the library's.
    const lines = new LineCounter();
    const doc = parseWith(text, { ...options, uniqueKeys: false }, lines);
    if (!hasRepeatedKey(doc.contents)) {
      doc.options.uniqueKeys = true;
      for (const start of lines.lineStarts) lineCounter.addNewLine(start);
      return doc;
    }
  }
  return parseWith(text, options, lineCounter);
}

function parseWith(text: string, options: Options, lineCounter: LineCounter): Document.Parsed {
  const blocks =
    (text.includes('- {') || text.includes(': {')) && !text.includes('\r') ? findBlocks(text) : [];
  if (blocks.length > 0) {
    const doc = stitched(text, options, lineCounter, blocks);
    if (doc) return doc;
  }
  return parseDocument(text, { ...options, lineCounter });
}

// Whether a mapping has a key twice, as the library's uniqueKeys check sees it: the same node or
// scalars of the same value (NaN keys count as repeated here, which only costs a second parse).
// Event lists built here are skipped: their keys were checked when they were read.
function hasRepeatedKey(node: unknown): boolean {
  if (node instanceof EventList || node instanceof EventTable || !isCollection(node)) return false;
  if (isMap(node)) {
    const seen = new Set<unknown>();
    for (const pair of node.items) {
      const key = pair.key as unknown;
      const id = isScalar(key) ? key.value : key;
      if (seen.has(id)) return true;
      seen.add(id);
      if (hasRepeatedKey(key) || hasRepeatedKey(pair.value)) return true;
    }
    return false;
  }
  for (const item of node.items as unknown[]) {
    if (isPair(item) ? hasRepeatedKey(item.key) || hasRepeatedKey(item.value) : hasRepeatedKey(item))
      return true;
  }
  return false;
}

// The item blocks of a text, in order. A block is only taken when nothing about it can change how
// the rest is read: the key line is followed directly by the items, every item of the sequence has
// the exact form, and the next line is a key at most as indented as the key, or the end.
function findBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  let previous = -1; // start of the previous line
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let kind: Block['kind'] | undefined;
    if (previous >= 0) {
      const line = text.slice(start, Math.min(end, start + 1100));
      if (line.startsWith('- {', countSpaces(line, 0))) kind = 'seq';
      else if (MAP_START.test(line)) kind = 'map';
      else if (NAME_LINE.test(line)) kind = 'records';
    }
    if (kind) {
      const keyLine = KEY_LINE.exec(text.slice(previous, start - 1));
      const block = keyLine
        ? takeBlock(text, start, (keyLine[1] as string).length, previous, kind)
        : undefined;
      if (block) {
        blocks.push(block);
        previous = -1;
        start = block.end;
        continue;
      }
    }
    previous = start;
    start = end + 1;
  }
  return blocks;
}

function countSpaces(text: string, at: number): number {
  let n = 0;
  while (text.charCodeAt(at + n) === 32) n++;
  return n;
}

function takeBlock(
  text: string,
  first: number,
  keyIndent: number,
  keyLineStart: number,
  kind: Block['kind'],
): Block | undefined {
  const indent = countSpaces(text, first);
  // A sequence may sit at the indentation of its key, a mapping only deeper.
  if (indent < keyIndent || (kind !== 'seq' && indent === keyIndent)) return undefined;
  const keyName = KEY_LINE.exec(text.slice(keyLineStart, first - 1))?.[2] as string;
  if (NOT_STRING_NAME.test(keyName) || keyName.length > 1000) return undefined;
  const names = new Set<string>();
  let fields = new Set<string>();
  let fieldIndent = -1;
  let start = first;
  for (;;) {
    const end = text.indexOf('\n', start);
    if (end < 0) return undefined; // the last line must end with a newline
    const line = text.slice(start, end);
    const lineIndent = countSpaces(line, 0);
    if (kind === 'records' && lineIndent !== indent) {
      // A field of the current record.
      const field = FIELD_LINE.exec(line);
      if (!field || lineIndent <= indent || (fieldIndent >= 0 && lineIndent !== fieldIndent))
        return undefined;
      const name = field[2] as string;
      if (fields.has(name) || NOT_STRING.has(name)) return undefined;
      fields.add(name);
      fieldIndent = lineIndent;
    } else {
      const match = (kind === 'seq' ? SEQ_ITEM : kind === 'map' ? MAP_ITEM : NAME_LINE).exec(line);
      if (!match || lineIndent !== indent || (kind !== 'records' && !pairsOk(line))) return undefined;
      if (kind !== 'seq') {
        const name = match[2] as string;
        if (names.has(name) || NOT_STRING_NAME.test(name) || name.length > 1000) return undefined;
        names.add(name);
      }
      // A record needs at least one field, on the next line.
      if (kind === 'records') {
        if (fields.size === 0 && names.size > 1) return undefined;
        fields = new Set();
      }
    }
    start = end + 1;
    if (start >= text.length) break;
    const next = countSpaces(text, start);
    const c = text[start + next];
    if (kind === 'records') {
      if (c !== '\n' && c !== '#' && c !== '-' && c !== undefined && (next === indent || next > indent))
        continue;
    } else if (next === indent && (kind === 'map' ? c !== '-' && c !== '#' && c !== '\n' : c === '-')) {
      continue;
    }
    // The next line: a key (not blank, not a comment, not a sequence item) no deeper than the key.
    if (c === '\n' || c === '#' || c === '-' || c === undefined || next > keyIndent) return undefined;
    break;
  }
  if (kind === 'records' && fields.size === 0) return undefined;
  return {
    kind,
    keyAt: keyLineStart + keyIndent,
    start: first,
    end: start,
    indent,
    ...(kind === 'records' ? { fieldIndent } : {}),
  };
}

// Keys of one item line: strings under the core schema, none repeated.
function pairsOk(line: string): boolean {
  const seen = new Set<string>();
  PAIR.lastIndex = line.indexOf('{') + 1;
  for (let match = PAIR.exec(line); match; match = PAIR.exec(line)) {
    const key = match[1] as string;
    if (NOT_STRING.has(key) || seen.has(key)) return false;
    seen.add(key);
    if (line[PAIR.lastIndex] === ',') PAIR.lastIndex += 2;
  }
  return true;
}

function stitched(
  text: string,
  options: Options,
  lineCounter: LineCounter,
  blocks: Block[],
): Document.Parsed | undefined {
  // The text without the item lines; `cuts` maps offsets of the cut text back.
  const parts: string[] = [];
  const cuts: Array<{ at: number; length: number }> = [];
  let from = 0;
  let removed = 0;
  for (const block of blocks) {
    parts.push(text.slice(from, block.start));
    cuts.push({ at: block.start - removed, length: block.end - block.start });
    removed += block.end - block.start;
    from = block.end;
  }
  parts.push(text.slice(from));
  const cutText = parts.join('');
  const cutLines = new LineCounter();
  const doc = parseDocument(cutText, { ...options, lineCounter: cutLines });
  if (doc.errors.length > 0) return undefined;

  const original = (offset: number) => {
    let shift = 0;
    for (const cut of cuts) if (offset >= cut.at) shift += cut.length;
    return offset + shift;
  };
  // Each block's key, found before the ranges move: its pair and the collections above it.
  const found = blocks.map((block, index) =>
    findPair(doc.contents as Node | null, blockKeyInCutText(block, cuts, index), []),
  );
  if (found.some((entry) => entry === undefined)) return undefined;

  shiftRanges(doc, original);
  if (doc.range) doc.range = doc.range.map(original) as [number, number, number];

  blocks.forEach((block, index) => {
    const { pair, ancestors } = found[index] as NonNullable<(typeof found)[number]>;
    const empty = pair.value as Scalar;
    const emptyEnd = empty.range?.[2];
    pair.value =
      block.kind === 'seq'
        ? buildSequence(text, block, doc)
        : block.kind === 'map'
          ? buildTable(text, block, doc)
          : buildRecords(text, block, doc);
    // The collections (and the document) that ended with the empty value now end with the
    // sequence.
    for (const range of [...ancestors.map((node) => node.range), doc.range]) {
      if (!range) continue;
      if (range[1] === emptyEnd) range[1] = block.end;
      if (range[2] === emptyEnd) range[2] = block.end;
    }
  });

  // Line starts of the whole text: those of the cut text, moved, and those of the item lines.
  const starts: number[] = [];
  let block = 0;
  for (const cutStart of cutLines.lineStarts) {
    const offset = original(cutStart);
    while (block < blocks.length && (blocks[block] as Block).start <= offset) {
      const { start, end } = blocks[block] as Block;
      for (let line = start; line < end; line = text.indexOf('\n', line) + 1) {
        if (starts.at(-1) !== line) starts.push(line);
      }
      block++;
    }
    if (starts.at(-1) !== offset) starts.push(offset);
  }
  for (const start of starts) lineCounter.addNewLine(start);
  return doc;
}

// Offset, in the cut text, of the key of block `index`.
function blockKeyInCutText(block: Block, cuts: Array<{ at: number; length: number }>, index: number): number {
  let shift = 0;
  for (let i = 0; i < index; i++) shift += (cuts[i] as { length: number }).length;
  return block.keyAt - shift;
}

// The pair whose key starts at `keyAt` and has an empty value (`key:` alone), with the
// collections that hold it, innermost first.
function findPair(
  node: Node | null,
  keyAt: number,
  ancestors: Node[],
): { pair: Pair<Node, Node | null>; ancestors: Node[] } | undefined {
  if (!node || !isCollection(node)) return undefined;
  const range = node.range;
  if (range && (keyAt < range[0] || keyAt > range[2])) return undefined;
  for (const item of node.items as unknown[]) {
    if (isPair(item)) {
      const key = item.key as Node | null;
      if (isScalar(key) && key.range?.[0] === keyAt) {
        const value = item.value as Node | null;
        const empty =
          isScalar(value) &&
          value.value === null &&
          value.source === '' &&
          !value.comment &&
          !value.commentBefore &&
          !key.comment &&
          !value.anchor &&
          !value.tag;
        return empty ? { pair: item as Pair<Node, Node | null>, ancestors: [node, ...ancestors] } : undefined;
      }
      const inner = findPair(item.value as Node | null, keyAt, [node, ...ancestors]);
      if (inner) return inner;
    } else {
      const inner = findPair(item as Node | null, keyAt, [node, ...ancestors]);
      if (inner) return inner;
    }
  }
  return undefined;
}

function shiftRanges(doc: Document, original: (offset: number) => number): void {
  const visit = (node: unknown) => {
    if (isPair(node)) {
      visit(node.key);
      visit(node.value);
      return;
    }
    if (!isNode(node)) return;
    const withRange = node as Node;
    if (withRange.range) withRange.range = withRange.range.map(original) as [number, number, number];
    if (isCollection(node)) for (const item of node.items as unknown[]) visit(item);
  };
  visit(doc.contents);
}

// The nodes the library makes of the item lines.
function buildSequence(text: string, block: Block, doc: Document): YAMLSeq {
  const seq = new EventList(doc.schema);
  for (let start = block.start; start < block.end; ) {
    const end = text.indexOf('\n', start);
    seq.items.push(buildFlowMap(text, start + block.indent + 2, end, doc));
    start = end + 1;
  }
  seq.range = [block.start + block.indent, block.end, block.end];
  return seq;
}

function buildTable(text: string, block: Block, doc: Document): YAMLMap {
  const map = new EventTable(doc.schema);
  for (let start = block.start; start < block.end; ) {
    const end = text.indexOf('\n', start);
    const keyAt = start + block.indent;
    const colon = text.indexOf(': {', keyAt);
    const name = text.slice(keyAt, colon);
    const key = new Scalar(name);
    key.range = [keyAt, colon, colon];
    key.source = name;
    key.type = Scalar.PLAIN;
    map.items.push(new Pair(key, buildFlowMap(text, colon + 2, end, doc)));
    start = end + 1;
  }
  map.range = [block.start + block.indent, block.end, block.end];
  return map;
}

function buildRecords(text: string, block: Block, doc: Document): YAMLMap {
  const table = new EventTable(doc.schema);
  let record: YAMLMap | undefined;
  for (let start = block.start; start < block.end; ) {
    const end = text.indexOf('\n', start);
    if (text.charCodeAt(start + block.indent) !== 32) {
      // `name:`
      const keyAt = start + block.indent;
      const name = text.slice(keyAt, end - 1);
      const key = new Scalar(name);
      key.range = [keyAt, end - 1, end - 1];
      key.source = name;
      key.type = Scalar.PLAIN;
      record = new EventRecord(doc.schema);
      table.items.push(new Pair(key, record));
    } else {
      // `key: "text"` or `key: true`
      const keyAt = start + (block.fieldIndent as number);
      const colon = text.indexOf(': ', keyAt);
      const name = text.slice(keyAt, colon);
      const key = new Scalar(name);
      key.range = [keyAt, colon, colon];
      key.source = name;
      key.type = Scalar.PLAIN;
      const quoted = text.charCodeAt(colon + 2) === 34;
      const source = quoted ? text.slice(colon + 3, end - 1) : text.slice(colon + 2, end);
      const scalar = new Scalar(quoted ? source : source === 'true');
      scalar.range = [colon + 2, end, end + 1];
      scalar.source = source;
      scalar.type = quoted ? Scalar.QUOTE_DOUBLE : Scalar.PLAIN;
      const fields = record as YAMLMap;
      if (fields.items.length === 0) fields.range = [keyAt, end + 1, end + 1];
      else
        (fields.range as [number, number, number])[1] = (fields.range as [number, number, number])[2] =
          end + 1;
      fields.items.push(new Pair(key, scalar));
    }
    start = end + 1;
  }
  table.range = [block.start + block.indent, block.end, block.end];
  return table;
}

// The flow mapping from `open` (its brace) to the end of its line.
function buildFlowMap(text: string, open: number, end: number, doc: Document): EventMap {
  const map = new EventMap(doc.schema);
  map.flow = true;
  map.range = [open, end, end + 1];
  PAIR.lastIndex = open + 1;
  for (let match = PAIR.exec(text); match && match.index < end; match = PAIR.exec(text)) {
    const name = match[1] as string;
    const key = new Scalar(name);
    const keyEnd = match.index + name.length;
    key.range = [match.index, keyEnd, keyEnd];
    key.source = name;
    key.type = Scalar.PLAIN;
    const source = match[2] ?? (match[3] as string);
    const scalar = new Scalar(match[2] ?? source === 'true');
    const valueEnd = PAIR.lastIndex;
    scalar.range = [keyEnd + 2, valueEnd, valueEnd];
    scalar.source = source;
    scalar.type = match[2] === undefined ? Scalar.PLAIN : Scalar.QUOTE_DOUBLE;
    map.items.push(new Pair(key, scalar));
    if (text[PAIR.lastIndex] === ',') PAIR.lastIndex += 2;
  }
  return map;
}

/**
 * A flow mapping of an event list. Written (and turned into plain data) as the library does it,
 * but directly, while it still has the exact form it was read with (plain keys, double-quoted
 * strings that need no escaping, no comments, anchors or tags) and the output options cannot fold
 * or pad it; otherwise by the library.
 */
export class EventMap extends YAMLMap {
  override toString(
    ctx?: Parameters<YAMLMap['toString']>[0],
    onComment?: () => void,
    onChompKeep?: () => void,
  ): string {
    const quick = ctx ? quickString(this, ctx) : undefined;
    return quick ?? super.toString(ctx, onComment, onChompKeep);
  }

  override toJSON(arg?: unknown, ctx?: Parameters<YAMLMap['toJSON']>[1], Type?: unknown): unknown {
    if (Type === undefined && !ctx?.mapAsMap && !ctx?.onCreate) {
      const quick = quickData(this);
      if (quick) return quick;
    }
    return super.toJSON(arg as string, ctx, Type as undefined);
  }
}

/** An event list: written directly while every item is an {@link EventMap} in its exact form. */
export class EventList extends YAMLSeq {
  override toString(
    ctx?: Parameters<YAMLSeq['toString']>[0],
    onComment?: () => void,
    onChompKeep?: () => void,
  ): string {
    if (ctx && !(ctx.inFlow ?? this.flow) && !this.comment && this.items.length > 0) {
      let out = '';
      for (const item of this.items) {
        if (!(item instanceof EventMap) || !plainNode(item))
          return super.toString(ctx, onComment, onChompKeep);
        const line = quickString(item, ctx);
        if (line === undefined) return super.toString(ctx, onComment, onChompKeep);
        out += out === '' ? `- ${line}` : `\n${ctx.indent}- ${line}`;
      }
      return out;
    }
    return super.toString(ctx, onComment, onChompKeep);
  }
}

/**
 * A mapping of one-line flow mappings (WireGuard peers) or of records (VM states), built here.
 * Written directly, as the library writes it, while every item keeps the form it was read with;
 * otherwise by the library.
 */
export class EventTable extends YAMLMap {
  override toString(
    ctx?: Parameters<YAMLMap['toString']>[0],
    onComment?: () => void,
    onChompKeep?: () => void,
  ): string {
    const quick = ctx ? quickTable(this, ctx) : undefined;
    return quick ?? super.toString(ctx, onComment, onChompKeep);
  }
}

type Context = NonNullable<Parameters<YAMLMap['toString']>[0]>;

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function quickTable(table: YAMLMap, ctx: Context): string | undefined {
  if ((ctx.inFlow ?? table.flow) || table.comment || table.items.length === 0) return undefined;
  const inner = `${ctx.indent}${ctx.indentStep}`;
  let out = '';
  for (const pair of table.items) {
    if (!isPair(pair)) return undefined;
    const { key, value } = pair;
    if (!isScalar(key) || key.type !== Scalar.PLAIN || !plainNode(key)) return undefined;
    const name = key.value;
    if (typeof name !== 'string' || !NAME.test(name) || NOT_STRING_NAME.test(name) || name.length > 1000) {
      return undefined;
    }
    let shown: string | undefined;
    if (value instanceof EventMap && plainNode(value) && value.flow === true && ctx.inFlow == null) {
      const line = quickString(value, ctx);
      shown = line === undefined ? undefined : ` ${line}`;
    } else if (value instanceof EventRecord && plainNode(value) && !value.flow && value.items.length > 0) {
      shown = '';
      for (const field of value.items) {
        const line = isPair(field) ? quickField(field, ctx) : undefined;
        if (line === undefined) return undefined;
        shown += `\n${inner}${line}`;
      }
    }
    if (shown === undefined) return undefined;
    out += `${out === '' ? '' : `\n${ctx.indent}`}${name}:${shown}`;
  }
  return out;
}

// `key: "text"` or `key: true` of a record, as the library writes it; undefined otherwise.
function quickField(pair: Pair, ctx: Context): string | undefined {
  const { key, value } = pair;
  if (!isScalar(key) || key.type !== Scalar.PLAIN || !plainNode(key)) return undefined;
  if (!isScalar(value) || !plainNode(value)) return undefined;
  const name = key.value;
  if (typeof name !== 'string' || !KEY.test(name) || NOT_STRING.has(name)) return undefined;
  const shown = scalarText(value, ctx);
  return shown === undefined ? undefined : `${name}: ${shown}`;
}

// A double-quoted string that needs no escaping, or a boolean as it was read (`true`, `false`),
// written as the library writes it when lines are not folded; undefined otherwise.
function scalarText(value: Scalar, ctx: Context): string | undefined {
  const text = value.value;
  if ((ctx.options.lineWidth ?? 80) > 0) return undefined;
  if (value.type === Scalar.QUOTE_DOUBLE && typeof text === 'string' && SAFE.test(text)) return `"${text}"`;
  if (value.type === Scalar.PLAIN && typeof text === 'boolean' && value.source === String(text)) {
    return String(text);
  }
  return undefined;
}

/** A record of an {@link EventTable}: a block mapping of scalars. */
export class EventRecord extends YAMLMap {}

// The plain data of an EventMap as toJS makes it, when every pair is a string key (not
// `__proto__`, which toJS sets differently) and a scalar value, without anchors (which toJS
// tracks); undefined otherwise. A later pair with the same key wins, as in toJS.
function quickData(map: YAMLMap): Record<string, unknown> | undefined {
  const data: Record<string, unknown> = {};
  for (const item of map.items) {
    if (!isPair(item)) return undefined;
    const { key, value } = item;
    if (!isScalar(key) || !isScalar(value) || key.anchor || value.anchor) return undefined;
    const name = key.value;
    const text = value.value;
    if (typeof name !== 'string' || name === '__proto__' || (text !== null && typeof text === 'object')) {
      return undefined;
    }
    data[name] = text;
  }
  return data;
}

function plainNode(node: Scalar | YAMLMap): boolean {
  return !node.comment && !node.commentBefore && !node.spaceBefore && !node.anchor && !node.tag;
}

function quickString(map: YAMLMap, ctx: NonNullable<Parameters<YAMLMap['toString']>[0]>): string | undefined {
  const context = ctx as { flowCollectionPadding?: string; options?: { lineWidth?: number } };
  if (context.flowCollectionPadding !== '' || (context.options?.lineWidth ?? 80) > 0) return undefined;
  if (map.items.length === 0) return undefined;
  let out = '{';
  for (const item of map.items) {
    if (!isPair(item)) return undefined;
    const { key, value } = item;
    if (!isScalar(key) || key.type !== Scalar.PLAIN || !plainNode(key)) return undefined;
    if (!isScalar(value) || !plainNode(value)) return undefined;
    const name = key.value;
    if (typeof name !== 'string' || !KEY.test(name) || NOT_STRING.has(name)) return undefined;
    // A boolean read as `true` or `false` is written as it was read.
    const shown = scalarText(value, ctx);
    if (shown === undefined) return undefined;
    out += `${out.length > 1 ? ', ' : ''}${name}: ${shown}`;
  }
  return `${out}}`;
}

/** For tests: whether a node is a sequence built here. */
export function isStitched(node: unknown): boolean {
  if (node instanceof EventTable) {
    return node.items.every((pair) => pair.value instanceof EventMap || pair.value instanceof EventRecord);
  }
  return (
    node instanceof EventList &&
    isSeq(node) &&
    node.items.every((item) => item instanceof EventMap && isMap(item))
  );
}
