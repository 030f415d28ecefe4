import {
  type Document,
  isAlias,
  isCollection,
  isMap,
  isScalar,
  LineCounter,
  type Pair,
  visit,
  type YAMLError,
} from 'yaml';
import { ExitCode, ReadError, StateError, VersionError } from '../errors.js';
import { LATEST_VERSION } from '../version.js';
import { textPosition } from './decode.js';
import { excessiveNesting, MAX_NESTING_DEPTH } from './depth.js';
import { FAITHFUL_YAML_OPTIONS } from './numbers.js';
import { parseStateDocument } from './stitch.js';

/** Most alias expansions a state file may need; real files have none. */
export const MAX_ALIAS_COUNT = 100;

/** A parsed state file: its YAML Document (comments kept), positions, and plain data. */
export interface ParsedState {
  /** The file name used in messages. */
  file: string | undefined;
  /** The source text. */
  text: string;
  /** The YAML Document, which migrations and updates edit in place. */
  doc: Document.Parsed;
  /** Maps offsets in `text` to lines and columns. */
  lineCounter: LineCounter;
  /** The document as plain data. */
  data: Record<string, unknown>;
}

/** The file is YAML but not a deployment state (exit 1). */
export class NotAStateError extends StateError {
  constructor(
    code: string,
    message: string,
    options: { file?: string; position?: { line: number; col: number } },
  ) {
    super(code, message, { ...options, exitCode: ExitCode.invalid });
  }
}

/**
 * Parses a state file's text as YAML 1.2 (so `2025-07-19 14:36:43 +08` stays a string), with
 * unique keys and bounded alias expansion; numbers are written back as they were spelled (see
 * numbers.ts). Throws {@link ReadError} for text that is not YAML and
 * {@link NotAStateError} for YAML that is not a deployment state.
 */
export function parseState(text: string, file?: string): ParsedState {
  // Before the parser, which recurses once per level and would exhaust the stack on such a file.
  const tooDeep = excessiveNesting(text);
  if (tooDeep >= 0) {
    throw new ReadError(
      'too-deep',
      `nests more than ${MAX_NESTING_DEPTH} levels deep (the limit; a state file needs fewer than 10), so it is not a state file the deployer wrote; restore it from old_deployments/`,
      { file, position: textPosition(text, tooDeep) },
    );
  }
  const lineCounter = new LineCounter();
  // parseDocument, with long event lists built directly (the same Document; see stitch.ts).
  const doc = parseStateDocument(
    text,
    { ...FAITHFUL_YAML_OPTIONS, uniqueKeys: true, prettyErrors: false, keepSourceTokens: false },
    lineCounter,
  );
  const first = doc.errors[0];
  if (first) throw yamlError(first, doc, text, file);
  // Only an explicit key (`? `) or a flow collection before a `:` can make a collection key.
  if (text.includes('?') || /[\]}][ \t]*:/.test(text)) {
    const at = collectionKey(doc, lineCounter);
    if (at) {
      throw new ReadError(
        'collection-key',
        'has a mapping key that is a list or a mapping (e.g. `? [a, b]`), which a state file cannot hold; write the key as plain text',
        { file, position: at },
      );
    }
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (error instanceof ReferenceError || error instanceof RangeError) {
      throw new ReadError(
        error instanceof RangeError ? 'too-deep' : 'alias-limit',
        error instanceof RangeError
          ? 'nests too deeply to be a state file; restore it from old_deployments/'
          : `expands YAML aliases more than ${MAX_ALIAS_COUNT} times (an alias bomb?); a state file needs no aliases: write the values out`,
        { file, position: firstAlias(doc, lineCounter), cause: error },
      );
    }
    throw error;
  }
  // Only an alias (`*name`) can make a cycle: a text without `*` needs no walk of the data.
  if (text.includes('*') && hasCycle(data)) {
    throw new ReadError(
      'alias-cycle',
      'has a YAML alias that refers to itself (a recursive structure); a state file needs no aliases: write the values out',
      { file, position: firstAlias(doc, lineCounter) },
    );
  }
  if (!isMap(doc.contents)) {
    const kind = data === null ? 'nothing but comments' : Array.isArray(data) ? 'a list' : `a ${typeof data}`;
    const position = doc.contents?.range ? lineCounter.linePos(doc.contents.range[0]) : { line: 1, col: 1 };
    if (data === null) {
      throw new ReadError(
        'empty-file',
        'holds nothing but comments; restore it from old_deployments/ or remove it so the deployer starts afresh',
        { file, position },
      );
    }
    throw new NotAStateError(
      'root-not-mapping',
      `top level is ${kind}, expected a mapping with deployment_id, config, ...; is this the right file?`,
      { file, position },
    );
  }
  return { file, text, doc, lineCounter, data: data as Record<string, unknown> };
}

