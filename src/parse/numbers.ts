import {
  Document,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  Scalar,
  type ScalarTag,
  type SchemaOptions,
} from 'yaml';

/**
 * Number fidelity: a number keeps the text it was written with, on every write.
 *
 * The `yaml` library turns a number into a JavaScript number when it reads it and writes that
 * number back in its own spelling: `12345678901234567890` becomes `12345678901234567000`,
 * `0.1000000000000000055511151231257827` becomes `0.1`, `99999999999999999999999` becomes
 * `1e+23`, `0x1F` becomes `0x1f`, `1e3` becomes `1e+3`. A state file is the operator's record, so
 * a value no command changed must come back byte for byte. The one mechanism: the number tags of
 * the YAML 1.2 core schema are replaced by tags that write a scalar's source text (kept by the
 * parser in `Scalar.source`) for as long as that text still reads as the scalar's value; a value
 * someone changed is written as the library writes it. Every reader of state and event files
 * uses {@link FAITHFUL_YAML_OPTIONS}; values that come from JSON (Terraform, `--json`) get the
 * same scalars from {@link faithfulNumber}.
 */

type Tags = NonNullable<Exclude<SchemaOptions['customTags'], unknown[]>>;
type Tag = Parameters<Tags>[0][number];

const NUMBER_TAGS = new Set(['tag:yaml.org,2002:int', 'tag:yaml.org,2002:float']);

function isScalarTag(tag: Tag): tag is ScalarTag {
  return typeof tag === 'object' && tag !== null && !('collection' in tag && tag.collection);
}

// What the text reads as under the default tags, the way the parser resolves a plain scalar:
// the first default tag whose test matches. Undefined when it is not a number there.
function readNumber(text: string, tags: readonly ScalarTag[]): unknown {
  const tag = tags.find((candidate) => candidate.default === true && candidate.test?.test(text));
  if (tag === undefined || !NUMBER_TAGS.has(tag.tag)) return undefined;
  const value = tag.resolve(text, () => undefined, { intAsBigInt: false } as never);
  return isScalar(value) ? value.value : value;
}

/**
 * The source text of a number scalar when it still reads as the scalar's value (nobody changed
 * it since it was read), else undefined.
 */
export function numberSource(node: Scalar, tags: readonly ScalarTag[]): string | undefined {
  const source = node.source;
  if (typeof source !== 'string' || typeof node.value !== 'number') return undefined;
  const read = readNumber(source, tags);
  return read !== undefined && Object.is(read, node.value) ? source : undefined;
}

/**
 * `customTags` for the YAML 1.2 core schema: the same tags, except that numbers keep their source
 * text on output (see the module comment).
 */
export const faithfulNumberTags: Tags = (tags) => {
  const scalarTags = tags.filter(isScalarTag);
  return tags.map((tag) => {
    if (!isScalarTag(tag) || !NUMBER_TAGS.has(tag.tag) || tag.stringify === undefined) return tag;
    const stringify = tag.stringify;
    return {
      ...tag,
      stringify(item, ctx, onComment, onChompKeep) {
        return numberSource(item as Scalar, scalarTags) ?? stringify(item, ctx, onComment, onChompKeep);
      },
    } satisfies ScalarTag;
  });
};

/** Options every reader of a state or events file passes to the `yaml` parser. */
export const FAITHFUL_YAML_OPTIONS = {
  version: '1.2',
  schema: 'core',
  customTags: faithfulNumberTags,
} as const satisfies SchemaOptions & { version: '1.2' };

let coreTags: readonly ScalarTag[] | undefined;

/**
 * The text a number scalar is written as: its source while that still reads as its value, else
 * the library's spelling of the value. Undefined for a scalar that does not hold a number.
 */
export function numberText(node: Scalar): string | undefined {
  if (typeof node.value !== 'number') return undefined;
  coreTags ??= new Document(null, FAITHFUL_YAML_OPTIONS).schema.tags.filter(isScalarTag);
  return numberSource(node, coreTags) ?? String(node.value);
}

/**
 * A number scalar for `text` (a JSON or YAML number token) that is written back as `text`: its
 * value is the JavaScript number, its source the text. For values parsed outside the YAML reader
 * (Terraform's JSON, command-line values).
 */
export function faithfulNumber(text: string): Scalar<number> {
  const node = new Scalar(Number(text));
  node.source = text;
  return node;
}

/** True when a number token is not written back the same by `String(Number(token))`. */
export function bendsAsNumber(token: string): boolean {
  return String(Number(token)) !== token;
}

// A JSON string (skipped) or a JSON number token.
const JSON_TOKEN = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/**
 * The data of a JSON text that `JSON.parse` gave as `parsed`, with every number whose token
 * `JSON.parse` would bend (`12345678901234567890`, `1.50`, `1e3`) as a {@link faithfulNumber}
 * scalar instead, so that it is written back with its digits. A text without such a number (the
 * usual case, checked by one scan) gives `parsed` itself.
 */
export function keepJsonNumbers(text: string, parsed: unknown): unknown {
  // Most of Terraform's outputs are strings: a walk of the data is much cheaper than a scan of
  // the text, which matches every string token.
  if (!holdsNumber(parsed)) return parsed;
  let bends = false;
  for (const match of text.matchAll(JSON_TOKEN)) {
    if (match[0].charCodeAt(0) !== 0x22 && bendsAsNumber(match[0])) {
      bends = true;
      break;
    }
  }
  if (!bends) return parsed;
  try {
    // JSON is YAML 1.2: the parser keeps each number's token as its source.
    const doc = parseDocument(text, { ...FAITHFUL_YAML_OPTIONS, uniqueKeys: false, prettyErrors: false });
    return doc.errors.length > 0 ? parsed : jsonData(doc.contents);
  } catch {
    return parsed;
  }
}

// True when JSON data (as JSON.parse makes it) holds a number anywhere. A stack of its own, not
// recursion: JSON.parse reads nesting deeper than the call stack allows.
function holdsNumber(data: unknown): boolean {
  const pending: unknown[] = [data];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'number') return true;
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      for (const item of value) pending.push(item);
    } else {
      const record = value as Record<string, unknown>;
      for (const key in record) pending.push(record[key]);
    }
  }
  return false;
}

// Plain data as JSON.parse makes it (a repeated key: the last one wins), bent numbers as scalars.
function jsonData(node: unknown): unknown {
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
      // As JSON.parse: `__proto__` is an own key, not the prototype.
      Object.defineProperty(out, key, {
        value: jsonData(pair.value),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  if (isSeq(node)) return node.items.map(jsonData);
  if (isScalar(node)) {
    const { source, value } = node;
    return typeof value === 'number' && typeof source === 'string' && bendsAsNumber(source)
      ? faithfulNumber(source)
      : value;
  }
  return null;
}
