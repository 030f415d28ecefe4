/**
 * One run of a v2 state file in detail: the `show-run` text and its JSON form. Secrets never reach
 * the output (the rule of src/secrets.ts).
 */

import type { DeploymentStateV2, Run } from '../generated/deployment-state.v2.js';
import { redactComparable, scrubDeep, secretScrubber } from '../secrets.js';
import {
  errorDetails,
  failedPhase,
  findRun,
  flagEntries,
  phaseCounts,
  timelinePhases,
  v1Details,
} from './history-runs.js';
import { alignColumns, alignPairs, display, durationDetail, flatten, oneLine } from './history-text.js';

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
  const config = flatten(redactComparable(run.config_snapshot));
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

// ---------------------------------------------------------------------------------------------
// The JSON view (`show-run --format json`)

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
    config_snapshot: redactComparable(run.config_snapshot) as Record<string, unknown>,
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
