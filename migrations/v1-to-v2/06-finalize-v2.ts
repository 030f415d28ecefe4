import { type Document, isScalar, type Node, type Pair } from 'yaml';
import { schemaV2 } from '../../src/generated/schemas.js';
import { ChangeLog } from '../../src/migrate/changes.js';
import { ensureMap, keyName, rootMap, valueAt } from '../../src/migrate/doc.js';
import { creationInstant, formatUtc, toUtc } from '../../src/migrate/times.js';
import type { MigrationStep } from '../../src/migrate/types.js';

/** Top-level keys of v2, in the order a v2 file lists them. */
export const V2_KEY_ORDER: readonly string[] = Object.keys(schemaV2.properties);

/**
 * Step 6: carries unknown keys into `unrecognized`, stamps `schema_version: 2`, records the
 * migration in `migrations_applied`, and puts the top-level keys in v2 order.
 */
export const finalizeV2: MigrationStep = {
  id: 'finalize-v2',
  description:
    'Carry unknown keys into unrecognized, set schema_version: 2, record the migration in migrations_applied and order the keys',
  from: '1.5',
  to: '2',
  apply(doc: Document, context) {
    const log = new ChangeLog(doc, this.id);
    carryUnknownKeys(doc, log);
    const createdAt = valueAt(doc, ['created_at']);
    const utc = typeof createdAt === 'string' ? toUtc(createdAt) : undefined;
    const node = doc.getIn(['created_at'], true);
    if (utc !== undefined && utc !== createdAt && isScalar(node)) {
      node.value = utc;
      log.record('retype', ['created_at'], ['created_at'], utc, 'v2 timestamps are RFC 3339 UTC');
    } else if (utc === undefined) {
      // Missing or unreadable: what step 5 named the run after (see creationInstant).
      if (createdAt !== undefined)
        log.carry(['created_at'], 'not a time this tool can read: carried verbatim');
      log.set(
        ['created_at'],
        creationInstant(createdAt, valueAt(doc, ['last_updated']), context.now),
        'no readable created_at: last_updated stands in, else the migration time',
      );
    }
    log.set(['schema_version'], 2, 'this file is now format v2');
    const now = formatUtc(context.now);
    log.set(['last_updated'], now, 'the migration wrote the file');
    const entry = {
      id: context.chainId,
      from_version: 1,
      to_version: 2,
      steps: [...context.stepIds],
      applied_at: now,
      tool_version: context.toolVersion,
      input_sha256: context.inputSha256,
    };
    // A migrations_applied of the v1 file was carried to unrecognized by normalize-v1.
    log.set(['migrations_applied'], [entry], 'records this migration (rollback checks input_sha256)');

    const root = rootMap(doc);
    const first = root.items[0] as Pair<{ commentBefore?: string | null }> | undefined;
    // A comment above the first key is the file's header: keep it at the top of the file.
    if (first?.key && typeof first.key === 'object' && first.key.commentBefore) {
      root.commentBefore = root.commentBefore
        ? `${root.commentBefore}\n${first.key.commentBefore}`
        : first.key.commentBefore;
      first.key.commentBefore = null;
    }
    const rank = (pair: Pair) => V2_RANK.get(keyName(pair) ?? '') ?? -1;
    root.items.sort((a, b) => rank(a as Pair) - rank(b as Pair));
    return log.changes;
  },
};

const V2_RANK = new Map(V2_KEY_ORDER.map((key, index) => [key, index]));
const CARRIED = 'not a key this tool knows: carried verbatim, never dropped';

/**
 * Carries every top-level key v2 does not know into `unrecognized`, in one pass, as
 * ChangeLog.carry does for one key (the pair keeps its node, comments and order; a name already
 * taken there gets ` (2)`, ` (3)`, ...: nothing is overwritten). Carrying them one by one searched
 * and spliced the root mapping for each, which grew with the square of their number (8,000
 * unknown keys took seconds, 32,000 minutes).
 */
function carryUnknownKeys(doc: Document, log: ChangeLog): void {
  const root = rootMap(doc);
  // Scalar keys only, as before (a complex key is left where it is, and validation reports it).
  const unknown = root.items.filter((pair) => isScalar(pair.key) && !V2_RANK.has(keyOf(pair as Pair)));
  if (unknown.length === 0) return;
  const carried = new Set(unknown);
  root.items = root.items.filter((pair) => !carried.has(pair));
  const target = ensureMap(doc, ['unrecognized']);
  const taken = new Set(target.items.map((pair) => keyOf(pair as Pair)));
  for (const pair of unknown as Pair<Node, Node | null>[]) {
    const name = keyOf(pair as Pair);
    let key = name;
    for (let n = 2; taken.has(key); n++) key = `${name} (${n})`;
    taken.add(key);
    if (isScalar(pair.key)) pair.key.value = key;
    target.items.push(pair as Pair<unknown, unknown>);
    log.record(
      'move',
      [name],
      ['unrecognized', key],
      pair.value === null ? null : pair.value.toJSON(),
      CARRIED,
    );
  }
}

function keyOf(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}
