// The v1 runtime keys and their v2 places, in a module of their own: the runtime commands route
// keys with them without loading the migration.

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
