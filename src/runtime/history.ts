/**
 * The `history` table of a v2 state file's `deployment_runs` (one run in detail is show-run.ts,
 * two runs side by side compare-runs.ts; what they share is history-runs.ts and history-text.ts).
 * Everything here is a pure function of the parsed state that returns text; printing it is the
 * caller's business.
 *
 * Secrets never reach the output (the rule of src/secrets.ts): values under a secret key and
 * sensitive outputs are shown as `<redacted>`, and every such value found anywhere in the file is
 * also scrubbed from free text such as error messages.
 */

import type { DeploymentStateV2, Run } from '../generated/deployment-state.v2.js';
import { secretScrubber } from '../secrets.js';
import { errorText, failedPhase, phaseCounts } from './history-runs.js';
import { alignColumns, durationText, oneLine, truncate } from './history-text.js';

const MAX_ERROR_WIDTH = 50;
const NO_RUNS = 'no deployment runs recorded yet; start one with: k0rdent-state run start';

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
