/**
 * Read-only views of a v2 state file's `deployment_runs`: the `history` table, one run's details
 * (`show-run`) and a side-by-side comparison of two runs (`compare-runs`). Everything here is a pure
 * function of the parsed state that returns text; printing it is the caller's business.
 *
 * Secrets never reach the output (the rule of src/secrets.ts): values under a secret key and
 * sensitive outputs are shown as `<redacted>`, and every such value found anywhere in the file is
 * also scrubbed from free text such as error messages.
 */

import { ExitCode, StateError } from '../errors.js';
import type { DeploymentStateV2, Run } from '../generated/deployment-state.v2.js';
import { applicablePhases, isPhaseApplicable, isPhaseName, PHASES } from '../phases.js';
import { REDACTED, redactValue, secretScrubber } from '../secrets.js';

/** One row of the `history` table, also the element of `history --format json`. */
export interface HistoryRow {
  /** The run's id. */
  run_id: string;
  /** When the run started, as recorded. */
  started_at: string;
  /** When the run ended, as recorded; null while running or when unknown. */
  ended_at: string | null;
  /** Duration in seconds, as recorded (never computed); null while running or when unknown. */
  duration_seconds: number | null;
  /** How the run ended. */
  outcome: Run['outcome'];
  /** True for the run built from a v1 file. */
  synthetic: boolean;
  /** Phases `completed` or `skipped` among those applicable under the run's flags. */
  phases_completed: number;
  /** Phases applicable under the run's flags. */
  phases_applicable: number;
  /** `error.phase`, or for a failed run without one the phase it left `in_progress`; else null. */
  failed_phase: string | null;
  /** `error.message`, or `exit code N` when only the exit code is known; else null. */
  error: string | null;
  /** True for the run named by `current_run_id`. */
  current: boolean;
}

/** Options of {@link renderHistory}. */
export interface RenderHistoryOptions {
  /** Render a pretty JSON array of {@link HistoryRow} instead of the text table. */
  json?: boolean;
}

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
const MAX_ERROR_WIDTH = 50;
const NO_RUNS = 'no deployment runs recorded yet; start one with: k0rdent-state run start';

function runNotFoundMessage(runId: string, knownIds: readonly string[]): string {
  if (knownIds.length === 0) {
    return `run ${JSON.stringify(runId)} not found: no deployment runs recorded yet; ${HINT}`;
  }
  const newest = [...knownIds].reverse();
  const shown = newest.slice(0, MAX_KNOWN_IDS).join(', ');
  const more = newest.length > MAX_KNOWN_IDS ? ` (and ${newest.length - MAX_KNOWN_IDS} more)` : '';
  return `run ${JSON.stringify(runId)} not found; known runs, newest first: ${shown}${more}; ${HINT}`;
}

/** The rows of the `history` table, one per run, oldest first (the order of `deployment_runs`). */
export function historyRows(state: DeploymentStateV2): HistoryRow[] {
  const scrub = secretScrubber(state);
  return state.deployment_runs.map((run) => {
    const counts = phaseCounts(run);
    const error = errorText(run);
    return {
      run_id: run.run_id,
      started_at: run.started_at,
      ended_at: run.ended_at,
      duration_seconds: run.duration_seconds,
      outcome: run.outcome,
      synthetic: run.synthetic,
      phases_completed: counts.completed,
      phases_applicable: counts.applicable,
      failed_phase: failedPhase(run),
      error: error === null ? null : scrub(error),
      current: run.run_id === state.current_run_id,
    };
  });
}

/**
 * The `history` output: an aligned table (current run marked `*`, the run migrated from v1 marked
 * `(migrated)`), or with `json` a pretty JSON array of {@link HistoryRow}. Ends with a newline.
 */
export function renderHistory(state: DeploymentStateV2, options: RenderHistoryOptions = {}): string {
  const rows = historyRows(state);
  if (options.json) return `${JSON.stringify(rows, null, 2)}\n`;
  if (rows.length === 0) return `${NO_RUNS}\n`;
  const table: string[][] = [['  RUN', 'STARTED', 'DURATION', 'OUTCOME', 'PHASES', 'FAILED PHASE', 'ERROR']];
  for (const row of rows) {
    table.push([
      `${row.current ? '*' : ' '} ${row.run_id}${row.synthetic ? ' (migrated)' : ''}`,
      oneLine(row.started_at),
      durationText(row.outcome, row.duration_seconds),
      row.outcome,
      `${row.phases_completed}/${row.phases_applicable}`,
      row.failed_phase === null ? '-' : oneLine(row.failed_phase),
      row.error === null ? '-' : truncate(oneLine(row.error), MAX_ERROR_WIDTH),
    ]);
  }
  return `${alignColumns(table).join('\n')}\n`;
}

