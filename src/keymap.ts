/**
 * The v1 → v2 key map: where every key the deployer's scripts ever wrote lives in v2. One
 * definition, used by the migration steps (migrations/v1-to-v2/) to move keys and by the runtime
 * (`get_state` / `update_state` of a v1 key, `runtime set wg_vpn_connected`) to read and write
 * their v2 place. The contract's table (state-format.md, "Key map") in code.
 */

/** Where the Terraform cache keeps its outputs. */
export const OUTPUTS_PATH = ['infrastructure_facts', 'outputs'] as const;

/** v1 top-level runtime keys → their v2 path (runtime groups that always apply). */
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

/** v1 `azure_csi_installed` (an optional component of KOF). */
export const AZURE_CSI_KEY = 'azure_csi_installed';

/** The v2 path of `azure_csi_installed`. */
export const AZURE_CSI_PATH = ['optional_components', 'azure_csi', 'installed'] as const;

/** The v1 WireGuard peers and their v2 place. */
export const PEERS_KEY = 'wireguard_peers';

/** Where the peers live in v2. */
export const PEERS_PATH = ['wireguard_config', 'peers'] as const;

/** Fields a v2 WireGuard peer may have; others are carried to unrecognized. */
export const PEER_FIELDS = ['ip', 'role', 'public_key', 'private_key', 'keys_generated', 'keys_generated_at'];

/** v1 infrastructure status keys → their path under infrastructure_facts.outputs. */
export const INFRA_KEY_MAP: Readonly<Record<string, readonly string[]>> = {
  azure_rg_status: ['resource_group', 'status'],
  azure_network_status: ['network', 'status'],
  azure_ssh_key_status: ['ssh_key', 'status'],
};

/** v1 `vm_states` and its place under infrastructure_facts.outputs. */
export const VM_STATES_KEY = 'vm_states';

/** Where a VM's facts live under infrastructure_facts.outputs. */
export const VM_DETAILS = 'vm_details';

/** v1 field names of a VM in vm_states → their names in vm_details (others keep their name). */
export const VM_FIELD_MAP: Readonly<Record<string, string>> = { state: 'provisioning_state' };

/** v1 keys whose meaning is the current run's (phase, status, timing, error). */
export const RUN_KEYS = [
  'phase',
  'status',
  'deployment_start_time',
  'deployment_end_time',
  'deployment_duration_seconds',
  'error_exit_code',
] as const;

/** One of {@link RUN_KEYS}. */
export type RunKey = (typeof RUN_KEYS)[number];

/** The flat flag keys of era E2 (`deployment_flags_kof`) → the flag they mean. */
export const FLAT_FLAG_KEYS: Readonly<Record<string, 'kof' | 'azure_children'>> = {
  deployment_flags_kof: 'kof',
  deployment_flags_azure_children: 'azure_children',
};

/** Keys that keep their place from v1 to v2. */
export const SAME_PLACE_KEYS = [
  'deployment_id',
  'deployer',
  'created_at',
  'last_updated',
  'source_config_file',
  'config',
  'artifacts',
] as const;

/** Where a v1 key (a dotted path as the old `get_state`/`update_state` took it) lives in v2. */
export type V2Place =
  /** The same path in v2. */
  | { kind: 'same'; path: string[] }
  /** A runtime value. */
  | { kind: 'runtime'; path: string[] }
  /** A KOF value, kept only while deployment_flags.kof is true. */
  | { kind: 'optional'; path: string[] }
  /** A value in the Terraform cache (infrastructure_facts.outputs). */
  | { kind: 'infra'; path: string[] }
  /** deployment_flags.<flag>. */
  | { kind: 'flag'; flag: 'kof' | 'azure_children' }
  /** All of deployment_flags. */
  | { kind: 'flags' }
  /** A field of the current run (phase, status, timing, error). */
  | { kind: 'run'; key: RunKey }
  /** A phase of the current run, or one of its fields. */
  | { kind: 'phase'; phase: string; field: string | undefined }
  /** The whole live phase map. */
  | { kind: 'phases' }
  /** Not a key of the v1 format. */
  | { kind: 'unknown' };

