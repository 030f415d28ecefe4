import { randomBytes } from 'node:crypto';
import { type Document, isMap, isSeq, type YAMLMap } from 'yaml';
import type { DeploymentStateV2, PhaseEntry } from '../generated/deployment-state.v2.js';
import { compactUtc, formatUtc } from '../migrate/times.js';
import { applicablePhases, type DeploymentFlags, PHASES } from '../phases.js';
import { requirePhase } from './phase-names.js';
import { RefusedError } from './refused.js';
import type { StateView } from './transaction.js';

/** Options of {@link startRun}. */
export interface StartRunOptions {
  now: Date;
  /** Enable or disable KOF for this and later runs (default: as recorded). */
  kof?: boolean;
  /** Enable or disable Azure child clusters (default: as recorded). */
  azureChildren?: boolean;
  /** Keep phases an earlier run completed or skipped, so a restart does not redo them. */
  resume?: boolean;
  /** Random part of the run id (default: 6 random hex digits). */
  suffix?: string;
}

type Run = DeploymentStateV2['deployment_runs'][number];

/** A new run id: `<UTC yyyymmddThhmmssZ>-<random>`. */
export function newRunId(now: Date, suffix = randomBytes(3).toString('hex')): string {
  return `${compactUtc(formatUtc(now))}-${suffix}`;
}

function runIndex(state: DeploymentStateV2, runId: string | null): number {
  return runId === null ? -1 : state.deployment_runs.findIndex((run) => run.run_id === runId);
}

/**
 * Starts a deployment run: records it with its flags, config and Terraform reference, makes it
 * current, marks a run still in progress as interrupted, and rebuilds the live phases with only
 * the applicable ones (pending, or as they were with `resume`). Returns the run id.
 */
export function startRun({ doc, state }: StateView, options: StartRunOptions): string {
  const now = formatUtc(options.now);
  const flags: DeploymentFlags = {
    azure_children: options.azureChildren ?? state.deployment_flags.azure_children,
    kof: options.kof ?? state.deployment_flags.kof,
  };
  doc.setIn(['deployment_flags', 'azure_children'], flags.azure_children);
  doc.setIn(['deployment_flags', 'kof'], flags.kof);

  state.deployment_runs.forEach((run, index) => {
    if (run.outcome !== 'in_progress') return;
    doc.setIn(['deployment_runs', index, 'outcome'], 'interrupted');
    if (run.run_id === state.current_run_id) {
      doc.setIn(
        ['deployment_runs', index, 'phases'],
        phaseMapNode(doc, { ...(run.phases ?? {}), ...snapshotLive(state) }),
      );
    }
  });

  let runId = newRunId(options.now, options.suffix);
  for (let n = 2; runIndex(state, runId) >= 0; n++) runId = `${newRunId(options.now, options.suffix)}${n}`;
  const run = newRun(runId, now, flags, state.config, null, {
    terraform_state_checksum: state.infrastructure_facts.terraform_state_checksum,
    cache_timestamp: state.infrastructure_facts.cache_timestamp,
    last_terraform_sync: state.last_terraform_sync,
  });
  const runs = doc.getIn(['deployment_runs'], true) as { items: unknown[] } | undefined;
  if (runs && Array.isArray(runs.items)) runs.items.push(doc.createNode(run));
  else doc.setIn(['deployment_runs'], doc.createNode([run]));

  const live: Record<string, unknown> = {};
  for (const name of applicablePhases(flags)) {
    const previous = state.phases[name];
    const keep =
      options.resume && previous && (previous.status === 'completed' || previous.status === 'skipped');
    live[name] = keep ? previous : { status: 'pending', updated_at: now };
  }
  doc.setIn(['phases'], phaseMapNode(doc, live));
  doc.setIn(['current_run_id'], runId);
  return runId;
}

/** Options of {@link completeRun}. */
export interface CompleteRunOptions {
  now: Date;
  outcome: 'success' | 'failed' | 'interrupted';
  errorPhase?: string;
  errorMessage?: string;
  exitCode?: number;
}

