import type { Document } from 'yaml';
import { ChangeLog } from '../../src/migrate/changes.js';
import { keysAt, valueAt } from '../../src/migrate/doc.js';
import type { MigrationStep } from '../../src/migrate/types.js';
import { isPhaseApplicable, isPhaseName, PHASE_FLAG } from '../../src/phases.js';

/**
 * Step 4: drops what no longer belongs: KOF keys when KOF is off, the flat deployment_flags_*
 * keys, and optional phases that do not apply and never ran. Every dropped value is reported
 * (secrets masked) and stays in the backup.
 */
export const pruneStaleKeys: MigrationStep = {
  id: 'prune-stale-keys',
  description:
    'Drop kof_* / azure_csi_installed when KOF is off, the flat deployment_flags_* keys, and non-applicable phases that are still pending',
  from: '1.3',
  to: '1.4',
  apply(doc: Document) {
    const log = new ChangeLog(doc, this.id);
    const flags = {
      azure_children: valueAt(doc, ['deployment_flags', 'azure_children']) === true,
      kof: valueAt(doc, ['deployment_flags', 'kof']) === true,
    };
    for (const key of keysAt(doc, [])) {
      if (!flags.kof && (key.startsWith('kof_') || key === 'azure_csi_installed')) {
        log.prune([key], 'KOF is off: left behind by an earlier attempt that had KOF on');
      } else if (key === 'deployment_flags_kof' || key === 'deployment_flags_azure_children') {
        log.prune([key], 'folded into deployment_flags (the map wins)');
      }
    }
    for (const phase of keysAt(doc, ['phases'])) {
      if (!isPhaseName(phase) || isPhaseApplicable(phase, flags)) continue;
      if (valueAt(doc, ['phases', phase, 'status']) === 'pending') {
        log.prune(
          ['phases', phase],
          `does not apply (deployment_flags.${PHASE_FLAG[phase]} is false) and never ran`,
        );
      }
    }
    return log.changes;
  },
};
