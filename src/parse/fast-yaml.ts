/**
 * A fast reader for the plain subset of YAML that state files are written in: block mappings and
 * sequences indented with spaces, one-line flow mappings and sequences, one-line double-quoted,
 * single-quoted and plain scalars resolved by the YAML 1.2 core schema, and comments. It gives
 * the same data as the `yaml` library (`parseDocument(...).toJS()` with `version: '1.2'`,
 * `schema: 'core'`, `uniqueKeys: true`) for every text it accepts, and gives up (returns
 * undefined) on anything else: tabs, CR line endings, anchors, aliases, tags, block scalars,
 * multi-line scalars or flow collections, directives, several documents, duplicate keys, keys that
 * are not strings, anything the library would reject. Callers then use the library.
 *
 * It loads no module, so `validate` can check thousands of files without the cost of the YAML
 * library and fall back to it (for positions and messages) only where a file has a problem.
 *
 * Over 400 lines on purpose: one reader, one grammar. Its parts (the scanner of scalars, the
 * block and flow readers, the node ranges the in-place write uses) share the reader's position and
 * its give-up rule; split, each file would carry half of that state and the rule would be stated
 * twice. It stays because the cold rows of `npm run bench` fail without it (bench/RESULTS.md).
 */

import { MAX_NESTING_DEPTH } from './depth.js';
import { type ChildOf, nodeAtPath, rangeOf, type SourceRange } from './locate.js';

/** A node of the source with its range, for placing problems (see {@link locateFast}). */
export interface FastNode {
  kind: 'map' | 'seq' | 'scalar';
  /** Start offset; -1 when the range is not known (block collections, empty values). */
  start: number;
  /** End offset of the value (after a closing quote or bracket, before trailing spaces). */
  end: number;
  /** Pairs of a mapping. */
  pairs?: FastPair[];
  /** Items of a sequence. */
  items?: FastNode[];
}

/** A key and its value. */
export interface FastPair {
  key: FastNode;
  /** The key as text. */
  name: string;
  value: FastNode;
}

/** What {@link fastParse} read: the data, and with `nodes` the source ranges. */
export interface FastParsed {
  data: Record<string, unknown>;
  root: FastNode | undefined;
}

// Characters the library treats specially or rejects somewhere in a document: tabs, CR, C0/C1
// controls, DEL, byte-order marks, Unicode line and paragraph separators; and, to keep this
// reader simple, any character outside the Basic Multilingual Plane (surrogates). Any of them
// sends the text to the library.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters it refuses.
const UNSUPPORTED = /[\0-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff]/;

const NL = 10;
const SPACE = 32;
const HASH = 35;
const DQUOTE = 34;
const SQUOTE = 39;
const COLON = 58;
const DASH = 45;
const COMMA = 44;
const LBRACE = 123;
const RBRACE = 125;
const LBRACKET = 91;
const RBRACKET = 93;
const BACKSLASH = 92;

// Deeper than this, give up: parseState refuses files nested deeper than MAX_NESTING_DEPTH levels
// (as its scan counts them: at most two per level read here), and real files need about 6.
const MAX_DEPTH = Math.floor(MAX_NESTING_DEPTH / 2) - 4;

// A plain key at the start of a mapping entry, with its colon and the space after it (or the end
// of the line); and a double-quoted value that needs no unescaping, to the end of its line.
const KEY_START = /[A-Za-z_][A-Za-z0-9_-]*:(?: |(?=\n|$))/y;
const TEXT_VALUE = /"[ !#-[\]-~]*"(?:\n|$)/y;

// An event mapping at the end of its line: `{key: "text", ...}` with up to six pairs.
const EVENT_PAIR = '([a-z_][a-z0-9_]*): (?:"([ !#-[\\]-~]*)"|(true|false))';
const EVENT = new RegExp(`\\{${EVENT_PAIR}${`(?:, ${EVENT_PAIR})?`.repeat(5)}\\}(?= *(?:\\n|$))`, 'y');
// The same with the places of its groups, for the node ranges (see eventMapNodes).
const EVENT_INDICES = new RegExp(EVENT.source, 'yd');
// Keys the core schema does not read as strings, and the one toJS sets differently.
const RESERVED_KEYS = new Set(['null', 'true', 'false', '__proto__']);