/**
 * Completes the current run: end time, whole-second duration, outcome, error, and the live phases
 * merged into its history. Refused when no run is in progress.
 */
export function completeRun(view: StateView, options: CompleteRunOptions): Run {
  const { state } = view;
  const current = currentRun(state);
  const run = current?.run ?? state.deployment_runs.at(-1);
  if (run?.outcome !== 'in_progress' || run === undefined) {
    throw new RefusedError(
      'no-run-in-progress',
      `has no run in progress to complete (current run: ${state.current_run_id ?? 'none'}${run ? `, ${run.outcome}` : ''}); start one with: k0rdent-state run start`,
    );
  }
  if (options.errorPhase !== undefined) requirePhase(options.errorPhase);
  if (options.outcome === 'success') {
    // A run is a success only when every phase that applies to it is done.
    const open = applicablePhases(run.flags).filter((name) => {
      const status = state.phases[name]?.status;
      return status !== 'completed' && status !== 'skipped';
    });
    if (open.length > 0) {
      throw new RefusedError(
        'run-not-done',
        `refused: the run cannot end as a success while ${open.length === 1 ? 'phase' : 'phases'} ${open
          .map((name) => `${name} (${state.phases[name]?.status ?? 'pending'})`)
          .join(
            ', ',
          )} ${open.length === 1 ? 'is' : 'are'} neither completed nor skipped; mark each: k0rdent-state phase set NAME completed (or skipped --reason WHY), or end the run as failed or interrupted`,
      );
    }
  }
  const ended = formatUtc(options.now);
  const error =
    options.errorPhase !== undefined || options.errorMessage !== undefined || options.exitCode !== undefined
      ? {
          ...(options.errorPhase !== undefined ? { phase: options.errorPhase } : {}),
          ...(options.errorMessage !== undefined ? { message: options.errorMessage } : {}),
          ...(options.exitCode !== undefined ? { exit_code: options.exitCode } : {}),
        }
      : null;
  const inProgress = PHASES.filter((name) => state.phases[name]?.status === 'in_progress');
  const touched = PHASES.filter((name) => state.phases[name] && state.phases[name]?.status !== 'pending');
  const currentPhase = options.errorPhase ?? inProgress.at(-1) ?? touched.at(-1) ?? run.current_phase ?? null;
  const endedRun = endRun(view, options.outcome, ended, error) ?? run;
  view.doc.setIn(['deployment_runs', current?.index ?? -1, 'current_phase'], currentPhase);
  // The phase a failed run ended in is recorded as failed in the run (the live map keeps it in
  // progress, so that a resume runs it again).
  const failed = options.outcome === 'failed' ? (options.errorPhase ?? inProgress.at(-1)) : undefined;
  if (failed !== undefined && current) {
    setPhaseEntry(view.doc, ['deployment_runs', current.index, 'phases', failed], {
      status: 'failed',
      updated_at: ended,
    });
  }
  return { ...endedRun, current_phase: currentPhase };
}

/** A run that starts now: in progress, nothing done yet, with what it starts from. */
export function newRun(
  runId: string,
  startedAt: string,
  flags: Run['flags'],
  config: Run['config_snapshot'],
  currentPhase: string | null,
  terraform: Run['terraform_snapshot'],
): Run {
  return {
    run_id: runId,
    synthetic: false,
    started_at: startedAt,
    ended_at: null,
    duration_seconds: null,
    outcome: 'in_progress',
    flags,
    config_snapshot: config,
    current_phase: currentPhase,
    phases: {},
    error: null,
    terraform_snapshot: terraform,
  };
}

/** A phase map node with one flow-style entry per line, as the deployer has always written it. */
export function phaseMapNode(doc: Document, phases: Record<string, unknown>): YAMLMap {
  const node = doc.createNode(phases) as YAMLMap;
  for (const pair of node.items) {
    if (isMap(pair.value)) pair.value.flow = true;
  }
  return node;
}

