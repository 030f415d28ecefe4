import type { Document } from 'yaml';
import type { DeploymentStateV2 } from '../../src/generated/deployment-state.v2.js';
import { ChangeLog } from '../../src/migrate/changes.js';
import { keysAt, valueAt } from '../../src/migrate/doc.js';
import { isV2Key, misplacedPhases, v1KeysIn } from '../../src/migrate/needs.js';
import { formatUtc } from '../../src/migrate/times.js';
import type { MigrationStep } from '../../src/migrate/types.js';
import { setLegacyPath } from '../../src/runtime/legacy.js';
import { blockStyle, recordRunPhase } from '../../src/runtime/runs.js';
import type { StateView } from '../../src/runtime/transaction.js';

// Run keys in the order an attempt writes them: its start first, its end last.
const FIRST = ['deployment_start_time'];
const LAST = ['deployment_end_time', 'deployment_duration_seconds', 'error_exit_code'];

function view(doc: Document): StateView {
  return { doc, state: doc.toJS() as DeploymentStateV2 };
}

/** Every leaf of a value with its path; an empty map or list is a leaf of its own. */
function leaves(value: unknown, path: string[]): { path: string[]; value: unknown }[] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
    return Object.entries(value).flatMap(([key, inner]) => leaves(inner, [...path, key]));
  }
  return [{ path, value }];
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object')
    return Object.keys(value).length === 0 ? '{}' : JSON.stringify(value);
  return String(value);
}

/**
 * Repair step: an old (yq-based) script run against a v2 file writes v1 keys at the top level
 * (`wg_vpn_connected: true`, `vm_states.VM.public_ip`, `phase`, `deployment_end_time`, …) and
 * phases that do not apply. Each v1 key is folded into its v2 place by the same key map and the
 * same rules as `update_state` (the timing keys on the current run, in the order an attempt
 * writes them); phases that do not apply leave the live map (a phase that ran is kept in the
 * current run's history; one still pending never ran and is dropped, with its value in the
 * report). Anything else unknown goes to `unrecognized`. The file is backed up first, as for a
 * migration.
 */
export const foldV1Keys: MigrationStep = {
  id: 'fold-v1-keys',
  description:
    'Fold v1 keys an old script wrote into this v2 file into their v2 places (the key map of the migration)',
  from: '2',
  to: '2',
  apply(doc: Document, context) {
    const log = new ChangeLog(doc, this.id);
    blockStyle(doc, ['unrecognized']);
    const data = doc.toJS() as Record<string, unknown>;
    const keys = v1KeysIn(data);
    const rank = (key: string) => (FIRST.includes(key) ? 0 : LAST.includes(key) ? 2 : 1);
    keys.sort((a, b) => rank(a) - rank(b));
    for (const key of keys) {
      const value = valueAt(doc, [key]);
      for (const leaf of leaves(value, [key])) {
        let where: string;
        if (leaf.value === null || leaf.value === undefined) {
          where = `unrecognized.${leaf.path.join('.')}`;
          doc.setIn(['unrecognized', leaf.path.join('.')], null);
        } else {
          where = setLegacyPath(view(doc), leaf.path, text(leaf.value), context.now).where;
        }
        const to = /^[A-Za-z0-9_.-]+$/.test(where) ? where.split('.') : null;
        log.record(
          'move',
          leaf.path,
          to,
          leaf.value,
          `a v1 key an old script wrote into this v2 file, folded into ${to ? 'its v2 place' : where}`,
        );
      }
      doc.delete(key);
    }
    for (const key of keysAt(doc, [])) {
      if (!isV2Key(key))
        log.move([key], ['unrecognized', key], 'not a key of v2: carried verbatim, never dropped');
    }
    for (const name of misplacedPhases(doc.toJS() as Record<string, unknown>)) {
      const entry = valueAt(doc, ['phases', name]) as { status?: unknown } | undefined;
      if (entry?.status === 'pending' || entry === undefined) {
        log.prune(['phases', name], 'the phase does not apply under deployment_flags and never ran');
        continue;
      }
      const target = view(doc);
      recordRunPhase(target, name, entry as never);
      const index = target.state.deployment_runs.findIndex(
        (run) => run.run_id === target.state.current_run_id,
      );
      doc.deleteIn(['phases', name]);
      log.record(
        'move',
        ['phases', name],
        index >= 0 ? ['deployment_runs', index, 'phases', name] : null,
        entry,
        'the phase does not apply under deployment_flags: kept in the current run',
      );
    }
    const now = formatUtc(context.now);
    const previous = valueAt(doc, ['migrations_applied']);
    log.set(['last_updated'], now, 'the repair wrote the file');
    log.set(
      ['migrations_applied'],
      [
        ...(Array.isArray(previous) ? previous : []),
        {
          id: context.chainId,
          from_version: 2,
          to_version: 2,
          steps: [...context.stepIds],
          applied_at: now,
          tool_version: context.toolVersion,
          input_sha256: context.inputSha256,
        },
      ],
      'records this repair (rollback checks input_sha256)',
    );
    return log.changes;
  },
};