/** Longest implicit key the library accepts is 1024 characters; stay well under it. */
const MAX_KEY_LENGTH = 1000;

// The last text UNSUPPORTED found nothing in.
let lastSupported: string | undefined;

class Bail {}
const BAIL = new Bail();

const UNKNOWN: FastNode = { kind: 'scalar', start: -1, end: -1 };

/** Reads `text` when it is in the supported subset; undefined otherwise (use the library). */
export function fastParse(text: string, options: { nodes?: boolean } = {}): FastParsed | undefined {
  // The scan once per text: validate reads a text with a problem to place a second time, for
  // its node ranges.
  if (text !== lastSupported) {
    if (UNSUPPORTED.test(text)) return undefined;
    lastSupported = text;
  }
  const reader = new Reader(text, options.nodes === true);
  try {
    return reader.document();
  } catch (error) {
    if (error === BAIL) return undefined;
    throw error;
  }
}

const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
};

// The YAML 1.2 core schema, as the `yaml` library resolves plain scalars.
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;
// Digits only, no sign: INT's simplest case (nothing tested before INT matches such a text).
const DIGITS_ONLY = /^[0-9]+$/;
// A plain scalar that may be something other than a string starts with one of these.
const MAYBE_TYPED = /^[-+.~0-9nNtTfF]|^$/;

/** Whether a plain key (letters, digits, `_`, `-`) is a string under the core schema, and not `__proto__`. */
function plainKeyIsString(key: string): boolean {
  const c = key.charCodeAt(0);
  // Only keys starting with n, N, t, T, f or F can be null or a boolean here.
  if (c === 110 || c === 78 || c === 116 || c === 84 || c === 102 || c === 70) {
    return typeof resolvePlain(key) === 'string';
  }
  return key !== '__proto__';
}

/** Resolves a one-line plain scalar as the core schema does. */
export function resolvePlain(source: string): unknown {
  // The plain scalars state files hold most (flags, counts), told without the expressions below:
  // what they resolve to there.
  if (source === 'true') return true;
  if (source === 'false') return false;
  if (source === 'null') return null;
  if (DIGITS_ONLY.test(source)) return parseInt(source, 10);
  if (!MAYBE_TYPED.test(source)) return source;
  if (NULL.test(source)) return null;
  if (BOOL.test(source)) return source[0] === 't' || source[0] === 'T';
  if (INT_OCT.test(source)) return parseInt(source.substring(2), 8);
  if (INT.test(source)) return parseInt(source, 10);
  if (INT_HEX.test(source)) return parseInt(source.substring(2), 16);
  if (FLOAT_NAN.test(source)) {
    return source.slice(-3).toLowerCase() === 'nan'
      ? Number.NaN
      : source[0] === '-'
        ? Number.NEGATIVE_INFINITY
        : Number.POSITIVE_INFINITY;
  }
  if (FLOAT_EXP.test(source) || FLOAT.test(source)) return parseFloat(source);
  return source;
}

class Reader {
  private pos = 0;
  private depth = 0;
  /** With `nodes`: the node of the value the last method read. */
  private node: FastNode = UNKNOWN;
  private readonly length: number;

  constructor(
    private readonly text: string,
    private readonly nodes: boolean,
  ) {
    this.length = text.length;
  }

  document(): FastParsed {
    const indent = this.nextLine();
    if (indent !== 0) throw BAIL;
    const start = this.pos;
    const first = this.text.charCodeAt(start);
    // Directives, document markers and a root that is not a block mapping.
    if (first === DASH || first === 37 /* % */ || first === 46 /* . */) throw BAIL;
    const data = this.blockMap(0, start);
    if (this.nextLine() !== -1) throw BAIL;
    return { data, root: this.nodes ? this.node : undefined };
  }

  /**
   * Skips blank and comment lines from the start of a line; returns the indentation of the next
   * content line (its start stays in `pos`), or -1 at the end of the text.
   */
  private nextLine(): number {
    const { text, length } = this;
    let pos = this.pos;
    while (pos < length) {
      let p = pos;
      while (p < length && text.charCodeAt(p) === SPACE) p++;
      if (p >= length) break;
      const c = text.charCodeAt(p);
      if (c === NL) {
        pos = p + 1;
        continue;
      }
      if (c === HASH) {
        const end = text.indexOf('\n', p);
        if (end < 0) {
          pos = length;
          break;
        }
        pos = end + 1;
        continue;
      }
      this.pos = pos;
      return p - pos;
    }
    this.pos = length;
    return -1;
  }