/**
 * The `show-run` output for one run: summary, flags, config snapshot (secrets redacted), phase
 * timeline in execution order, the Terraform reference at run start, error and event count.
 *
 * @throws {RunNotFoundError} when no run has this id
 */
export function renderRun(state: DeploymentStateV2, runId: string): string {
  const run = findRun(state, runId);
  const scrub = secretScrubber(state);
  const out: string[] = [];
  const current = run.run_id === state.current_run_id ? ' (current)' : '';
  const migrated = run.synthetic ? ' (migrated from v1)' : '';
  out.push(`Run ${run.run_id}${current}${migrated}`);
  out.push(
    ...alignPairs(
      [
        ['outcome', run.outcome],
        ['started', run.started_at],
        ['ended', run.ended_at ?? '-'],
        ['duration', durationDetail(run)],
        ['current phase', run.current_phase ?? '-'],
      ],
      '  ',
    ),
  );

  out.push('', 'Flags:');
  out.push(...alignPairs(flagEntries(run), '  '));

  out.push('', 'Config snapshot:');
  const config = flatten(redact(run.config_snapshot));
  const configPairs = [...config].map(([key, value]): [string, string] => [key, display(value)]);
  if (configPairs.length === 0) out.push('  (empty)');
  else out.push(...alignPairs(configPairs, '  '));

  const counts = phaseCounts(run);
  out.push('', `Phases (${counts.completed}/${counts.applicable} completed or skipped):`);
  const phaseTable: string[][] = [['PHASE', 'STATUS', 'UPDATED AT', 'SKIPPED REASON']];
  for (const name of timelinePhases(run)) {
    const entry = run.phases[name];
    phaseTable.push([
      name,
      entry?.status ?? 'not recorded',
      entry?.updated_at === undefined ? '-' : oneLine(entry.updated_at),
      entry?.skipped_reason === undefined ? '' : oneLine(entry.skipped_reason),
    ]);
  }
  out.push(...alignColumns(phaseTable).map((line) => `  ${line}`.trimEnd()));

  out.push('', 'Terraform reference at run start:');
  if (run.synthetic) {
    out.push('  none (migrated from v1)');
    out.push(...alignPairs(v1Details(run), '  '));
  } else if (run.terraform_snapshot === undefined) {
    out.push('  not recorded');
  } else {
    const snapshot = run.terraform_snapshot;
    out.push(
      ...alignPairs(
        [
          ['state checksum', snapshot.terraform_state_checksum ?? '-'],
          ['cache timestamp', snapshot.cache_timestamp ?? '-'],
          ['last terraform sync', snapshot.last_terraform_sync ?? '-'],
        ],
        '  ',
      ),
    );
  }

  out.push('', 'Error:');
  const errorPairs = errorDetails(run);
  if (errorPairs.length === 0) out.push('  none');
  else out.push(...alignPairs(errorPairs, '  '));

  out.push('', `Events: ${run.events?.length ?? 0}`);
  return `${scrub(out.join('\n'))}\n`;
}

/**
 * The `compare-runs` output: outcome and duration of both runs, then, side by side, the flags,
 * config snapshot values (dotted keys) and phase statuses that differ between run `a` and run `b`.
 *
 * @throws {RunNotFoundError} when either id names no run
 */
