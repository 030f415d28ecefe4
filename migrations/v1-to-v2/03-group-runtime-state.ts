import type { Document } from 'yaml';
import { ChangeLog } from '../../src/migrate/changes.js';
import { keysAt, valueAt } from '../../src/migrate/doc.js';
import type { MigrationStep } from '../../src/migrate/types.js';

/** v1 top-level key → v2 path, for the runtime groups that always apply. */
export const RUNTIME_KEY_MAP: Readonly<Record<string, readonly string[]>> = {
  wg_keys_generated: ['wireguard_config', 'keys_generated'],
  wg_laptop_config_created: ['wireguard_config', 'laptop_config_created'],
  wg_vpn_connected: ['wireguard_config', 'vpn_connected'],
  wg_setup_method: ['wireguard_config', 'setup_method'],
  wg_macos_interface: ['wireguard_config', 'macos_interface'],
  k0s_config_generated: ['k0s_cluster_state', 'config_generated'],
  k0s_cluster_deployed: ['k0s_cluster_state', 'deployed'],
  network_validation_failed: ['k0s_cluster_state', 'network_validation_failed'],
  k0rdent_installed: ['k0rdent_install_state', 'installed'],
  k0rdent_ready: ['k0rdent_install_state', 'ready'],
  k0rdent_ready_partial: ['k0rdent_install_state', 'ready_partial'],
  aws_credentials_configured: ['cloud_credentials', 'aws', 'configured'],
  aws_role_arn: ['cloud_credentials', 'aws', 'role_arn'],
  aws_profile_name: ['cloud_credentials', 'aws', 'profile_name'],
  aws_account_id: ['cloud_credentials', 'aws', 'account_id'],
};

/** KOF keys known to v2 (`kof_<rest>` → optional_components.kof.<rest>). */
export const KOF_KEYS = [
  'mothership_installed',
  'mothership_version',
  'mothership_namespace',
  'regional_installed',
  'regional_version',
  'regional_cluster_name',
  'regional_domain',
  'regional_namespace',
  'regional_cluster_label',
  'child_installed',
  'child_version',
  'child_namespace',
  'child_regional_cluster',
  'child_cluster_label',
] as const;

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
            log.move(
              ['wireguard_config', 'peers', host, field],
              ['unrecognized', `wireguard_peers.${host}.${field}`],
              'not a field of a v2 peer; carried verbatim',
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
