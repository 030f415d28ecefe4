import type { Document } from 'yaml';
import type { DeploymentStateV2, PhaseEntry } from '../generated/deployment-state.v2.js';
import { formatUtc } from '../migrate/times.js';
import { isPhaseApplicable, PHASE_FLAG, PHASES, type PhaseName, type PhaseStatus } from '../phases.js';
import { requirePhase, requireStatus, UnknownNameError } from './phase-names.js';
import { RefusedError } from './refused.js';
import { recordRunPhase, setPhaseEntry } from './runs.js';
import type { StateView } from './transaction.js';

export { requirePhase, requireStatus, UnknownNameError } from './phase-names.js';

/** True when the phase applies under the file's deployment_flags. */
export function phaseApplicable(state: DeploymentStateV2, name: string): boolean {
  return isPhaseApplicable(requirePhase(name), state.deployment_flags);
}

/** The live status of a phase: its status, `pending` when applicable but not listed, `not_applicable` otherwise. */
export function phaseStatus(state: DeploymentStateV2, name: string): PhaseEntry['status'] | 'not_applicable' {
  const phase = requirePhase(name);
  if (!isPhaseApplicable(phase, state.deployment_flags)) return 'not_applicable';
  return state.phases[phase]?.status ?? 'pending';
}

/** True when an applicable phase has not completed or been skipped yet. */
export function phaseNeedsRun(state: DeploymentStateV2, name: string): boolean {
  const status = phaseStatus(state, name);
  return status === 'pending' || status === 'in_progress';
}

function refuseNotApplicable(phase: PhaseName, state: DeploymentStateV2): void {
  if (isPhaseApplicable(phase, state.deployment_flags)) return;
  const flag = PHASE_FLAG[phase] ?? '';
  throw new RefusedError(
    'phase-not-applicable',
    `refused: phase ${phase} does not apply because deployment_flags.${flag} is false; start a run with it on: k0rdent-state run start --${flag === 'azure_children' ? 'azure-children' : flag} true`,
  );
}

function entryOf(status: PhaseStatus, now: string, reason?: string): PhaseEntry {
  return { status, updated_at: now, ...(reason !== undefined ? { skipped_reason: reason } : {}) };
}

function setEntry(doc: Document, phase: PhaseName, status: PhaseStatus, now: string, reason?: string): void {
  setPhaseEntry(doc, ['phases', phase], entryOf(status, now, reason));
}

/** Options of {@link setPhase}. */
export interface SetPhaseOptions {
  /**
   * What to do with a phase that does not apply under deployment_flags. `refuse` (the CLI's
   * `phase set`): refused, naming the flag, except `skipped`; `record` (the deployer's phase
   * functions): recorded in the current run's history, never an error. Either way such a phase
   * never enters the live map.
   */
  notApplicable?: 'refuse' | 'record';
  /** Make the phase the current run's phase (the old functions did so for in_progress and completed). */
  setCurrent?: boolean;
}

/**
 * Sets a phase's status (with `skipped_reason` for skipped): in the live map when it applies, and
 * in the current run's history. A phase that does not apply is recorded in the run's history only
 * (a disabled component skipped); with `notApplicable: 'refuse'` anything but skipped is refused,
 * naming the flag.
 */
export function setPhase(
  view: StateView,
  name: string,
  status: string,
  now: Date,
  reason?: string,
  options: SetPhaseOptions = {},
): void {
  const { doc, state } = view;
  const phase = requirePhase(name);
  const next = requireStatus(status);
  const applies = isPhaseApplicable(phase, state.deployment_flags);
  if (!applies && next !== 'skipped' && (options.notApplicable ?? 'refuse') === 'refuse') {
    refuseNotApplicable(phase, state);
  }
  if (reason !== undefined && next !== 'skipped') {
    throw new UnknownNameError('--reason goes with the status skipped only');
  }
  const stamp = formatUtc(now);
  if (applies) setEntry(doc, phase, next, stamp, reason);
  recordRunPhase(view, phase, entryOf(next, stamp, reason));
  const setCurrent = options.setCurrent ?? next !== 'pending';
  const index = state.deployment_runs.findIndex((run) => run.run_id === state.current_run_id);
  if (setCurrent && index >= 0 && state.deployment_runs[index]?.outcome === 'in_progress') {
    doc.setIn(['deployment_runs', index, 'current_phase'], phase);
  }
}

/**
 * Puts a phase and every later applicable phase back to pending (in the live map and the current
 * run's history); returns the phases reset. A phase that does not apply is refused with
 * `notApplicable: 'refuse'` (the CLI); with `record` (the deployer's phase_reset_from) the later
 * applicable phases are reset all the same.
 */
export function resetFrom(
  view: StateView,
  name: string,
  now: Date,
  options: Pick<SetPhaseOptions, 'notApplicable'> = {},
): PhaseName[] {
  const { doc, state } = view;
  const phase = requirePhase(name);
  if ((options.notApplicable ?? 'refuse') === 'refuse') refuseNotApplicable(phase, state);
  const stamp = formatUtc(now);
  const reset = PHASES.slice(PHASES.indexOf(phase)).filter((p) =>
    isPhaseApplicable(p, state.deployment_flags),
  );
  for (const p of reset) {
    setEntry(doc, p, 'pending', stamp);
    recordRunPhase(view, p, entryOf('pending', stamp));
  }
  return reset;
}
