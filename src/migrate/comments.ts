import { type Document, isMap, isNode, isPair, isScalar, type Node, type Pair, visit } from 'yaml';
import { isStitched } from '../parse/stitch.js';
import { maskPastedKeys } from '../secrets.js';
import type { StepWarning } from './types.js';

/**
 * Comments through a migration. The steps move nodes, so a comment travels with the key it is
 * written on. Two cases need more, and are settled here, after the chain has run:
 *
 * - A **section header**: a comment above a run of two or more top-level keys (up to the next
 *   comment or blank line) that stands apart (a blank line above it or below the run), such as
 *   `# Azure resources` above `azure_rg_status`, `azure_network_status`, ... When every key of the
 *   run moved into one v2 section, the comment
 *   is put above that section's key (`infrastructure_facts:`), where a reader looks for it, rather
 *   than inside the first key's new place. When they went to different sections, it has no right
 *   place: it is dropped from the new file and reported.
 * - A comment whose key the migration dropped (a pruned key) or whose node it replaced: reported.
 *
 * Every comment of the v1 file that is not in the new file is named in a `comment-in-backup-only`
 * warning: the backup keeps it.
 */

/** What {@link watchComments} records before the chain runs. */
export interface CommentWatch {
  /** Comment lines of the input, by text, with where each was. */
  lines: Array<{ text: string; path: string }>;
  headers: Array<{ comment: string; keys: Node[]; names: string[] }>;
}

const STEP = 'comments';

// Every comment of a node, as lines.
function commentLines(text: string | null | undefined): string[] {
  return text ? text.split('\n').filter((line) => line.trim() !== '') : [];
}

function nameOf(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

// A private key pasted into a comment is never repeated (the secret rule's maskPastedKeys).
function shown(comment: string): string {
  const text = maskPastedKeys(comment.trimEnd());
  return JSON.stringify(`#${text.length > 60 ? `${text.slice(0, 57)}...` : text}`);
}

/** Records the comments of a document before a migration edits it (nothing when it has none). */
export function watchComments(doc: Document, text: string): CommentWatch {
  const watch: CommentWatch = { lines: [], headers: [] };
  if (!text.includes('#')) return watch;
  const path: string[] = [];
  const note = (comment: string | null | undefined) => {
    for (const line of commentLines(comment)) watch.lines.push({ text: line, path: path.join('.') });
  };
  note(doc.commentBefore);
  note(doc.comment);
  if (isNode(doc.contents)) {
    note(doc.contents.commentBefore);
    note(doc.contents.comment);
  }
  visit(doc, {
    Pair(_key, pair, ancestors) {
      path.length = 0;
      for (const ancestor of ancestors) if (isPair(ancestor)) path.push(nameOf(ancestor as Pair));
      path.push(nameOf(pair));
      if (isNode(pair.key)) {
        note(pair.key.commentBefore);
        note(pair.key.comment);
      }
      if (isNode(pair.value)) {
        note(pair.value.commentBefore);
        note(pair.value.comment);
        // Long lists built by the fast parser hold no comment (it builds only comment-free lines).
        if (isStitched(pair.value)) return visit.SKIP;
      }
      return undefined;
    },
    Seq(_key, seq) {
      for (const item of seq.items) {
        if (isNode(item)) {
          note(item.commentBefore);
          note(item.comment);
        }
      }
      return undefined;
    },
  });

  const root = doc.contents;
  if (isMap(root)) {
    const items = root.items as Pair[];
    items.forEach((pair, index) => {
      const comment = isNode(pair.key) ? pair.key.commentBefore : undefined;
      if (!comment || index === 0) return;
      const run = [pair];
      let closed = false;
      for (const next of items.slice(index + 1)) {
        const key = next.key as Node | null;
        if (!isNode(key) || key.commentBefore || key.spaceBefore) {
          closed = isNode(key) && key.spaceBefore === true;
          break;
        }
        run.push(next);
      }
      // A header stands apart: a blank line above it or below its group. A comment straight above
      // a key, in a file without blank lines, is that key's and travels with it.
      const apart = (pair.key as Node).spaceBefore === true || closed;
      if (run.length >= 2 && apart)
        watch.headers.push({ comment, keys: run.map((p) => p.key as Node), names: run.map(nameOf) });
    });
  }
  return watch;
}

/**
 * Settles the comments after the chain (see the module comment) and returns the warnings for
 * every comment of the input that the new file does not have.
 */
export function settleComments(doc: Document, watch: CommentWatch): StepWarning[] {
  const warnings: StepWarning[] = [];
  if (watch.lines.length === 0) return warnings;
  const root = doc.contents;
  if (!isMap(root)) return warnings;

  // Where each key node ended up: its top-level section, and whether it is that section's key.
  const place = new Map<Node, { section: Pair; top: boolean }>();
  for (const pair of watch.headers.length > 0 ? (root.items as Pair[]) : []) {
    if (isNode(pair.key)) place.set(pair.key, { section: pair, top: true });
    if (isNode(pair.value)) {
      visit(pair.value, {
        Pair(_key, inner) {
          if (isNode(inner.key)) place.set(inner.key, { section: pair, top: false });
          return undefined;
        },
      });
    }
  }

  const dropped = new Set<string>();
  for (const header of watch.headers) {
    const first = header.keys[0] as Node;
    if (first.commentBefore !== header.comment) continue;
    const places = header.keys.map((key) => place.get(key));
    // The first key is still at the top level, or gone: the comment stays where it is, or is
    // reported below with the key.
    if (places[0] === undefined || places[0].top) continue;
    const sections = new Set(places.map((found) => (found && !found.top ? found.section : undefined)));
    first.commentBefore = null;
    const [only] = sections;
    if (sections.size === 1 && only !== undefined && isNode(only.key)) {
      only.key.commentBefore = only.key.commentBefore
        ? `${header.comment}\n${only.key.commentBefore}`
        : header.comment;
      if (first.spaceBefore) only.key.spaceBefore = true;
    } else {
      for (const line of commentLines(header.comment)) dropped.add(line);
      warnings.push({
        step: STEP,
        code: 'comment-in-backup-only',
        path: header.names[0] as string,
        message: `the comment ${commentLines(header.comment).map(shown).join(' ')} headed ${header.names.join(', ')}, which now live in different v2 sections: it stays only in the backup`,
      });
    }
  }

  // What the new file has, by line, counted.
  const kept = new Map<string, number>();
  const keep = (comment: string | null | undefined) => {
    for (const line of commentLines(comment)) kept.set(line, (kept.get(line) ?? 0) + 1);
  };
  keep(doc.commentBefore);
  keep(doc.comment);
  visit(doc, (_key, node) => {
    if (isNode(node)) {
      keep(node.commentBefore);
      keep(node.comment);
      // The steps put nothing into these: they still hold no comment.
      if (isStitched(node)) return visit.SKIP;
    }
    return undefined;
  });
  for (const line of watch.lines) {
    const count = kept.get(line.text) ?? 0;
    if (count > 0) {
      kept.set(line.text, count - 1);
      continue;
    }
    if (dropped.has(line.text)) continue;
    warnings.push({
      step: STEP,
      code: 'comment-in-backup-only',
      path: line.path,
      message: `the comment ${shown(line.text)}${line.path === '' ? '' : ` on ${line.path}`} has no place in the new file (its key was dropped or replaced): it stays only in the backup`,
    });
  }
  return warnings;
}