  /** After a value: spaces, an optional comment, then the end of the line (consumed). */
  private lineEnd(p: number): void {
    const { text, length } = this;
    let spaced = false;
    while (p < length && text.charCodeAt(p) === SPACE) {
      p++;
      spaced = true;
    }
    if (p >= length) {
      this.pos = length;
      return;
    }
    const c = text.charCodeAt(p);
    if (c === NL) {
      this.pos = p + 1;
      return;
    }
    if (c === HASH && spaced) {
      const end = text.indexOf('\n', p);
      this.pos = end < 0 ? length : end + 1;
      return;
    }
    throw BAIL;
  }

  private isSeqItem(p: number): boolean {
    if (this.text.charCodeAt(p) !== DASH) return false;
    const next = this.text.charCodeAt(p + 1);
    return next === SPACE || next === NL || p + 1 >= this.length;
  }

  /** A block mapping whose keys are at column `indent`; the first key starts at `first`. */
  private blockMap(indent: number, first: number): Record<string, unknown> {
    if (++this.depth > MAX_DEPTH) throw BAIL;
    const map: Record<string, unknown> = {};
    const pairs: FastPair[] | undefined = this.nodes ? [] : undefined;
    // Keys are counted rather than looked up before each store: a repeated key shows as fewer
    // keys than stores at the end, and is left to the library.
    let count = 0;
    let keyAt = first;
    const { text } = this;
    for (;;) {
      KEY_START.lastIndex = keyAt;
      // test() and slices rather than exec(): no match arrays on the most common lines.
      const quick = KEY_START.test(text);
      const after = KEY_START.lastIndex;
      const colon = quick ? (text.charCodeAt(after - 1) === SPACE ? after - 2 : after - 1) : -1;
      const quickKey = quick ? text.slice(keyAt, colon) : undefined;
      if (quickKey !== undefined && colon - keyAt <= MAX_KEY_LENGTH && plainKeyIsString(quickKey)) {
        // Most keys: a plain word, read with one regular expression; most values then a
        // double-quoted string that needs no unescaping.
        TEXT_VALUE.lastIndex = after;
        if (text.charCodeAt(after) === DQUOTE && TEXT_VALUE.test(text)) {
          const end = TEXT_VALUE.lastIndex;
          const close = text.charCodeAt(end - 1) === NL ? end - 1 : end;
          map[quickKey] = text.slice(after + 1, close - 1);
          this.pos = end;
          this.node = pairs ? { kind: 'scalar', start: after, end: close } : UNKNOWN;
        } else {
          this.pos = colon + 1;
          map[quickKey] = this.blockValue(indent, true);
        }
        pairs?.push({ key: { kind: 'scalar', start: keyAt, end: colon }, name: quickKey, value: this.node });
      } else {
        const name = this.key(keyAt);
        const keyNode = this.node;
        // `pos` is just after the colon.
        map[name] = this.blockValue(indent, true);
        pairs?.push({ key: keyNode, name, value: this.node });
      }
      count++;
      const next = this.nextLine();
      if (next === indent) {
        keyAt = this.pos + indent;
        if (this.isSeqItem(keyAt)) throw BAIL;
        continue;
      }
      if (next < indent) break;
      throw BAIL;
    }
    if (Object.keys(map).length !== count) throw BAIL;
    this.depth--;
    if (pairs) this.node = { kind: 'map', start: -1, end: -1, pairs };
    return map;
  }

