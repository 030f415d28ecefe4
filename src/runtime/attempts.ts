/**
 * Runs as the deployer's scripts drive them without knowing about runs: `init_deployment_state`
 * opens the first run; `update_state deployment_flags.*` before any phase of a run becomes that
 * run's flags; `update_state deployment_start_time` starts the attempt (a new run, keeping the
 * phases an earlier attempt completed, when the current run has already done something);
 * `update_state deployment_end_time` ends it; `phase`, `status`, `deployment_duration_seconds`
 * and `error_exit_code` are recorded on it. Phase marks are recorded in the run as they happen,
 * including marks of phases that do not apply (a disabled component skipped), so that the run's
 * history says what the scripts did.
 */
import type { Document } from 'yaml';
import type { DeploymentStateV2, PhaseEntry } from '../generated/deployment-state.v2.js';
import { formatUtc, toUtc } from '../migrate/times.js';
import { applicablePhases, type DeploymentFlags, isPhaseApplicable, isPhaseName, PHASES } from '../phases.js';
import {
  blockStyle,
  currentRun,
  endRun,
  isFreshRun,
  phaseMapNode,
  recordRunPhase,
  startRun,
} from './runs.js';
import type { StateView } from './transaction.js';

/**
 * Sets a flag (update_state deployment_flags.kof true). The live phases follow it at once: newly
 * applicable phases appear as pending, phases that no longer apply leave the live map (a phase
 * that had run is kept in the current run's history). A run that has done nothing yet takes the
 * flag as its own.
 */
export function setFlag(view: StateView, flag: keyof DeploymentFlags, value: boolean, now: Date): void {
  const { doc, state } = view;
  doc.setIn(['deployment_flags', flag], value);
  const flags: DeploymentFlags = { ...state.deployment_flags, [flag]: value };
  const current = currentRun(state);
  if (isFreshRun(current?.run)) doc.setIn(['deployment_runs', current.index, 'flags', flag], value);
  rebuildLivePhases(view, flags, now);
}

/** Makes the live phase map hold exactly the phases applicable under `flags`. */
export function rebuildLivePhases(view: StateView, flags: DeploymentFlags, now: Date): void {
  const { doc, state } = view;
  const stamp = formatUtc(now);
  const live: Record<string, PhaseEntry> = {};
  for (const name of applicablePhases(flags)) {
    live[name] = state.phases[name] ?? { status: 'pending', updated_at: stamp };
  }
  for (const name of PHASES) {
    const entry = state.phases[name];
    if (entry && !isPhaseApplicable(name, flags) && entry.status !== 'pending') {
      recordRunPhase(view, name, entry);
    }
  }
  const same =
    Object.keys(live).join() === Object.keys(state.phases).join() &&
    Object.keys(live).every((name) => live[name] === state.phases[name]);
  if (!same) doc.setIn(['phases'], phaseMapNode(doc, live));
}

// A v1 timestamp the scripts wrote, in UTC when it can be read, else the call's time.
function instant(text: string, now: Date): string {
  return toUtc(text) ?? formatUtc(now);
}

function setTiming(doc: Document, index: number, key: string, text: string): void {
  doc.setIn(['deployment_runs', index, 'source_timing', key], text);
}

/**
 * update_state deployment_start_time TEXT: the start of a deployment attempt. A current run that
 * has done nothing yet takes the time; otherwise a new run starts (the one still in progress
 * becomes interrupted), keeping the phases already completed or skipped, as the deployer resumes.
 */
export function beginAttempt(view: StateView, text: string, now: Date): string {
  let current = currentRun(view.state);
  if (!isFreshRun(current?.run)) {
    startRun(view, { now, resume: true });
    // startRun edited the Document; read the new run back from it.
    const state = view.doc.toJS() as DeploymentStateV2;
    current = currentRun(state);
    view = { doc: view.doc, state };
  }
  if (!current) throw new Error('no current run after starting one');
  view.doc.setIn(['deployment_runs', current.index, 'started_at'], instant(text, now));
  setTiming(view.doc, current.index, 'deployment_start_time', text);
  return current.run.run_id;
}

