/**
 * The runs of a v2 state file as `history`, `show-run` and `compare-runs` read them: finding a
 * run, its phases in execution order and their counts, its flags and its error.
 */

import { ExitCode, StateError } from '../errors.js';
import type { DeploymentStateV2, Run } from '../generated/deployment-state.v2.js';
import { applicablePhases, isPhaseApplicable, isPhaseName, PHASES } from '../phases.js';

/** A run id that is not in `deployment_runs` (exit 1). */
export class RunNotFoundError extends StateError {
  /** The id that was asked for. */
  readonly runId: string;

  /**
   * @param runId the id that was asked for
   * @param knownIds every run id of the file, oldest first (as `deployment_runs` lists them)
   */
  constructor(runId: string, knownIds: readonly string[]) {
    super('run-not-found', runNotFoundMessage(runId, knownIds), { exitCode: ExitCode.invalid });
    this.runId = runId;
  }
}

const HINT = 'see: k0rdent-state history';
const MAX_KNOWN_IDS = 5;

function runNotFoundMessage(runId: string, knownIds: readonly string[]): string {
  if (knownIds.length === 0) {
    return `run ${JSON.stringify(runId)} not found: no deployment runs recorded yet; ${HINT}`;
  }
  const newest = [...knownIds].reverse();
  const shown = newest.slice(0, MAX_KNOWN_IDS).join(', ');
  const more = newest.length > MAX_KNOWN_IDS ? ` (and ${newest.length - MAX_KNOWN_IDS} more)` : '';
  return `run ${JSON.stringify(runId)} not found; known runs, newest first: ${shown}${more}; ${HINT}`;
}

/** The run with this id. @throws {RunNotFoundError} when there is none */
export function findRun(state: DeploymentStateV2, runId: string): Run {
  const run = state.deployment_runs.find((candidate) => candidate.run_id === runId);
  if (run === undefined) {
    throw new RunNotFoundError(
      runId,
      state.deployment_runs.map((candidate) => candidate.run_id),
    );
  }
  return run;
}

/**
 * Phases `completed` or `skipped` among those applicable under the run's flags, and how many are
 * applicable.
 */
export function phaseCounts(run: Run): { completed: number; applicable: number } {
  const applicable = applicablePhases(run.flags);
  const completed = applicable.filter((name) => {
    const status = run.phases[name]?.status;
    return status === 'completed' || status === 'skipped';
  });
  return { completed: completed.length, applicable: applicable.length };
}

/** `error.phase`, or for a failed run without one the phase it left `in_progress`; else null. */
export function failedPhase(run: Run): string | null {
  if (run.error?.phase !== undefined) return run.error.phase;
  if (run.outcome !== 'failed') return null;
  return (
    orderedPhaseNames(Object.keys(run.phases)).find((name) => run.phases[name]?.status === 'in_progress') ??
    null
  );
}

/** `error.message`, or `exit code N` when only the exit code is known; else null. */
export function errorText(run: Run): string | null {
  if (run.error?.message !== undefined) return run.error.message;
  if (run.error?.exit_code !== undefined) return `exit code ${run.error.exit_code}`;
  return null;
}

/** The error of a run as `show-run` lists it (phase, exit code, message). */
export function errorDetails(run: Run): [string, string][] {
  const pairs: [string, string][] = [];
  const phase = failedPhase(run);
  if (phase !== null) {
    pairs.push(['phase', run.error?.phase === undefined ? `${phase} (left in_progress)` : phase]);
  }
  if (run.error?.exit_code !== undefined) pairs.push(['exit code', String(run.error.exit_code)]);
  if (run.error?.message !== undefined) pairs.push(['message', run.error.message]);
  return pairs;
}

/** What a run migrated from v1 recorded of the v1 file (its status and timing). */
export function v1Details(run: Run): [string, string][] {
  const pairs: [string, string][] = [['v1 status', run.source_status ?? '-']];
  const timing = run.source_timing ?? {};
  for (const key of [
    'deployment_start_time',
    'deployment_end_time',
    'deployment_duration_seconds',
  ] as const) {
    const value = timing[key];
    if (value !== undefined) pairs.push([`v1 ${key}`, value]);
  }
  return pairs;
}

/** The run's flags as text pairs. */
export function flagEntries(run: Run): [string, string][] {
  return [...flagValues(run)].map(([key, value]) => [key, String(value)]);
}

/** The run's flags by name. */
export function flagValues(run: Run): Map<string, unknown> {
  return new Map<string, unknown>([
    ['azure_children', run.flags.azure_children],
    ['kof', run.flags.kof],
  ]);
}

/**
 * The phases a run's timeline shows: every phase applicable under its flags, plus any other phase
 * it recorded (e.g. one the migration marked skipped), in execution order.
 */
export function timelinePhases(run: Run): string[] {
  const names = new Set<string>(applicablePhases(run.flags));
  for (const name of Object.keys(run.phases)) names.add(name);
  return orderedPhaseNames([...names]);
}

/** The phases of two runs' timelines, in execution order. */
export function unionPhases(a: Run, b: Run): string[] {
  return orderedPhaseNames([...new Set([...timelinePhases(a), ...timelinePhases(b)])]);
}

/**
 * Known phases in execution order; names the schema would reject go last, in the order given.
 */
export function orderedPhaseNames(names: readonly string[]): string[] {
  const known = PHASES.filter((name) => names.includes(name));
  return [...known, ...names.filter((name) => !isPhaseName(name))];
}

/**
 * A phase's status in a run: as recorded, `not applicable` under its flags, or `not recorded`.
 */
export function phaseStatusIn(run: Run, name: string): string {
  const status = run.phases[name]?.status;
  if (status !== undefined) return status;
  if (isPhaseName(name) && !isPhaseApplicable(name, run.flags)) return 'not applicable';
  return 'not recorded';
}