  /** A block sequence whose dashes are at column `indent`; `pos` is at the start of its first line. */
  private blockSeq(indent: number): unknown[] {
    if (++this.depth > MAX_DEPTH) throw BAIL;
    const list: unknown[] = [];
    const items: FastNode[] | undefined = this.nodes ? [] : undefined;
    for (;;) {
      const dash = this.pos + indent;
      const lineStart = this.pos;
      let p = dash + 1;
      while (p < this.length && this.text.charCodeAt(p) === SPACE) p++;
      const c = this.text.charCodeAt(p);
      let item: unknown;
      if (p >= this.length || c === NL || (c === HASH && p > dash + 1)) {
        this.lineEnd(dash + 1);
        item = this.nested(indent, false);
      } else if (this.isSeqItem(p)) {
        throw BAIL;
      } else if (this.isKeyLine(p)) {
        item = this.blockMap(p - lineStart, p);
      } else {
        item = this.inline(p, false);
        this.lineEnd(this.pos);
      }
      list.push(item);
      items?.push(this.node);
      const next = this.nextLine();
      if (next === indent && this.isSeqItem(this.pos + indent)) continue;
      if (next <= indent) break;
      throw BAIL;
    }
    this.depth--;
    if (items) this.node = { kind: 'seq', start: -1, end: -1, items };
    return list;
  }

  /** The value after `key:` (`pos` just after the colon) of a mapping at `indent`. */
  private blockValue(indent: number, inMap: boolean): unknown {
    const { text, length } = this;
    let p = this.pos;
    const spaced = text.charCodeAt(p) === SPACE;
    while (p < length && text.charCodeAt(p) === SPACE) p++;
    const c = text.charCodeAt(p);
    if (p >= length || c === NL || (c === HASH && spaced)) {
      this.lineEnd(this.pos);
      return this.nested(indent, inMap);
    }
    const value = this.inline(p, false);
    this.lineEnd(this.pos);
    return value;
  }

  /** A block collection on the lines below an empty value, or null when there is none. */
  private nested(indent: number, inMap: boolean): unknown {
    const next = this.nextLine();
    if (next > indent) {
      const at = this.pos + next;
      if (this.isSeqItem(at)) return this.blockSeq(next);
      if (!this.isKeyLine(at)) throw BAIL;
      return this.blockMap(next, at);
    }
    // A sequence may sit at the same indentation as the key it belongs to.
    if (inMap && next === indent && next >= 0 && this.isSeqItem(this.pos + next)) return this.blockSeq(next);
    this.node = UNKNOWN;
    return null;
  }

  /** Whether the line holds `KEY: ` (or `KEY:` at its end) from `p`: {@link keyEnd} is defined. */
  private isKeyLine(p: number): boolean {
    // The plain word most keys are, told by the regular expression blockMap then reads it with
    // (native code, where keyEnd is a loop over the characters); keyEnd for the rest.
    KEY_START.lastIndex = p;
    return KEY_START.test(this.text) || this.keyEnd(p) !== undefined;
  }

  /**
   * Where the colon of a block mapping key starting at `p` is, when the line holds `KEY: ` (or
   * `KEY:` at the end of the line); undefined when it does not.
   */
  private keyEnd(p: number): number | undefined {
    const { text, length } = this;
    const c = text.charCodeAt(p);
    if (c === LBRACE || c === LBRACKET) return undefined;
    if (c === DQUOTE || c === SQUOTE) {
      const close = this.quoteEnd(p);
      const after = text.charCodeAt(close);
      if (after !== COLON) return undefined;
      const next = text.charCodeAt(close + 1);
      return next === SPACE || next === NL || close + 1 >= length ? close : undefined;
    }
    for (let i = p; i < length; i++) {
      const ch = text.charCodeAt(i);
      if (ch === NL) return undefined;
      if (ch === COLON) {
        const next = text.charCodeAt(i + 1);
        if (next === SPACE || next === NL || i + 1 >= length) return i;
      } else if (ch === HASH && text.charCodeAt(i - 1) === SPACE) {
        return undefined;
      }
    }
    return undefined;
  }

  /** Offset just after the closing quote of a one-line quoted scalar starting at `p`. */
  private quoteEnd(p: number): number {
    const { text, length } = this;
    const quote = text.charCodeAt(p);
    for (let i = p + 1; i < length; i++) {
      const ch = text.charCodeAt(i);
      if (ch === NL) throw BAIL;
      if (quote === DQUOTE) {
        if (ch === BACKSLASH) {
          i++;
          if (i >= length || text.charCodeAt(i) === NL) throw BAIL;
        } else if (ch === DQUOTE) {
          return i + 1;
        }
      } else if (ch === SQUOTE) {
        if (text.charCodeAt(i + 1) === SQUOTE) i++;
        else return i + 1;
      }
    }
    throw BAIL;
  }