export function compareRuns(state: DeploymentStateV2, a: string, b: string): string {
  const runA = findRun(state, a);
  const runB = findRun(state, b);
  const scrub = secretScrubber(state);

  const flags = differences(flagValues(runA), flagValues(runB));
  const config = differences(flatten(redact(runA.config_snapshot)), flatten(redact(runB.config_snapshot)));
  const phases: [string, string, string][] = [];
  for (const name of unionPhases(runA, runB)) {
    const statusA = phaseStatusIn(runA, name);
    const statusB = phaseStatusIn(runB, name);
    if (statusA !== statusB) phases.push([name, statusA, statusB]);
  }

  const rows: string[][] = [
    ['', 'A', '', 'B'],
    ['run', runA.run_id, '', runB.run_id],
    ['outcome', runA.outcome, arrow(runA.outcome, runB.outcome), runB.outcome],
  ];
  const durationA = durationText(runA.outcome, runA.duration_seconds);
  const durationB = durationText(runB.outcome, runB.duration_seconds);
  rows.push(['duration', durationA, arrow(durationA, durationB), durationB]);
  const sections: [string, [string, string, string][]][] = [
    ['flags', flags],
    ['config_snapshot', config],
    ['phases', phases],
  ];
  for (const [title, entries] of sections) {
    if (entries.length === 0) continue;
    rows.push([`${title}:`, '', '', '']);
    for (const [key, left, right] of entries) rows.push([`  ${key}`, left, '→', right]);
  }

  const out = alignColumns(rows);
  if (flags.length + config.length + phases.length === 0) {
    out.push('', 'no differences in flags, config or phases');
  } else {
    const same = sections.filter(([, entries]) => entries.length === 0).map(([title]) => title);
    if (same.length > 0) out.push('', `same in both: ${same.join(', ')}`);
  }
  return `${scrub(out.join('\n'))}\n`;
}

// ---------------------------------------------------------------------------------------------
// Runs and phases

function findRun(state: DeploymentStateV2, runId: string): Run {
  const run = state.deployment_runs.find((candidate) => candidate.run_id === runId);
  if (run === undefined) {
    throw new RunNotFoundError(
      runId,
      state.deployment_runs.map((candidate) => candidate.run_id),
    );
  }
  return run;
}

function phaseCounts(run: Run): { completed: number; applicable: number } {
  const applicable = applicablePhases(run.flags);
  const completed = applicable.filter((name) => {
    const status = run.phases[name]?.status;
    return status === 'completed' || status === 'skipped';
  });
  return { completed: completed.length, applicable: applicable.length };
}

function failedPhase(run: Run): string | null {
  if (run.error?.phase !== undefined) return run.error.phase;
  if (run.outcome !== 'failed') return null;
  return (
    orderedPhaseNames(Object.keys(run.phases)).find((name) => run.phases[name]?.status === 'in_progress') ??
    null
  );
}

function errorText(run: Run): string | null {
  if (run.error?.message !== undefined) return run.error.message;
  if (run.error?.exit_code !== undefined) return `exit code ${run.error.exit_code}`;
  return null;
}

function errorDetails(run: Run): [string, string][] {
  const pairs: [string, string][] = [];
  const phase = failedPhase(run);
  if (phase !== null) {
    pairs.push(['phase', run.error?.phase === undefined ? `${phase} (left in_progress)` : phase]);
  }
  if (run.error?.exit_code !== undefined) pairs.push(['exit code', String(run.error.exit_code)]);
  if (run.error?.message !== undefined) pairs.push(['message', run.error.message]);
  return pairs;
}

