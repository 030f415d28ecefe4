import { type Document, isMap, isPair, isScalar, isSeq, type LineCounter, type Node, type Pair } from 'yaml';
import { type ChildOf, nodeAtPath, rangeOf, type SourceRange } from '../parse/locate.js';
import { pointerSegments } from './pointer.js';

export type { SourceRange } from '../parse/locate.js';

// The pointer helpers live in pointer.ts, which loads no YAML library (the fast validate path).
export { pointerSegments, toPointer } from './pointer.js';

/**
 * Finds where a JSON pointer's value is in the YAML source. When the path does not exist all
 * the way, the deepest node that does is used; with `atKey` the last segment's key is used.
 */
export function locate(doc: Document, lineCounter: LineCounter, pointer: string, atKey = false): SourceRange {
  const target = nodeAtPath<Node | null>(
    doc.contents as Node | null,
    pointerSegments(pointer),
    yamlChild,
    atKey,
  );
  const range = target?.range ?? [0, 0, 0];
  return rangeOf((offset) => lineCounter.linePos(offset), range[0], range[1]);
}

// A Document node's child at a path segment: a mapping's pair by its scalar key (a pair without a
// value stands at its key), a list's item by index.
const yamlChild: ChildOf<Node | null> = (node, segment) => {
  if (isMap(node)) {
    const pair = node.items.find(
      (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === segment,
    ) as Pair<Node, Node | null> | undefined;
    return pair && { key: pair.key, value: pair.value ?? pair.key };
  }
  if (isSeq(node)) {
    const item = node.items[Number(segment)] as Node | undefined;
    return item && { key: item, value: item };
  }
  return undefined;
};