/** The current run and its index in deployment_runs, when current_run_id names one. */
export function currentRun(state: DeploymentStateV2): { index: number; run: Run } | undefined {
  const index = state.deployment_runs.findIndex((run) => run.run_id === state.current_run_id);
  const run = state.deployment_runs[index];
  return run ? { index, run } : undefined;
}

/** Labels the v1 template and old scripts used for "nothing done yet". */
const UNTOUCHED_LABELS = [null, 'preparation'];

/**
 * True when the current run is in progress and has done nothing yet (no phase marked, no phase
 * label set): what the scripts write then still belongs to its start.
 */
export function isFreshRun(run: Run | undefined): run is Run {
  return (
    run !== undefined &&
    run.outcome === 'in_progress' &&
    Object.keys(run.phases ?? {}).length === 0 &&
    UNTOUCHED_LABELS.includes(run.current_phase ?? null)
  );
}

/** Records a phase entry in the current run's history (`deployment_runs[i].phases`). */
export function recordRunPhase(view: StateView, phase: string, entry: PhaseEntry): void {
  const current = currentRun(view.state);
  if (current?.run.outcome !== 'in_progress') return;
  const path = ['deployment_runs', current.index, 'phases'];
  if (!view.doc.hasIn(path)) view.doc.setIn(path, phaseMapNode(view.doc, {}));
  blockStyle(view.doc, path);
  setPhaseEntry(view.doc, [...path, phase], entry);
}

/**
 * Sets a phase entry at `path`: one flow mapping on its line, as the deployer writes them, or in
 * the style of the entry it replaces (a hand-written block entry stays block, so that only its
 * values change).
 */
export function setPhaseEntry(doc: Document, path: readonly (string | number)[], entry: PhaseEntry): void {
  const old = doc.getIn(path, true);
  const node = doc.createNode(entry);
  node.flow = isMap(old) ? old.flow === true : true;
  doc.setIn(path, node);
}

/**
 * Makes the collection at `path` block style when it is an empty flow collection (`{}`), so that
 * what is added to it gets a line of its own, as in the rest of the file.
 */
export function blockStyle(doc: Document, path: readonly (string | number)[]): void {
  const node = doc.getIn(path, true);
  if ((isMap(node) || isSeq(node)) && node.flow && node.items.length === 0) node.flow = false;
}

/**
 * Ends the current run: end time, duration (whole seconds, unless the scripts recorded one),
 * outcome, and the live phases merged into its history.
 */
export function endRun(
  view: StateView,
  outcome: Run['outcome'],
  endedAt: string,
  error?: Run['error'],
): Run | undefined {
  const { doc, state } = view;
  const current = currentRun(state);
  if (current?.run.outcome !== 'in_progress') return undefined;
  const path = ['deployment_runs', current.index];
  const started = Date.parse(current.run.started_at);
  const duration = Math.max(0, Math.floor((Date.parse(endedAt) - started) / 1000));
  const history = { ...(current.run.phases ?? {}), ...snapshotLive(state) };
  doc.setIn([...path, 'ended_at'], endedAt);
  if (current.run.duration_seconds === null || current.run.duration_seconds === undefined) {
    doc.setIn([...path, 'duration_seconds'], Number.isFinite(duration) ? duration : null);
  }
  doc.setIn([...path, 'outcome'], outcome);
  doc.setIn([...path, 'phases'], phaseMapNode(doc, history));
  if (error !== undefined) doc.setIn([...path, 'error'], error === null ? null : doc.createNode(error));
  return {
    ...current.run,
    ended_at: endedAt,
    outcome,
    duration_seconds: current.run.duration_seconds ?? (Number.isFinite(duration) ? duration : null),
    phases: history,
    ...(error !== undefined ? { error } : {}),
  };
}

function snapshotLive(state: DeploymentStateV2): Record<string, PhaseEntry> {
  return Object.fromEntries(Object.entries(state.phases).map(([name, entry]) => [name, { ...entry }]));
}
