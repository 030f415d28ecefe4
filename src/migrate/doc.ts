import {
  type Document,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  type Node,
  type Pair,
  Scalar,
  visit,
  YAMLMap,
} from 'yaml';

/**
 * Helpers that edit a YAML Document in place while keeping the nodes (and so their comments
 * and styles) of every value they move.
 */

/** A dotted path split in segments: `a.b` → [`a`, `b`]. */
export type Path = readonly (string | number)[];

/** Dotted form of a path for reports. */
export function dottedPath(path: Path): string {
  return path.map(String).join('.');
}

/** The root mapping of a document (migrations only run on documents whose root is a mapping). */
export function rootMap(doc: Document): YAMLMap {
  if (!isMap(doc.contents)) throw new TypeError('document root is not a mapping');
  return doc.contents;
}

/**
 * The name of a pair's key: a parsed key is a Scalar node, a key added with `doc.setIn` a plain
 * string (or number). Undefined for a key that is a collection.
 */
export function keyName(pair: { key: unknown }): string | undefined {
  if (isScalar(pair.key)) return String(pair.key.value);
  if (typeof pair.key === 'string' || typeof pair.key === 'number') return String(pair.key);
  return undefined;
}

/** The pair of `key` in a mapping. */
export function findPair(map: YAMLMap, key: string): Pair<Node, Node | null> | undefined {
  return map.items.find((item) => isPair(item) && keyName(item) === key) as
    | Pair<Node, Node | null>
    | undefined;
}

/** The mapping at `path`, or undefined when something on the way is not a mapping. */
export function mapAt(doc: Document, path: Path): YAMLMap | undefined {
  const node = path.length === 0 ? doc.contents : doc.getIn(path, true);
  return isMap(node) ? node : undefined;
}

/**
 * The mapping at `path`, created (block style, empty) where missing. Numeric segments index
 * into sequences, which must already hold a mapping at that index.
 */
export function ensureMap(doc: Document, path: Path): YAMLMap {
  let node: unknown = rootMap(doc);
  for (const [index, segment] of path.entries()) {
    if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      if (!isMap(node)) throw new TypeError(`no mapping at index ${segment}`);
      continue;
    }
    if (!isMap(node)) throw new TypeError(`cannot descend into ${String(segment)}`);
    const pair = findPair(node, String(segment));
    if (pair && (isMap(pair.value) || (isSeq(pair.value) && typeof path[index + 1] === 'number'))) {
      node = pair.value;
      continue;
    }
    const created = new YAMLMap();
    if (pair) pair.value = created;
    else node.items.push(doc.createPair(String(segment), created) as Pair<unknown, unknown>);
    node = created;
  }
  if (!isMap(node)) throw new TypeError('path does not end at a mapping');
  return node;
}

/** Removes `key` from the mapping at `path` and returns its pair (node, comments and all). */
export function takePair(doc: Document, path: Path, key: string): Pair<Node, Node | null> | undefined {
  const map = mapAt(doc, path);
  if (!map) return undefined;
  const pair = findPair(map, key);
  if (pair) map.items.splice(map.items.indexOf(pair as Pair<unknown, unknown>), 1);
  return pair;
}

/**
 * Puts a pair into the mapping at `path` under `key` (renaming its key node, so a comment on the
 * key travels with it). Replaces an existing pair of the same key.
 */
export function putPair(doc: Document, path: Path, key: string, pair: Pair<Node, Node | null>): void {
  const map = ensureMap(doc, path);
  if (isScalar(pair.key)) pair.key.value = key;
  else pair.key = doc.createNode(key) as Node;
  // A blank line that set a top-level key apart means nothing inside a section.
  if (path.length > 0) pair.key.spaceBefore = false;
  const existing = findPair(map, key);
  if (existing)
    map.items.splice(
      map.items.indexOf(existing as Pair<unknown, unknown>),
      1,
      pair as Pair<unknown, unknown>,
    );
  else map.items.push(pair as Pair<unknown, unknown>);
}

/** Sets a plain value at `path` (creating parent maps); keeps the comment of a replaced scalar. */
export function setValue(doc: Document, path: Path, value: unknown): void {
  const parent = ensureMap(doc, path.slice(0, -1));
  const key = String(path[path.length - 1]);
  const pair = findPair(parent, key);
  const node = doc.createNode(value) as Node;
  if (pair) {
    if (isScalar(pair.value) && isScalar(node)) {
      node.comment = pair.value.comment;
      node.commentBefore = pair.value.commentBefore;
    }
    pair.value = node;
  } else {
    parent.items.push(doc.createPair(key, node) as Pair<unknown, unknown>);
  }
}

/**
 * Changes a scalar's value in place (e.g. the legacy string "true" to the boolean true), keeping
 * its comments; the quoting style is dropped so the new type is written plainly.
 */
export function retypeScalar(node: Scalar, value: unknown): void {
  node.value = value;
  node.type = typeof value === 'string' ? node.type : Scalar.PLAIN;
}

/** The plain value at a path (undefined when absent). */
export function valueAt(doc: Document, path: Path): unknown {
  const node = doc.getIn(path, true);
  if (node === undefined || node === null) return node === null ? null : undefined;
  if (isScalar(node)) return node.value;
  if (isMap(node) || isSeq(node)) return node.toJSON();
  return node;
}

/**
 * A deep copy of the node at `path` for another place in the same document (the run's
 * config_snapshot of config): the nodes themselves, so numbers keep their spelling, without the
 * comments and anchors that belong to the original. Undefined when there is no node there.
 */
export function copyNodeAt(doc: Document, path: Path): Node | undefined {
  const node = doc.getIn(path, true);
  if (!isNode(node)) return undefined;
  const copy = node.clone() as Node;
  visit(copy, (_key, item) => {
    if (isNode(item)) {
      item.comment = null;
      item.commentBefore = null;
      item.spaceBefore = false;
      item.anchor = undefined;
    }
  });
  return copy;
}

/** The scalar node at a path, when there is one. */
export function scalarAt(doc: Document, path: Path): Scalar | undefined {
  const node = doc.getIn(path, true);
  return isScalar(node) ? node : undefined;
}

/** Keys of the mapping at `path`, in document order. */
export function keysAt(doc: Document, path: Path): string[] {
  const map = mapAt(doc, path);
  if (!map) return [];
  return map.items.map(keyName).filter((name): name is string => name !== undefined);
}