function v1Details(run: Run): [string, string][] {
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

function flagEntries(run: Run): [string, string][] {
  return [...flagValues(run)].map(([key, value]) => [key, String(value)]);
}

function flagValues(run: Run): Map<string, unknown> {
  return new Map<string, unknown>([
    ['azure_children', run.flags.azure_children],
    ['kof', run.flags.kof],
  ]);
}

// The phases a run's timeline shows: every phase applicable under its flags, plus any other phase
// it recorded (e.g. one the migration marked skipped), in execution order.
function timelinePhases(run: Run): string[] {
  const names = new Set<string>(applicablePhases(run.flags));
  for (const name of Object.keys(run.phases)) names.add(name);
  return orderedPhaseNames([...names]);
}

function unionPhases(a: Run, b: Run): string[] {
  return orderedPhaseNames([...new Set([...timelinePhases(a), ...timelinePhases(b)])]);
}

// Known phases in execution order; names the schema would reject go last, in the order given.
function orderedPhaseNames(names: readonly string[]): string[] {
  const known = PHASES.filter((name) => names.includes(name));
  return [...known, ...names.filter((name) => !isPhaseName(name))];
}

function phaseStatusIn(run: Run, name: string): string {
  const status = run.phases[name]?.status;
  if (status !== undefined) return status;
  if (isPhaseName(name) && !isPhaseApplicable(name, run.flags)) return 'not applicable';
  return 'not recorded';
}

// ---------------------------------------------------------------------------------------------
// Durations and text

function durationText(outcome: Run['outcome'], seconds: number | null): string {
  if (outcome === 'in_progress') return 'running';
  if (seconds === null) return '-';
  return humanDuration(seconds);
}

function durationDetail(run: Run): string {
  const text = durationText(run.outcome, run.duration_seconds);
  return run.duration_seconds === null ? text : `${text} (${run.duration_seconds}s)`;
}

function humanDuration(total: number): string {
  if (!Number.isInteger(total) || total < 0) return `${total}s`;
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  // Same units as the rest of the CLI (runtime/values.ts formatDuration).
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${pad2(minutes)}m`;
  if (minutes > 0) return `${minutes}m ${pad2(seconds)}s`;
  return `${seconds}s`;
}

function pad2(value: number): string {
  return String(value).padStart(2, '0');
}

function arrow(left: string, right: string): string {
  return left === right ? '' : '→';
}

function truncate(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 3)}...` : text;
}

// Values come from a file anyone can edit: line breaks would break the table and control
// characters could drive the terminal, so both become spaces.
function oneLine(text: string): string {
  let out = '';
  for (const char of text.replace(/\s*[\r\n]+\s*/g, ' ')) {
    const code = char.codePointAt(0) ?? 0;
    out += code < 0x20 || (code >= 0x7f && code <= 0x9f) ? ' ' : char;
  }
  return out;
}

function alignColumns(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    row
      .map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

function alignPairs(pairs: readonly [string, string][], indent: string): string[] {
  const width = Math.max(0, ...pairs.map(([key]) => key.length + 1));
  return pairs.map(([key, value]) =>
    `${indent}${`${oneLine(key)}:`.padEnd(width)} ${oneLine(value)}`.trimEnd(),
  );
}

// ---------------------------------------------------------------------------------------------
// Open maps: redaction, flattening, comparison

// Stands in for a secret: shown as <redacted>, but still compared by its real value so that
// compare-runs can tell a changed secret from an unchanged one without printing either.
class Redacted {
  constructor(readonly raw: unknown) {}
  toJSON(): string {
    return REDACTED;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Redacted);
}

function redact(value: unknown): unknown {
  return redactValue(value, { mask: (secret) => new Redacted(secret) });
}

function flatten(value: unknown, prefix = '', into = new Map<string, unknown>()): Map<string, unknown> {
  if (isRecord(value) && (Object.keys(value).length > 0 || prefix === '')) {
    for (const [key, item] of Object.entries(value)) {
      flatten(item, prefix === '' ? key : `${prefix}.${key}`, into);
    }
  } else {
    into.set(prefix, value);
  }
  return into;
}

function display(value: unknown): string {
  if (value instanceof Redacted) return REDACTED;
  if (typeof value === 'string') return value;
  if (value === undefined) return '(absent)';
  return JSON.stringify(value) ?? String(value);
}

function differences(a: Map<string, unknown>, b: Map<string, unknown>): [string, string, string][] {
  const out: [string, string, string][] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const left = a.get(key);
    const right = b.get(key);
    if (sameValue(left, right)) continue;
    let shownLeft = display(left);
    let shownRight = display(right);
    // "1" and 1, or "true" and true, look the same unquoted; quote them when that hides the change.
    if (shownLeft === shownRight && shownLeft !== REDACTED) {
      shownLeft = JSON.stringify(left) ?? shownLeft;
      shownRight = JSON.stringify(right) ?? shownRight;
    }
    out.push([key, oneLine(shownLeft), oneLine(shownRight)]);
  }
  return out;
}

function sameValue(a: unknown, b: unknown): boolean {
  const left = a instanceof Redacted ? a.raw : a;
  const right = b instanceof Redacted ? b.raw : b;
  if (Array.isArray(left) && Array.isArray(right)) {
    return left.length === right.length && left.every((item, index) => sameValue(item, right[index]));
  }
  if (isRecord(left) && isRecord(right)) {
    const keys = Object.keys(left);
    return (
      keys.length === Object.keys(right).length &&
      keys.every((key) => Object.hasOwn(right, key) && sameValue(left[key], right[key]))
    );
  }
  return Object.is(left, right);
}

// ---------------------------------------------------------------------------------------------
// JSON views (`show-run --format json`, `compare-runs --format json`)

/** One phase of a run's timeline, as `show-run --format json` gives it. */
export interface RunPhaseRow {
  name: string;
  /** The recorded status, or `not recorded`. */
  status: string;
  updated_at: string | null;
  skipped_reason: string | null;
}

/** One run in detail: what `show-run` prints, as data (secrets redacted). */
export interface RunDetails {
  run_id: string;
  current: boolean;
  synthetic: boolean;
  outcome: Run['outcome'];
  started_at: string;
  ended_at: string | null;
  duration_seconds: number | null;
  current_phase: string | null;
  flags: { azure_children: boolean; kof: boolean };
  config_snapshot: Record<string, unknown>;
  phases_completed: number;
  phases_applicable: number;
  /** The timeline in execution order: applicable phases and any other phase the run recorded. */
  phases: RunPhaseRow[];
  terraform_snapshot: Run['terraform_snapshot'] | null;
  error: { phase: string | null; exit_code: number | null; message: string | null } | null;
  event_count: number;
}

/** One difference between two runs: a dotted key and its value in each (as text). */
export interface RunDifference {
  key: string;
  a: string;
  b: string;
}

/** What `compare-runs` prints, as data (secrets redacted). */
export interface RunComparison {
  a: { run_id: string; outcome: Run['outcome']; duration_seconds: number | null };
  b: { run_id: string; outcome: Run['outcome']; duration_seconds: number | null };
  flags: RunDifference[];
  config_snapshot: RunDifference[];
  phases: RunDifference[];
}

// Every string inside a JSON value through the scrubber (a secret quoted in free text).
function scrubDeep(value: unknown, scrub: (text: string) => string): unknown {
  if (typeof value === 'string') return scrub(value);
  if (value instanceof Redacted) return REDACTED;
  if (Array.isArray(value)) return value.map((item) => scrubDeep(item, scrub));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrubDeep(item, scrub)]));
  }
  return value;
}