/** True when every phase that applies under `flags` is completed or skipped. */
export function allPhasesDone(state: DeploymentStateV2, flags: DeploymentFlags): boolean {
  return applicablePhases(flags).every((name) => {
    const status = state.phases[name]?.status;
    return status === 'completed' || status === 'skipped';
  });
}

/**
 * update_state deployment_end_time TEXT: the deployer finished. The run succeeds when every
 * applicable phase is completed or skipped, else it is recorded as interrupted.
 */
export function endAttempt(view: StateView, text: string, now: Date): void {
  const current = currentRun(view.state);
  if (!current) return;
  if (current.run.outcome === 'in_progress') {
    const outcome = allPhasesDone(view.state, view.state.deployment_flags) ? 'success' : 'interrupted';
    endRun(view, outcome, instant(text, now));
  }
  setTiming(view.doc, current.index, 'deployment_end_time', text);
}

/** update_state deployment_duration_seconds TEXT: the duration the scripts measured. */
export function setDuration(view: StateView, text: string): void {
  const current = currentRun(view.state);
  if (!current) return;
  if (/^\d+$/.test(text) && Number.isSafeInteger(Number(text))) {
    view.doc.setIn(['deployment_runs', current.index, 'duration_seconds'], Number(text));
  }
  setTiming(view.doc, current.index, 'deployment_duration_seconds', text);
}

/**
 * update_state status TEXT: recorded verbatim on the current run; `failed` ends it as failed.
 * (`completed` does not end it: the deployer writes it right after install_k0rdent, before the
 * optional phases.)
 */
export function setReportedStatus(view: StateView, text: string, now: Date): void {
  const current = currentRun(view.state);
  if (!current) return;
  view.doc.setIn(['deployment_runs', current.index, 'source_status'], text);
  if (text === 'failed' && current.run.outcome === 'in_progress') {
    endRun(view, 'failed', formatUtc(now), current.run.error ?? {});
  }
}

/** update_state error_exit_code N: the failing script's exit code, on the current (or last) run. */
export function setExitCode(view: StateView, text: string, now: Date): void {
  const current = currentRun(view.state);
  if (!current) return;
  const code = /^-?\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : undefined;
  const error = { ...(current.run.error ?? {}), ...(code !== undefined ? { exit_code: code } : {}) };
  if (code === undefined) {
    blockStyle(view.doc, ['unrecognized']);
    view.doc.setIn(['unrecognized', 'error_exit_code'], text);
    return;
  }
  if (current.run.outcome === 'in_progress') endRun(view, 'failed', formatUtc(now), error);
  else view.doc.setIn(['deployment_runs', current.index, 'error'], view.doc.createNode(error));
}

/** update_state phase LABEL: the phase (or label) the current run is in. */
export function setCurrentPhase(view: StateView, label: string): void {
  const current = currentRun(view.state);
  if (current) view.doc.setIn(['deployment_runs', current.index, 'current_phase'], label);
}

/** The v1-style status of the deployment, from the current run. */
export function reportedStatus(state: DeploymentStateV2): string | null {
  const current = currentRun(state);
  if (!current) return null;
  const { run } = current;
  if (run.source_status !== undefined && run.outcome === 'in_progress') return run.source_status;
  switch (run.outcome) {
    case 'in_progress':
      return 'in_progress';
    case 'success':
      return 'completed';
    default:
      return run.outcome;
  }
}

/**
 * The status the deployer's scripts see for a phase: the live status of an applicable phase
 * (`pending` when not listed); for one that does not apply, what the current run recorded for
 * it, else what the last run that recorded it said, else `pending` (so that the script marks it
 * skipped, as it did before, and the run's history says so).
 */
export function scriptPhaseStatus(state: DeploymentStateV2, phase: string): string {
  if (!isPhaseName(phase) || isPhaseApplicable(phase, state.deployment_flags)) {
    return state.phases[phase as keyof DeploymentStateV2['phases']]?.status ?? 'pending';
  }
  const current = currentRun(state);
  const recorded = current?.run.phases?.[phase]?.status;
  if (recorded) return recorded;
  for (let i = state.deployment_runs.length - 1; i >= 0; i--) {
    const status = state.deployment_runs[i]?.phases?.[phase]?.status;
    if (status) return status;
  }
  return 'pending';
}