/**
 * Throws {@link VersionError} when a parsed file's top-level `schema_version` is an integer newer
 * than this tool knows. This is the first check of every command, before anything else is looked
 * at: a future format may have moved or renamed every other key, so "newer than this tool" wins
 * over "not a state file" and over schema errors.
 */
export function refuseNewerVersion(parsed: ParsedState): void {
  const raw = parsed.data.schema_version;
  if (typeof raw === 'number' && Number.isInteger(raw) && raw > LATEST_VERSION) {
    throw new VersionError(
      `schema_version ${raw} is newer than this tool knows (${LATEST_VERSION}); upgrade k0rdent-state`,
      { file: parsed.file, position: keyPosition(parsed, 'schema_version') },
    );
  }
}

/**
 * Detects a parsed file's format version: 1 when `schema_version` is absent. Throws
 * {@link VersionError} for a version newer than this tool knows (checked first, see
 * {@link refuseNewerVersion}) and {@link NotAStateError} when `schema_version` is not a known
 * integer or the file is not a state file at all.
 */
export function detectVersion(parsed: ParsedState): number {
  refuseNewerVersion(parsed);
  const { data, file } = parsed;
  const raw = data.schema_version;
  if (!('deployment_id' in data) || !('config' in data)) {
    const missing = ['deployment_id', 'config'].filter((key) => !(key in data));
    const looksLike = Array.isArray(data.events)
      ? ' (it looks like deployment-events.yaml)'
      : raw === undefined && !('created_at' in data)
        ? ' (a k0rdent configuration file?)'
        : '';
    throw new NotAStateError(
      'not-a-state-file',
      `is not a deployment state: no ${missing.join(' and no ')}${looksLike}; pass state/deployment-state.yaml`,
      // At the top-level mapping (after any leading comments), where a missing key would go.
      { file, position: parsed.lineCounter.linePos(parsed.doc.contents?.range?.[0] ?? 0) },
    );
  }
  if (raw === undefined) return 1;
  const position = keyPosition(parsed, 'schema_version');
  if (raw === 1 || raw === LATEST_VERSION) return raw;
  const hint =
    typeof raw === 'string' && /^\d+$/.test(raw)
      ? `write schema_version: ${raw} without quotes`
      : `use 2, or remove the key for a v1 file`;
  throw new NotAStateError(
    'bad-schema-version',
    `schema_version is ${JSON.stringify(raw)}, expected the integer 2 (or no key for v1); ${hint}`,
    { file, position },
  );
}

/** Position of a top-level key, or 1:1 when it is not there. */
export function keyPosition(parsed: ParsedState, key: string): { line: number; col: number } {
  const contents = parsed.doc.contents;
  if (isMap(contents)) {
    for (const pair of contents.items) {
      const node = pair.key as { value?: unknown; range?: [number, number, number] } | null;
      if (node && String(node.value) === key && node.range) return parsed.lineCounter.linePos(node.range[0]);
    }
  }
  return { line: 1, col: 1 };
}