  /** A block mapping key at `p`; leaves `pos` after the colon (and its node in `node`). */
  private key(p: number): string {
    const colon = this.keyEnd(p);
    if (colon === undefined) throw BAIL;
    const c = this.text.charCodeAt(p);
    const name = c === DQUOTE || c === SQUOTE ? this.quoted(p, colon) : this.plainKey(p, colon);
    if (name === '__proto__' || colon - p > MAX_KEY_LENGTH) throw BAIL;
    this.pos = colon + 1;
    if (this.nodes) this.node = { kind: 'scalar', start: p, end: colon };
    return name;
  }

  /**
   * A plain key from `p` to `end`: a string under the core schema, without indicators or
   * characters that change its meaning, not ending in a space.
   */
  private plainKey(p: number, end: number): string {
    const { text } = this;
    if (end === p || !plainStartOk(text, p) || text.charCodeAt(end - 1) === SPACE) throw BAIL;
    for (let i = p; i < end; i++) {
      const ch = text.charCodeAt(i);
      if (
        ch === LBRACKET ||
        ch === RBRACKET ||
        ch === LBRACE ||
        ch === RBRACE ||
        ch === COMMA ||
        ch === HASH ||
        ch === DQUOTE ||
        ch === SQUOTE
      ) {
        throw BAIL;
      }
    }
    const name = text.slice(p, end);
    if (name === '<<' || typeof resolvePlain(name) !== 'string') throw BAIL;
    return name;
  }

  /** The value of a one-line quoted scalar from `p` to `end` (just after the closing quote). */
  private quoted(p: number, end: number): string {
    const { text } = this;
    if (text.charCodeAt(p) === SQUOTE) return text.slice(p + 1, end - 1).replace(/''/g, "'");
    const body = text.slice(p + 1, end - 1);
    if (body.indexOf('\\') < 0) return body;
    let out = '';
    for (let i = 0; i < body.length; i++) {
      const ch = body[i] as string;
      if (ch !== '\\') {
        out += ch;
        continue;
      }
      const next = body[++i] ?? '';
      const simple = ESCAPES[next];
      if (simple !== undefined) {
        out += simple;
      } else if (next === 'x' || next === 'u' || next === 'U') {
        const size = next === 'x' ? 2 : next === 'u' ? 4 : 8;
        const hex = body.substr(i + 1, size);
        if (hex.length !== size || !/^[0-9a-fA-F]+$/.test(hex)) throw BAIL;
        const code = parseInt(hex, 16);
        if (code > 0x10ffff) throw BAIL;
        out += String.fromCodePoint(code);
        i += size;
      } else {
        throw BAIL;
      }
    }
    return out;
  }

  /** A scalar or a one-line flow collection starting at `p`; leaves `pos` after it. */
  private inline(p: number, flow: boolean): unknown {
    const { text } = this;
    const c = text.charCodeAt(p);
    if (c === DQUOTE || c === SQUOTE) {
      const end = this.quoteEnd(p);
      this.pos = end;
      if (this.nodes) this.node = { kind: 'scalar', start: p, end };
      return this.quoted(p, end);
    }
    if (c === LBRACE) {
      const quick =
        this.depth >= MAX_DEPTH ? undefined : this.nodes ? this.eventMapNodes(p) : this.eventMap(p);
      return quick ?? this.flowMap(p);
    }
    if (c === LBRACKET) return this.flowSeq(p);
    if (!plainStartOk(text, p)) throw BAIL;
    // A plain scalar: to the end of the line or a comment (block), or an indicator (flow).
    let end = p;
    const length = this.length;
    for (; end < length; end++) {
      const ch = text.charCodeAt(end);
      if (ch === NL) break;
      if (ch === HASH && text.charCodeAt(end - 1) === SPACE) break;
      if (ch === COLON) {
        const next = text.charCodeAt(end + 1);
        if (flow || next === SPACE || next === NL || end + 1 >= length) throw BAIL;
      }
      if (flow) {
        if (ch === COMMA || ch === RBRACE || ch === RBRACKET) break;
        if (ch === LBRACE || ch === LBRACKET || ch === HASH) throw BAIL;
      } else if (ch === LBRACE || ch === RBRACE || ch === LBRACKET || ch === RBRACKET) {
        throw BAIL;
      }
    }
    while (end > p && text.charCodeAt(end - 1) === SPACE) end--;
    if (end === p) throw BAIL;
    this.pos = end;
    if (this.nodes) this.node = { kind: 'scalar', start: p, end };
    return resolvePlain(text.slice(p, end));
  }

