import { type Document, isNode, isScalar, isSeq, type Node, type Pair } from 'yaml';
import { redactAt } from '../secrets.js';
import {
  dottedPath,
  findPair,
  keyName,
  mapAt,
  type Path,
  putPair,
  setValue,
  takePair,
  valueAt,
} from './doc.js';
import type { Change, ChangeOp } from './types.js';

/**
 * Records the changes of one step and performs the common edits (move, set, prune) on the
 * Document so that what is done and what is reported cannot disagree.
 */
export class ChangeLog {
  readonly changes: Change[] = [];

  constructor(
    private readonly doc: Document,
    private readonly step: string,
  ) {}

  /**
   * Records a change; secrets in the value are masked (by the secret rule, which also masks the
   * whole value when its path runs through a secret key).
   */
  record(op: ChangeOp, from: Path | null, to: Path | null, value: unknown, reason: string): void {
    this.changes.push({
      step: this.step,
      op,
      from: from === null ? null : dottedPath(from),
      to: to === null ? null : dottedPath(to),
      // Both paths: a value moved out of a secret is still one.
      value: redactAt([...(from ?? []), ...(to ?? [])], value),
      reason,
    });
  }

  /** Moves the value at `from` to `to` (keeping its node and comments); false when absent. */
  move(from: Path, to: Path, reason: string): boolean {
    const parent = from.slice(0, -1);
    if (dottedPath(parent) === dottedPath(to.slice(0, -1))) {
      // A rename within one mapping keeps the key's place.
      const map = mapAt(this.doc, parent);
      const pair = map ? findPair(map, String(from.at(-1))) : undefined;
      if (!pair || keyName(pair) === undefined) return false;
      if (isScalar(pair.key)) pair.key.value = String(to.at(-1));
      else pair.key = String(to.at(-1)) as never;
      this.record('move', from, to, pair.value === null ? null : pair.value.toJSON(), reason);
      return true;
    }
    const pair = takePair(this.doc, parent, String(from.at(-1)));
    if (!pair) return false;
    const value = pair.value === null ? null : (pair.value.toJSON() as unknown);
    putPair(this.doc, to.slice(0, -1), String(to.at(-1)), pair);
    this.record('move', from, to, value, reason);
    return true;
  }

  /**
   * Sets a value that did not exist (`add`) or replaces one (`set`): plain data, or a node (a
   * copy made with copyNodeAt). `copiedFrom` names the place a copied value comes from.
   */
  set(path: Path, value: unknown, reason: string, copiedFrom?: Path): void {
    const existed = valueAt(this.doc, path) !== undefined;
    setValue(this.doc, path, value);
    const plain = isNode(value) ? value.toJSON() : value;
    this.record(existed ? 'set' : 'add', copiedFrom ?? (existed ? path : null), path, plain, reason);
  }

  /**
   * Carries the value at `from` (a key of a mapping or an item of a list) verbatim to
   * `unrecognized`, under `name` (the dotted v1 path by default), or `name (2)`, `name (3)`, ...
   * when another value already has that name: nothing is ever put over another. Returns the key
   * used, or undefined when there is no value at `from`.
   */
  carry(from: Path, reason: string, name: string = dottedPath(from)): string | undefined {
    const parent = from.slice(0, -1);
    const last = from.at(-1);
    const container = parent.length === 0 ? this.doc.contents : this.doc.getIn(parent, true);
    let pair: Pair<Node, Node | null> | undefined;
    if (isSeq(container) && typeof last === 'number') {
      const [item] = container.items.splice(last, 1) as Node[];
      if (item === undefined) return undefined;
      pair = this.doc.createPair(name, null) as Pair<Node, Node | null>;
      pair.value = item;
    } else {
      pair = takePair(this.doc, parent, String(last));
    }
    if (!pair) return undefined;
    const taken = mapAt(this.doc, ['unrecognized']);
    let key = name;
    for (let n = 2; taken && findPair(taken, key); n++) key = `${name} (${n})`;
    const value = pair.value === null ? null : (pair.value.toJSON() as unknown);
    putPair(this.doc, ['unrecognized'], key, pair);
    this.record('move', from, ['unrecognized', key], value, reason);
    return key;
  }

  /** Removes the value at `path` and reports it with its value; false when absent. */
  prune(path: Path, reason: string): boolean {
    const pair = takePair(this.doc, path.slice(0, -1), String(path.at(-1)));
    if (!pair) return false;
    this.record('prune', path, null, pair.value === null ? null : pair.value.toJSON(), reason);
    return true;
  }
}
