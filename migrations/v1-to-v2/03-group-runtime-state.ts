import type { Document } from 'yaml';
import {
  AZURE_CSI_KEY,
  AZURE_CSI_PATH,
  KOF_KEYS,
  PEER_FIELDS,
  PEERS_KEY,
  PEERS_PATH,
  RUNTIME_KEY_MAP,
} from '../../src/keymap.js';
import { ChangeLog } from '../../src/migrate/changes.js';
import { keysAt, valueAt } from '../../src/migrate/doc.js';
import type { MigrationStep } from '../../src/migrate/types.js';

/**
 * Step 3: groups the flat runtime keys into wireguard_config, k0s_cluster_state,
 * k0rdent_install_state, optional_components (when KOF is on) and cloud_credentials.aws.
 */
export const groupRuntimeState: MigrationStep = {
  id: 'group-runtime-state',
  description:
    'Group wg_*, k0s_*, k0rdent_*, aws_* and (with KOF on) kof_* / azure_csi_installed keys into their v2 runtime sections',
  from: '1.2',
  to: '1.3',
  apply(doc: Document) {
    const log = new ChangeLog(doc, this.id);
    for (const [key, to] of Object.entries(RUNTIME_KEY_MAP)) {
      log.move([key], to, `runtime state is grouped by component in v2`);
    }
    if (log.move([PEERS_KEY], [...PEERS_PATH], 'peers belong to the WireGuard runtime state')) {
      for (const host of keysAt(doc, [...PEERS_PATH])) {
        for (const field of keysAt(doc, [...PEERS_PATH, host])) {
          if (!PEER_FIELDS.includes(field)) {
            log.carry(
              [...PEERS_PATH, host, field],
              'not a field of a v2 peer; carried verbatim',
              `wireguard_peers.${host}.${field}`,
            );
          }
        }
      }
    }
    if (valueAt(doc, ['deployment_flags', 'kof']) === true) {
      for (const rest of KOF_KEYS) {
        log.move(
          [`kof_${rest}`],
          ['optional_components', 'kof', rest],
          'KOF is on: its state is an optional component',
        );
      }
      log.move(
        [AZURE_CSI_KEY],
        [...AZURE_CSI_PATH],
        'KOF is on: the Azure CSI driver is an optional component',
      );
    }
    return log.changes;
  },
};
