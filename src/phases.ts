/** The deployer's phases, in execution order. */
export const PHASES = [
  'prepare_deployment',
  'setup_network',
  'create_vms',
  'setup_vpn',
  'connect_vpn',
  'install_k0s',
  'install_k0rdent',
  'setup_azure_children',
  'install_azure_csi',
  'install_kof_mothership',
  'install_kof_regional',
] as const;

/** A phase name. */
export type PhaseName = (typeof PHASES)[number];

/** Statuses a phase can have. */
export const PHASE_STATUSES = ['pending', 'in_progress', 'completed', 'skipped'] as const;

/** A phase status. */
export type PhaseStatus = (typeof PHASE_STATUSES)[number];

/** Optional-component flags that decide which phases apply. */
export interface DeploymentFlags {
  azure_children: boolean;
  kof: boolean;
}

/** The flag each optional phase needs; phases not listed always apply. */
export const PHASE_FLAG: Readonly<Partial<Record<PhaseName, keyof DeploymentFlags>>> = {
  setup_azure_children: 'azure_children',
  install_azure_csi: 'kof',
  install_kof_mothership: 'kof',
  install_kof_regional: 'kof',
};

/** True when `name` is one of {@link PHASES}. */
export function isPhaseName(name: string): name is PhaseName {
  return PHASE_SET.has(name);
}

// PHASES as a set: asked of every phase key of every file validate reads.
const PHASE_SET: ReadonlySet<string> = new Set(PHASES);

/** True when the phase applies under these flags (the rule shared by migration, validation and runs). */
export function isPhaseApplicable(name: PhaseName, flags: DeploymentFlags): boolean {
  const flag = PHASE_FLAG[name];
  return flag === undefined || flags[flag] === true;
}

/** The phases that apply under these flags, in execution order. */
export function applicablePhases(flags: DeploymentFlags): PhaseName[] {
  return PHASES.filter((name) => isPhaseApplicable(name, flags));
}
