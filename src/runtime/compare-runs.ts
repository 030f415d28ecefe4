/**
 * Two runs of a v2 state file side by side: the `compare-runs` text and its JSON form. Secrets
 * are compared by their real values but never shown (the rule of src/secrets.ts).
 */

import type { DeploymentStateV2, Run } from '../generated/deployment-state.v2.js';
import { redactComparable, scrubDeep, secretScrubber } from '../secrets.js';
import { findRun, flagValues, phaseStatusIn, unionPhases } from './history-runs.js';
import { alignColumns, arrow, differences, durationText, flatten } from './history-text.js';

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
  const config = differences(
    flatten(redactComparable(runA.config_snapshot)),
    flatten(redactComparable(runB.config_snapshot)),
  );
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
// The JSON view (`compare-runs --format json`)

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
      differences(
        flatten(redactComparable(runA.config_snapshot)),
        flatten(redactComparable(runB.config_snapshot)),
      ),
    ),
    phases: rows(phases),
  };
  return scrubDeep(comparison, secretScrubber(state)) as RunComparison;
}