function yamlError(
  error: YAMLError,
  doc: Document.Parsed,
  text: string,
  file: string | undefined,
): ReadError {
  // An error at the indentation of a line (e.g. BAD_INDENT) is reported where the item starts.
  let offset = error.pos[0];
  let reason = error.message.split('\n', 1)[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? error.code;
  let fix = 'fix the syntax at this line';
  // `key: 1` followed by an over-indented `  other: 2` makes the library report the value `1` as a
  // multi-line key; point at the over-indented key instead and say what is wrong.
  const multiline = doc.errors.find((e) => e.code === 'MULTILINE_IMPLICIT_KEY' && e.pos[0] === error.pos[0]);
  const lastBreak = multiline ? text.lastIndexOf('\n', multiline.pos[1] - 1) : -1;
  if (multiline && lastBreak >= error.pos[0]) {
    if (error.code === 'BLOCK_AS_IMPLICIT_KEY') {
      offset = lastBreak + 1;
      reason = 'this key is indented more than the key before it';
      fix = 'align it with the other keys of its mapping';
    } else {
      reason = "this line has no ': ' after its key, so it runs into the next line";
      fix = 'write KEY: VALUE';
    }
  }
  while (text[offset] === ' ') offset++;
  const position = textPosition(text, offset);
  if (error.code === 'DUPLICATE_KEY') {
    // The error's range covers only the key's first character: take the key from the document.
    const key = duplicateKeyAt(doc, error.pos[0]) ?? text.slice(error.pos[0]).split(/[:\n]/, 1)[0]?.trim();
    return new ReadError(
      'duplicate-key',
      `duplicate key ${JSON.stringify(key ?? '')} in the same mapping; keep one of them and delete the other`,
      { file, position, cause: error },
    );
  }
  if (error.code === 'MULTIPLE_DOCS') {
    return new ReadError(
      'multiple-documents',
      'holds more than one YAML document (a second ---); a state file is one document: remove the extra one',
      { file, position, cause: error },
    );
  }
  return new ReadError('yaml-syntax', `is not valid YAML: ${reason}; ${fix}`, {
    file,
    position,
    cause: error,
  });
}

// The first value `pick` gives for a pair of the document, in document order.
function firstOfPairs<T>(doc: Document.Parsed, pick: (pair: Pair) => T | undefined): T | undefined {
  let found: T | undefined;
  visit(doc, {
    Pair(_key, pair) {
      found = pick(pair as Pair);
      return found === undefined ? undefined : visit.BREAK;
    },
  });
  return found;
}

// The key of the pair whose key starts at `offset`, as text.
function duplicateKeyAt(doc: Document.Parsed, offset: number): string | undefined {
  return firstOfPairs(doc, (pair) => {
    const key = pair.key as { value?: unknown; range?: [number, number, number] } | null;
    if (key?.range?.[0] !== offset) return undefined;
    return isScalar(key) ? String(key.value) : String(key);
  });
}

// A key that is a list or a mapping: plain data cannot hold it (the YAML library would turn it
// into text, with a warning printed by the process), so the file is refused before toJS.
function collectionKey(
  doc: Document.Parsed,
  lineCounter: LineCounter,
): { line: number; col: number } | undefined {
  return firstOfPairs(doc, (pair) => {
    const key = pair.key;
    if (!isCollection(isAlias(key) ? key.resolve(doc) : key)) return undefined;
    const range = (key as { range?: [number, number, number] } | null)?.range;
    return range ? lineCounter.linePos(range[0]) : { line: 1, col: 1 };
  });
}

// A recursive alias makes toJS return a cyclic object, which nothing downstream can walk.
function hasCycle(value: unknown, ancestors = new Set<object>()): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (ancestors.has(value)) return true;
  ancestors.add(value);
  const children = value instanceof Map ? [...value.values()] : Object.values(value);
  const cyclic = children.some((child) => hasCycle(child, ancestors));
  ancestors.delete(value);
  return cyclic;
}

function firstAlias(
  doc: Document.Parsed,
  lineCounter: LineCounter,
): { line: number; col: number } | undefined {
  let found: { line: number; col: number } | undefined;
  visit(doc, {
    Alias(_key, node) {
      if (node.range) found = lineCounter.linePos(node.range[0]);
      return visit.BREAK;
    },
  });
  return found;
}