/**
 * One run in detail as data, the JSON form of {@link renderRun}.
 *
 * @throws {RunNotFoundError} when no run has this id
 */
export function runDetails(state: DeploymentStateV2, runId: string): RunDetails {
  const run = findRun(state, runId);
  const counts = phaseCounts(run);
  const phase = failedPhase(run);
  const details: RunDetails = {
    run_id: run.run_id,
    current: run.run_id === state.current_run_id,
    synthetic: run.synthetic,
    outcome: run.outcome,
    started_at: run.started_at,
    ended_at: run.ended_at,
    duration_seconds: run.duration_seconds,
    current_phase: run.current_phase,
    flags: { azure_children: run.flags.azure_children, kof: run.flags.kof },
    config_snapshot: redact(run.config_snapshot) as Record<string, unknown>,
    phases_completed: counts.completed,
    phases_applicable: counts.applicable,
    phases: timelinePhases(run).map((name) => {
      const entry = run.phases[name];
      return {
        name,
        status: entry?.status ?? 'not recorded',
        updated_at: entry?.updated_at ?? null,
        skipped_reason: entry?.skipped_reason ?? null,
      };
    }),
    terraform_snapshot: run.terraform_snapshot ?? null,
    error:
      phase === null && run.error === null
        ? null
        : {
            phase,
            exit_code: run.error?.exit_code ?? null,
            message: run.error?.message ?? null,
          },
    event_count: run.events?.length ?? 0,
  };
  return scrubDeep(details, secretScrubber(state)) as RunDetails;
}

/**
 * What differs between two runs as data, the JSON form of {@link compareRuns}.
 *
 * @throws {RunNotFoundError} when either id names no run
 */
export function runDifferences(state: DeploymentStateV2, a: string, b: string): RunComparison {
  const runA = findRun(state, a);
  const runB = findRun(state, b);
  const rows = (entries: [string, string, string][]) =>
    entries.map(([key, left, right]) => ({ key, a: left, b: right }));
  const phases: [string, string, string][] = [];
  for (const name of unionPhases(runA, runB)) {
    const statusA = phaseStatusIn(runA, name);
    const statusB = phaseStatusIn(runB, name);
    if (statusA !== statusB) phases.push([name, statusA, statusB]);
  }
  const comparison: RunComparison = {
    a: { run_id: runA.run_id, outcome: runA.outcome, duration_seconds: runA.duration_seconds },
    b: { run_id: runB.run_id, outcome: runB.outcome, duration_seconds: runB.duration_seconds },
    flags: rows(differences(flagValues(runA), flagValues(runB))),
    config_snapshot: rows(
      differences(flatten(redact(runA.config_snapshot)), flatten(redact(runB.config_snapshot))),
    ),
    phases: rows(phases),
  };
  return scrubDeep(comparison, secretScrubber(state)) as RunComparison;
}