  /**
   * The common one-line mapping of up to six plain keys and double-quoted strings that need no
   * unescaping, or true / false (an event, a phase), read with one regular expression; undefined
   * for anything else.
   */
  private eventMap(p: number): Record<string, unknown> | undefined {
    EVENT.lastIndex = p;
    const match = EVENT.exec(this.text);
    if (!match) return undefined;
    const map: Record<string, unknown> = {};
    let count = 0;
    for (let i = 1; i < match.length; i += 3) {
      const key = match[i];
      if (key === undefined) break;
      if (RESERVED_KEYS.has(key)) return undefined;
      const text = match[i + 1];
      map[key] = text ?? match[i + 2] === 'true';
      count++;
    }
    if (count > 1 && Object.keys(map).length !== count) return undefined;
    this.pos = EVENT.lastIndex;
    return map;
  }

  /**
   * {@link eventMap} with node ranges (the `nodes` mode), from the same expression's match
   * indices: the braces, each key, and each value (a text with its quotes, as inline() gives it).
   * `validate` reads every file with a problem again in this mode, and without it each phase line
   * of those files went through flowMap, which nothing else runs often enough to be optimized.
   */
  private eventMapNodes(p: number): Record<string, unknown> | undefined {
    EVENT_INDICES.lastIndex = p;
    const match = EVENT_INDICES.exec(this.text);
    const indices = match?.indices;
    if (!match || !indices) return undefined;
    const map: Record<string, unknown> = {};
    const pairs: FastPair[] = [];
    for (let i = 1; i < match.length; i += 3) {
      const key = match[i];
      if (key === undefined) break;
      if (RESERVED_KEYS.has(key)) return undefined;
      const text = match[i + 1];
      map[key] = text ?? match[i + 2] === 'true';
      const [keyStart, keyEnd] = indices[i] as [number, number];
      const quotes = text === undefined ? 0 : 1;
      const [valueStart, valueEnd] = indices[text === undefined ? i + 2 : i + 1] as [number, number];
      pairs.push({
        key: { kind: 'scalar', start: keyStart, end: keyEnd },
        name: key,
        value: { kind: 'scalar', start: valueStart - quotes, end: valueEnd + quotes },
      });
    }
    if (pairs.length > 1 && Object.keys(map).length !== pairs.length) return undefined;
    this.pos = EVENT_INDICES.lastIndex;
    this.node = { kind: 'map', start: p, end: this.pos, pairs };
    return map;
  }

  private skipSpaces(p: number): number {
    while (p < this.length && this.text.charCodeAt(p) === SPACE) p++;
    return p;
  }

  private flowMap(start: number): Record<string, unknown> {
    if (++this.depth > MAX_DEPTH) throw BAIL;
    const { text } = this;
    const map: Record<string, unknown> = {};
    const pairs: FastPair[] | undefined = this.nodes ? [] : undefined;
    let p = this.skipSpaces(start + 1);
    if (text.charCodeAt(p) !== RBRACE) {
      for (;;) {
        // The key: quoted, or plain up to `: `.
        const c = text.charCodeAt(p);
        let name: string;
        let keyEnd: number;
        if (c === DQUOTE || c === SQUOTE) {
          keyEnd = this.quoteEnd(p);
          name = this.quoted(p, keyEnd);
        } else {
          keyEnd = p;
          while (keyEnd < this.length) {
            const ch = text.charCodeAt(keyEnd);
            if (ch === COLON || ch === NL || ch === COMMA || ch === RBRACE || ch === LBRACE) break;
            if (ch === LBRACKET || ch === RBRACKET || ch === HASH) throw BAIL;
            keyEnd++;
          }
          name = this.plainKey(p, keyEnd);
        }
        if (text.charCodeAt(keyEnd) !== COLON || text.charCodeAt(keyEnd + 1) !== SPACE) throw BAIL;
        if (name === '__proto__' || Object.hasOwn(map, name) || keyEnd - p > MAX_KEY_LENGTH) throw BAIL;
        const keyNode: FastNode = this.nodes ? { kind: 'scalar', start: p, end: keyEnd } : UNKNOWN;
        map[name] = this.inline(this.skipSpaces(keyEnd + 1), true);
        pairs?.push({ key: keyNode, name, value: this.node });
        p = this.skipSpaces(this.pos);
        const sep = text.charCodeAt(p);
        if (sep === COMMA) {
          p = this.skipSpaces(p + 1);
          if (text.charCodeAt(p) === RBRACE) break;
          continue;
        }
        if (sep === RBRACE) break;
        throw BAIL;
      }
    }
    this.pos = p + 1;
    this.depth--;
    if (pairs) this.node = { kind: 'map', start, end: p + 1, pairs };
    return map;
  }

