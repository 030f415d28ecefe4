/** A source range, 1-based. */
export interface SourceRange {
  line: number;
  col: number;
  endLine: number;
  endCol: number;
}

/** The key and value nodes a path segment leads to, or undefined (no such child, or a scalar). */
export type ChildOf<N> = (node: N, segment: string) => { key: N; value: N } | undefined;

/**
 * The node a path of segments leads to in a tree of nodes (the YAML library's, or the fast
 * reader's): the deepest node that exists, or with `atKey` the key of the last segment found.
 */
export function nodeAtPath<N>(root: N, segments: readonly string[], childOf: ChildOf<N>, atKey: boolean): N {
  let node = root;
  let keyNode: N | undefined;
  for (const segment of segments) {
    const child = childOf(node, segment);
    if (!child) break;
    keyNode = child.key;
    node = child.value;
  }
  return atKey && keyNode !== undefined ? keyNode : node;
}

/** The 1-based range of the offsets `start` to `end`, by a line index's `linePos`. */
export function rangeOf(
  linePos: (offset: number) => { line: number; col: number },
  start: number,
  end: number,
): SourceRange {
  const from = linePos(start);
  const to = linePos(Math.max(start, end));
  return { line: from.line, col: from.col, endLine: to.line, endCol: to.col };
}