/**
 * Where a v1 path lives in v2: `wg_vpn_connected` → wireguard_config.vpn_connected,
 * `vm_states.VM.state` → infrastructure_facts.outputs.vm_details.VM.provisioning_state,
 * `wireguard_peers.HOST.ip` → wireguard_config.peers.HOST.ip, `kof_mothership_version` →
 * optional_components.kof.mothership_version, `phase` → the current run, and so on.
 */
export function v2PlaceOf(path: readonly string[]): V2Place {
  const [top = '', ...rest] = path;
  if ((SAME_PLACE_KEYS as readonly string[]).includes(top)) return { kind: 'same', path: [...path] };
  const runtime = Object.hasOwn(RUNTIME_KEY_MAP, top) ? RUNTIME_KEY_MAP[top] : undefined;
  if (runtime) return rest.length === 0 ? { kind: 'runtime', path: [...runtime] } : { kind: 'unknown' };
  if (top === PEERS_KEY) return { kind: 'runtime', path: [...PEERS_PATH, ...rest] };
  if (top.startsWith('kof_') && (KOF_KEYS as readonly string[]).includes(top.slice(4)) && rest.length === 0) {
    return { kind: 'optional', path: ['optional_components', 'kof', top.slice(4)] };
  }
  if (top === AZURE_CSI_KEY && rest.length === 0) return { kind: 'optional', path: [...AZURE_CSI_PATH] };
  const infra = Object.hasOwn(INFRA_KEY_MAP, top) ? INFRA_KEY_MAP[top] : undefined;
  if (infra) return rest.length === 0 ? { kind: 'infra', path: [...infra] } : { kind: 'unknown' };
  if (top === VM_STATES_KEY) {
    const [vm, field, ...deeper] = rest;
    const mapped =
      field === undefined
        ? []
        : [(Object.hasOwn(VM_FIELD_MAP, field) ? VM_FIELD_MAP[field] : undefined) ?? field];
    return {
      kind: 'infra',
      path: [VM_DETAILS, ...(vm === undefined ? [] : [vm]), ...mapped, ...deeper],
    };
  }
  if (top === 'deployment_flags') {
    if (rest.length === 0) return { kind: 'flags' };
    const [flag] = rest;
    return (flag === 'kof' || flag === 'azure_children') && rest.length === 1
      ? { kind: 'flag', flag }
      : { kind: 'unknown' };
  }
  const flat = Object.hasOwn(FLAT_FLAG_KEYS, top) ? FLAT_FLAG_KEYS[top] : undefined;
  if (flat) return rest.length === 0 ? { kind: 'flag', flag: flat } : { kind: 'unknown' };
  if ((RUN_KEYS as readonly string[]).includes(top) && rest.length === 0) {
    return { kind: 'run', key: top as RunKey };
  }
  if (top === 'phases') {
    const [phase, field, ...deeper] = rest;
    if (phase === undefined) return { kind: 'phases' };
    return deeper.length === 0 ? { kind: 'phase', phase, field } : { kind: 'unknown' };
  }
  return { kind: 'unknown' };
}

/** Where a v1 key lives in v2, in words for messages (`wireguard_config.vpn_connected`, `the current run`). */
export function describePlace(place: V2Place): string {
  switch (place.kind) {
    case 'same':
    case 'runtime':
    case 'optional':
      return place.path.join('.');
    case 'infra':
      return [...OUTPUTS_PATH, ...place.path].join('.');
    case 'flag':
      return `deployment_flags.${place.flag}`;
    case 'flags':
      return 'deployment_flags';
    case 'run':
      return 'the current run';
    case 'phase':
    case 'phases':
      return 'phases';
    default:
      return 'unrecognized';
  }
}
