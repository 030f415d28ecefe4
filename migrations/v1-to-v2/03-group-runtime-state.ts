import type { Document } from 'yaml';
import { ChangeLog } from '../../src/migrate/changes.js';
import { keysAt, valueAt } from '../../src/migrate/doc.js';
import { KOF_KEYS, RUNTIME_KEY_MAP } from '../../src/migrate/runtime-keys.js';
import type { MigrationStep } from '../../src/migrate/types.js';

export { KOF_KEYS, RUNTIME_KEY_MAP } from '../../src/migrate/runtime-keys.js';

/** Fields a v2 WireGuard peer may have; others are carried to unrecognized. */
export const PEER_FIELDS = ['ip', 'role', 'public_key', 'private_key', 'keys_generated', 'keys_generated_at'];

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
    if (
      log.move(
        ['wireguard_peers'],
        ['wireguard_config', 'peers'],
        'peers belong to the WireGuard runtime state',
      )
    ) {
      for (const host of keysAt(doc, ['wireguard_config', 'peers'])) {
        for (const field of keysAt(doc, ['wireguard_config', 'peers', host])) {
          if (!PEER_FIELDS.includes(field)) {
            log.carry(
              ['wireguard_config', 'peers', host, field],
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
        ['azure_csi_installed'],
        ['optional_components', 'azure_csi', 'installed'],
        'KOF is on: the Azure CSI driver is an optional component',
      );
    }
    return log.changes;
  },
};
