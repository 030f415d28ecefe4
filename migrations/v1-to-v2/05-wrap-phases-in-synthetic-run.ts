import { type Document, isMap, isScalar, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { ChangeLog } from '../../src/migrate/changes.js';
import { copyNodeAt, findPair, keysAt, mapAt, type Path, rootMap, valueAt } from '../../src/migrate/doc.js';
import { compactUtc, toUtc } from '../../src/migrate/times.js';
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
  apply(doc: Document) {
    const log = new ChangeLog(doc, this.id);
    const text = (path: Path) => {
      const value = valueAt(doc, path);
      return value === undefined || value === null ? undefined : String(value);
    };
    const createdAt = text(['created_at']) ?? '';
    const created = toUtc(createdAt) ?? createdAt;
    const lastUpdated = text(['last_updated']);
    const status = text(['status']);
    const flags = {
      azure_children: valueAt(doc, ['deployment_flags', 'azure_children']) === true,
      kof: valueAt(doc, ['deployment_flags', 'kof']) === true,
    };

    // Live phase entries become v2 entries first, so that what the run copies is already clean.
    normalizePhases(doc, log, lastUpdated);

    const startText = text(['deployment_start_time']);
    const endText = text(['deployment_end_time']);
    const start = startText === undefined ? undefined : toUtc(startText);
    const end = endText === undefined ? undefined : toUtc(endText);
    const startUnknown = startText !== undefined && start === undefined;

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
      start ?? created,
      start
        ? `deployment_start_time ${JSON.stringify(startText)} converted to UTC`
        : startText === undefined
          ? 'no deployment_start_time: the file was created then'
          : `deployment_start_time ${JSON.stringify(startText)} has no known time zone: falls back to created_at`,
    );
    let endedAt: string | null = null;
    let endReason = 'the attempt had not ended';
    if (startUnknown) {
      endReason = 'deployment_start_time has no known time zone, so the end is not trusted either';
    } else if (endText !== undefined) {
      endedAt = end ?? null;
      endReason = end
        ? `deployment_end_time ${JSON.stringify(endText)} converted to UTC`
        : `deployment_end_time ${JSON.stringify(endText)} has no known time zone`;
    } else if (status === 'completed' && lastUpdated !== undefined) {
      endedAt = toUtc(lastUpdated) ?? null;
      endReason = 'status is completed and no end time was recorded: the file was last written then';
    }
    log.set([...RUN, 'ended_at'], endedAt, endReason);
    const durationText = text(['deployment_duration_seconds']);
    const duration = durationText !== undefined && /^-?\d+$/.test(durationText) ? Number(durationText) : null;
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
    const restartedLater = start !== undefined && end !== undefined && Date.parse(start) > Date.parse(end);
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

    const exitCode = text(['error_exit_code']);
    if (exitCode !== undefined) {
      log.set([...RUN, 'error'], {}, 'an error exit code was recorded');
      log.move(['error_exit_code'], [...RUN, 'error', 'exit_code'], 'the run failed with this exit code');
      if (/^-?\d+$/.test(exitCode)) {
        retype(doc, log, [...RUN, 'error', 'exit_code'], Number(exitCode), 'exit codes are integers');
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
          retype(doc, log, [...RUN, 'source_timing', key], String(node.value), 'kept as text');
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

// Unknown phases and fields go to unrecognized; times become UTC; a missing updated_at gets
// the file's last_updated, the latest moment the phase can have changed.
function normalizePhases(doc: Document, log: ChangeLog, lastUpdated: string | undefined): void {
  for (const name of keysAt(doc, ['phases'])) {
    if (!isPhaseName(name)) {
      log.move(
        ['phases', name],
        ['unrecognized', `phases.${name}`],
        'not a phase of the deployer; carried verbatim',
      );
      continue;
    }
    for (const field of keysAt(doc, ['phases', name])) {
      if (!PHASE_FIELDS.includes(field)) {
        log.move(
          ['phases', name, field],
          ['unrecognized', `phases.${name}.${field}`],
          'not a field of a v2 phase entry; carried verbatim',
        );
      }
    }
    const updated = valueAt(doc, ['phases', name, 'updated_at']);
    if (updated === undefined || updated === null) {
      const fallback = lastUpdated === undefined ? undefined : toUtc(lastUpdated);
      if (fallback)
        log.set(['phases', name, 'updated_at'], fallback, 'no updated_at: the file was last written then');
    } else if (typeof updated === 'string') {
      const utc = toUtc(updated);
      if (utc && utc !== updated)
        retype(doc, log, ['phases', name, 'updated_at'], utc, 'v2 timestamps are UTC');
    }
  }
}
