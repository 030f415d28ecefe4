/**
 * The secret rule of `secrets.ts`, applied to YAML text (the migration diff): the text is parsed
 * and every secret is masked by the source range of its node, so the rule holds however the YAML
 * spells the key or the value (quoted or plain, on the next line, after a comment, an explicit
 * `? key`, an escaped key name, a flow mapping broken after the colon, an anchor, an alias, a tag,
 * a block scalar). Kept apart from `secrets.ts` only because it needs the YAML library, which the
 * fast paths that use the rule must not load.
 */

import { type Document, isAlias, isMap, isScalar, LineCounter, type Node, visit } from 'yaml';
import { parseStateDocument } from './parse/stitch.js';
import { isSecretKey, MIN_SECRET_LENGTH, REDACTED, scrubText } from './secrets.js';

// As parseState reads state files; repeated keys do not matter here.
const OPTIONS = {
  version: '1.2',
  schema: 'core',
  uniqueKeys: false,
  prettyErrors: false,
  keepSourceTokens: false,
} as const;

/**
 * YAML text with every secret masked by {@link REDACTED}: values under a secret key, sensitive
 * outputs (`{sensitive: true, ...}` mappings), the node an alias under a secret key refers to, any
 * other scalar equal to a secret found so, and any remaining occurrence of such a secret (in a
 * comment). Line breaks are kept (each line of a masked value becomes its indentation and
 * `<redacted>`), so a diff of masked texts has the lines of the originals. Text the YAML parser
 * refuses is masked whole, line by line: nothing in it can be trusted not to be a key.
 */
export function maskYamlText(text: string): string {
  let doc: Document.Parsed;
  try {
    doc = parseStateDocument(text, OPTIONS, new LineCounter());
  } catch {
    return maskLines(text);
  }
  if (doc.errors.length > 0) return maskLines(text);

  const secretNodes = new Set<Node>();
  const known = new Set<string>();
  // An alias refers to the closest anchor of that name before it; the walk is in document order.
  const anchors = new Map<string, Node>();
  const resolve = (node: unknown): unknown => (isAlias(node) ? anchors.get(node.source) : node);
  const addSecret = (node: unknown): void => {
    const target = resolve(node) as Node | undefined;
    if (!target || secretNodes.has(target)) return;
    secretNodes.add(target);
    collectTexts(target, known);
  };
  visit(doc, {
    Node(_key, node) {
      if (!isAlias(node) && node.anchor) anchors.set(node.anchor, node);
      if (isMap(node) && isSensitiveMap(node)) addSecret(node);
    },
    Pair(_key, pair) {
      const key = resolve(pair.key);
      if (isScalar(key) && isSecretKey(String(key.value))) addSecret(pair.value);
    },
  });
  if (known.size > 0) {
    // A copy of a secret under another name (or reached through an alias elsewhere).
    visit(doc, {
      Scalar(_key, node) {
        if (typeof node.value === 'string' && known.has(node.value)) secretNodes.add(node);
      },
    });
  }
  const ranges = [...secretNodes]
    .map((node) => node.range)
    .filter((range): range is [number, number, number] => Array.isArray(range) && range[1] > range[0])
    .map(([start, end]) => [start, end] as const)
    .sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  for (const [start, end] of ranges) {
    // A range inside one already masked (a key inside a masked mapping).
    if (start < at) {
      if (end > at) {
        out += maskLines(text.slice(at, end), true);
        at = end;
      }
      continue;
    }
    out += text.slice(at, start) + maskLines(text.slice(start, end));
    at = end;
  }
  out += text.slice(at);
  return scrubText(out, known);
}

// A mapping shaped like a sensitive output: `sensitive: true` among its pairs.
function isSensitiveMap(map: { items: unknown[] }): boolean {
  return map.items.some(
    (item) =>
      isScalar((item as { key?: unknown }).key) &&
      ((item as { key: { value: unknown } }).key.value as unknown) === 'sensitive' &&
      isScalar((item as { value?: unknown }).value) &&
      (item as { value: { value: unknown } }).value.value === true,
  );
}

// The texts inside a node that are long enough to be scrubbed wherever they appear.
function collectTexts(node: Node, into: Set<string>): void {
  visit(node, {
    Scalar(_key, scalar) {
      if (typeof scalar.value === 'string' && scalar.value.length >= MIN_SECRET_LENGTH)
        into.add(scalar.value);
    },
  });
}

// Each line of `text` becomes its indentation and <redacted> (blank lines stay blank). With
// `continued`, the first line continues a masked line and is masked like the others.
function maskLines(text: string, continued = false): string {
  return text
    .split('\n')
    .map((line, index) => {
      const body = line.replace(/\r$/, '');
      if (body.trim() === '') return line;
      const indent = index === 0 && !continued ? '' : (/^[ \t]*/.exec(body)?.[0] ?? '');
      return `${indent}${REDACTED}${line.endsWith('\r') ? '\r' : ''}`;
    })
    .join('\n');
}
