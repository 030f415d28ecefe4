import { type Document, isScalar, type Pair } from 'yaml';
import { schemaV2 } from '../../src/generated/schemas.js';
import { ChangeLog } from '../../src/migrate/changes.js';
import { keyName, keysAt, rootMap, valueAt } from '../../src/migrate/doc.js';
import { formatUtc, toUtc } from '../../src/migrate/times.js';
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
    for (const key of keysAt(doc, [])) {
      if (!V2_KEY_ORDER.includes(key)) {
        log.move([key], ['unrecognized', key], 'not a key this tool knows: carried verbatim, never dropped');
      }
    }
    const createdAt = valueAt(doc, ['created_at']);
    if (typeof createdAt === 'string') {
      const utc = toUtc(createdAt);
      const node = doc.getIn(['created_at'], true);
      if (utc && utc !== createdAt && isScalar(node)) {
        node.value = utc;
        log.record('retype', ['created_at'], ['created_at'], utc, 'v2 timestamps are RFC 3339 UTC');
      }
    }
    log.set(['schema_version'], 2, 'this file is now format v2');
    const now = formatUtc(context.now);
    log.set(['last_updated'], now, 'the migration wrote the file');
    const previous = valueAt(doc, ['migrations_applied']);
    const entry = {
      id: context.chainId,
      from_version: 1,
      to_version: 2,
      steps: [...context.stepIds],
      applied_at: now,
      tool_version: context.toolVersion,
      input_sha256: context.inputSha256,
    };
    log.set(
      ['migrations_applied'],
      [...(Array.isArray(previous) ? previous : []), entry],
      'records this migration (rollback checks input_sha256)',
    );

    const root = rootMap(doc);
    const first = root.items[0] as Pair<{ commentBefore?: string | null }> | undefined;
    // A comment above the first key is the file's header: keep it at the top of the file.
    if (first?.key && typeof first.key === 'object' && first.key.commentBefore) {
      root.commentBefore = root.commentBefore
        ? `${root.commentBefore}\n${first.key.commentBefore}`
        : first.key.commentBefore;
      first.key.commentBefore = null;
    }
    const rank = (pair: Pair) => V2_KEY_ORDER.indexOf(keyName(pair) ?? '');
    root.items.sort((a, b) => rank(a as Pair) - rank(b as Pair));
    return log.changes;
  },
};
