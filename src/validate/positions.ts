import { type Document, isMap, isPair, isScalar, isSeq, type LineCounter, type Node, type Pair } from 'yaml';
import { pointerSegments } from './pointer.js';

/** A source range, 1-based. */
export interface SourceRange {
  line: number;
  col: number;
  endLine: number;
  endCol: number;
}

// The pointer helpers live in pointer.ts, which loads no YAML library (the fast validate path).
export { pointerSegments, toPointer } from './pointer.js';

/**
 * Finds where a JSON pointer's value is in the YAML source. When the path does not exist all
 * the way, the deepest node that does is used; with `atKey` the last segment's key is used.
 */
export function locate(doc: Document, lineCounter: LineCounter, pointer: string, atKey = false): SourceRange {
  let node: Node | null | undefined = doc.contents as Node | null;
  let keyNode: Node | null | undefined;
  for (const segment of pointerSegments(pointer)) {
    if (isMap(node)) {
      const pair: Pair | undefined = node.items.find(
        (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === segment,
      );
      if (!pair) break;
      keyNode = pair.key as Node;
      node = (pair.value as Node | null) ?? keyNode;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)] as Node | undefined;
      if (!item) break;
      keyNode = item;
      node = item;
    } else {
      break;
    }
  }
  const target = atKey && keyNode ? keyNode : node;
  const range = target?.range ?? [0, 0, 0];
  const start = lineCounter.linePos(range[0]);
  const end = lineCounter.linePos(Math.max(range[0], range[1]));
  return { line: start.line, col: start.col, endLine: end.line, endCol: end.col };
}