  private flowSeq(start: number): unknown[] {
    if (++this.depth > MAX_DEPTH) throw BAIL;
    const { text } = this;
    const list: unknown[] = [];
    const items: FastNode[] | undefined = this.nodes ? [] : undefined;
    let p = this.skipSpaces(start + 1);
    if (text.charCodeAt(p) !== RBRACKET) {
      for (;;) {
        list.push(this.inline(p, true));
        items?.push(this.node);
        p = this.skipSpaces(this.pos);
        const sep = text.charCodeAt(p);
        if (sep === COMMA) {
          p = this.skipSpaces(p + 1);
          if (text.charCodeAt(p) === RBRACKET) break;
          continue;
        }
        if (sep === RBRACKET) break;
        throw BAIL;
      }
    }
    this.pos = p + 1;
    this.depth--;
    if (items) this.node = { kind: 'seq', start, end: p + 1, items };
    return list;
  }
}

// A plain scalar may not start with an indicator; `-`, `?` and `:` only before a non-space, and
// even then only `-` before a digit or a letter is taken here (e.g. -1).
function plainStartOk(text: string, p: number): boolean {
  const c = text.charCodeAt(p);
  switch (c) {
    case DASH: {
      const next = text.charCodeAt(p + 1);
      return (next >= 48 && next <= 57) || (next >= 97 && next <= 122) || (next >= 65 && next <= 90);
    }
    case 63: // ?
    case COLON:
    case COMMA:
    case LBRACKET:
    case RBRACKET:
    case LBRACE:
    case RBRACE:
    case HASH:
    case 38: // &
    case 42: // *
    case 33: // !
    case 124: // |
    case 62: // >
    case DQUOTE:
    case SQUOTE:
    case 37: // %
    case 64: // @
    case 96: // `
    case SPACE:
    case NL:
      return false;
    default:
      return !Number.isNaN(c);
  }
}

/** A source range, 1-based, as {@link locateFast} gives it. */
export type FastRange = SourceRange;

// A fast node's child at a path segment: a mapping's pair by name, a list's item by index.
const fastChild: ChildOf<FastNode> = (node, segment) => {
  if (node.pairs) {
    const pair = node.pairs.find((candidate) => candidate.name === segment);
    return pair && { key: pair.key, value: pair.value };
  }
  const item = node.items?.[Number(segment)];
  return item && { key: item, value: item };
};

/**
 * Where a JSON pointer's value is, as `locate()` in positions.ts finds it in the library's
 * Document: the deepest node that exists, or with `atKey` the key of the last segment. Undefined
 * when that node's range is not known here (block collections, empty values): use the library.
 */
export function locateFast(
  root: FastNode,
  segments: readonly string[],
  lines: LineIndex,
  atKey = false,
): FastRange | undefined {
  const target = nodeAtPath(root, segments, fastChild, atKey);
  if (target.start < 0) return undefined;
  return rangeOf((offset) => lines.linePos(offset), target.start, target.end);
}

/** Offsets to 1-based lines and columns. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  linePos(offset: number): { line: number; col: number } {
    const { starts } = this;
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((starts[mid] as number) <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, col: offset - (starts[low] as number) + 1 };
  }
}
