import { type Document, isMap, isScalar, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { ChangeLog } from '../../src/migrate/changes.js';
import { copyNodeAt, findPair, keysAt, mapAt, type Path, rootMap, valueAt } from '../../src/migrate/doc.js';
import { compactUtc, creationInstant, readTime, toUtc, unreadableReason } from '../../src/migrate/times.js';
import type { MigrationStep } from '../../src/migrate/types.js';
import { isPhaseApplicable, isPhaseName } from '../../src/phases.js';

const RUN: Path = ['deployment_runs', 0];
const PHASE_FIELDS = ['status', 'updated_at', 'skipped_reason'];
const TIMING_KEYS = ['deployment_start_time', 'deployment_end_time', 'deployment_duration_seconds'] as const;

/**
 * Step 5: builds one synthetic run from the v1 history (timing, status, phases, error, inline
 * events) and makes it the current run. The live phases keep only the applicable ones.
 */
export const wrapPhasesInSyntheticRun: MigrationStep = {
  id: 'wrap-phases-in-synthetic-run',
  description:
    'Wrap the v1 history (phase, status, timing, error, inline events, phases that ran) in one synthetic run and make it current',
  from: '1.4',
  to: '1.5',
  apply(doc: Document, context) {
    const log = new ChangeLog(doc, this.id);
    // A scalar as it was written (a number keeps its spelling); undefined when absent or null.
    const text = (path: Path) => {
      const node = doc.getIn(path, true);
      if (!isScalar(node) || node.value === null || node.value === undefined) return undefined;
      return typeof node.value === 'string' ? node.value : (node.source ?? String(node.value));
    };
    const lastUpdated = text(['last_updated']);
    // The same creation time finalize-v2 writes into created_at.
    const created = creationInstant(valueAt(doc, ['created_at']), lastUpdated, context.now);
    const status = text(['status']);
    const flags = {
      azure_children: valueAt(doc, ['deployment_flags', 'azure_children']) === true,
      kof: valueAt(doc, ['deployment_flags', 'kof']) === true,
    };

    // Live phase entries become v2 entries first, so that what the run copies is already clean.
    normalizePhases(doc, log, (lastUpdated === undefined ? undefined : toUtc(lastUpdated)) ?? created);

    // Each time on its own: an unreadable start does not make a readable end untrustworthy.
    const startText = text(['deployment_start_time']);
    const endText = text(['deployment_end_time']);
    const start = startText === undefined ? undefined : readTime(startText);
    const end = endText === undefined ? undefined : readTime(endText);

    const runId = `migrated-${compactUtc(created)}`;
    const root = rootMap(doc);
    const runs = new YAMLSeq();
    runs.items.push(new YAMLMap());
    root.items.push(doc.createPair('deployment_runs', runs));
    log.record('add', null, ['deployment_runs'], [], 'v2 records every deployment attempt as a run');
    log.set([...RUN, 'run_id'], runId, 'the run built from the v1 history is named after created_at');
    log.set([...RUN, 'synthetic'], true, 'built from a v1 file, not recorded by a real run');
    log.set(
      [...RUN, 'started_at'],
      start?.utc ?? created,
      start?.utc
        ? `deployment_start_time ${JSON.stringify(startText)} converted to UTC`
        : start === undefined
          ? 'no deployment_start_time: the file was created then'
          : `deployment_start_time ${JSON.stringify(startText)} ${unreadableReason(start)}: falls back to created_at`,
    );
    let endedAt: string | null = null;
    let endReason = 'the attempt had not ended';
    if (end !== undefined) {
      endedAt = end.utc ?? null;
      endReason = end.utc
        ? `deployment_end_time ${JSON.stringify(endText)} converted to UTC`
        : `deployment_end_time ${JSON.stringify(endText)} ${unreadableReason(end)}: the end is not known`;
    } else if (status === 'completed' && lastUpdated !== undefined) {
      endedAt = toUtc(lastUpdated) ?? null;
      endReason = 'status is completed and no end time was recorded: the file was last written then';
    }
    log.set([...RUN, 'ended_at'], endedAt, endReason);
    const durationText = text(['deployment_duration_seconds']);
    const duration = safeInteger(durationText);
    log.set(
      [...RUN, 'duration_seconds'],
      duration,
      duration === null ? 'no duration recorded' : 'the integer of deployment_duration_seconds',
    );

    const applicable = keysAt(doc, ['phases']).filter(
      (name) => isPhaseName(name) && isPhaseApplicable(name, flags),
    );
    const allDone = applicable.every((name) => {
      const phaseStatus = valueAt(doc, ['phases', name, 'status']);
      return phaseStatus === 'completed' || phaseStatus === 'skipped';
    });
    const hasError = valueAt(doc, ['error_exit_code']) !== undefined;
    const restartedLater =
      start?.utc !== undefined && end?.utc !== undefined && Date.parse(start.utc) > Date.parse(end.utc);
    let outcome: string;
    let outcomeReason: string;
    if (status === 'failed' || hasError) {
      outcome = 'failed';
      outcomeReason = hasError ? 'an error exit code was recorded' : 'status is failed';
    } else if (status === 'completed' && allDone && !restartedLater) {
      outcome = 'success';
      outcomeReason = 'status is completed and every applicable phase is completed or skipped';
    } else {
      outcome = 'interrupted';
      outcomeReason =
        status === 'completed'
          ? restartedLater
            ? 'status says completed, but a later attempt started after the recorded end and never finished'
            : 'status says completed (the old scripts wrote it early), but not every applicable phase finished'
          : 'the attempt did not finish';
    }
    log.set([...RUN, 'outcome'], outcome, outcomeReason);
    log.set([...RUN, 'flags'], { ...flags }, 'deployment_flags when the run was recorded', [
      'deployment_flags',
    ]);
    log.set(
      [...RUN, 'config_snapshot'],
      copyNodeAt(doc, ['config']) ?? {},
      'config when the run was recorded',
      ['config'],
    );
    if (!log.move(['phase'], [...RUN, 'current_phase'], 'the v1 phase label describes where this run was')) {
      log.set([...RUN, 'current_phase'], null, 'the v1 file recorded no phase');
    }

    log.set([...RUN, 'phases'], {}, 'phases this run touched');
    for (const name of keysAt(doc, ['phases'])) {
      if (valueAt(doc, ['phases', name, 'status']) === 'pending') continue;
      if (isPhaseName(name) && isPhaseApplicable(name, flags)) {
        const source = findPair(mapAt(doc, ['phases']) as YAMLMap, name);
        const copy = doc.createNode(valueAt(doc, ['phases', name]));
        if (isMap(copy) && isMap(source?.value)) copy.flow = source.value.flow === true;
        (mapAt(doc, [...RUN, 'phases']) as YAMLMap).items.push(doc.createPair(name, copy));
        log.record('add', ['phases', name], [...RUN, 'phases', name], copy.toJSON(), 'history of this run');
      } else {
        log.move(
          ['phases', name],
          [...RUN, 'phases', name],
          'ran, but does not apply now: kept as history only',
        );
      }
    }

    if (valueAt(doc, ['error_exit_code']) !== undefined) {
      const exitCode = safeInteger(text(['error_exit_code']));
      log.set([...RUN, 'error'], {}, 'an error exit code was recorded');
      if (exitCode === null) {
        // Past 2^53, a fraction, text: v2 has no place for it, but the run did fail.
        log.carry(['error_exit_code'], 'not an exit code (an integer): carried verbatim; the run failed');
      } else {
        log.move(['error_exit_code'], [...RUN, 'error', 'exit_code'], 'the run failed with this exit code');
        const node = doc.getIn([...RUN, 'error', 'exit_code'], true);
        if (isScalar(node) && node.value !== exitCode) {
          node.source = undefined;
          retype(doc, log, [...RUN, 'error', 'exit_code'], exitCode, 'exit codes are integers');
        }
      }
    } else {
      log.set([...RUN, 'error'], null, 'no error recorded');
    }
    log.move(['events'], [...RUN, 'events'], 'inline E0 events belong to this run');
    log.move(
      ['status'],
      [...RUN, 'source_status'],
      'the v1 status, verbatim (it was written too early to trust)',
    );
    for (const key of TIMING_KEYS) {
      if (log.move([key], [...RUN, 'source_timing', key], 'the v1 timing string, verbatim')) {
        const node = doc.getIn([...RUN, 'source_timing', key], true);
        if (isScalar(node) && typeof node.value !== 'string') {
          // As it was written: an epoch or a duration keeps its digits.
          const written = node.source ?? String(node.value);
          retype(doc, log, [...RUN, 'source_timing', key], written, 'kept as text');
        }
        // Quoted, so that a YAML 1.1 reader does not turn local times into dates.
        if (isScalar(node)) node.type = Scalar.QUOTE_DOUBLE;
      }
    }
    if (valueAt(doc, ['phases']) === undefined)
      log.set(['phases'], {}, 'no v1 phases: the live map starts empty');
    log.set(['current_run_id'], runId, 'the synthetic run is the current run');
    return log.changes;
  },
};

function retype(doc: Document, log: ChangeLog, path: Path, value: unknown, reason: string): void {
  const node = doc.getIn(path, true) as { value: unknown; type?: string } | undefined;
  if (!node) return;
  node.value = value;
  if (typeof value !== 'string') node.type = 'PLAIN';
  log.record('retype', path, path, value, reason);
}

// Unknown phases and fields go to unrecognized; times become UTC (the fraction of a second kept);
// a missing updated_at gets `fallback` (the file's last_updated, the latest moment the phase can
// have changed, else its creation time), and so does an unreadable one, which is carried.
function normalizePhases(doc: Document, log: ChangeLog, fallback: string): void {
  for (const name of keysAt(doc, ['phases'])) {
    if (!isPhaseName(name)) {
      log.carry(['phases', name], 'not a phase of the deployer; carried verbatim');
      continue;
    }
    for (const field of keysAt(doc, ['phases', name])) {
      if (!PHASE_FIELDS.includes(field)) {
        log.carry(['phases', name, field], 'not a field of a v2 phase entry; carried verbatim');
      }
    }
    const path = ['phases', name, 'updated_at'];
    const updated = valueAt(doc, path);
    const utc = typeof updated === 'string' ? toUtc(updated) : undefined;
    if (utc !== undefined) {
      if (utc !== updated) retype(doc, log, path, utc, 'v2 timestamps are UTC');
      continue;
    }
    if (updated !== undefined && updated !== null) {
      log.carry(path, 'not a time this tool can read: carried verbatim');
    }
    log.set(path, fallback, 'no readable updated_at: the file was last written then');
  }
}

// The integer of a text of digits, when a double holds it exactly; else null.
function safeInteger(text: string | undefined): number | null {
  if (text === undefined || !/^-?\d+$/.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}
