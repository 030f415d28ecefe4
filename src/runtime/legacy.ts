/**
 * The old `get_state KEY` / `update_state KEY VALUE` over a v2 file: every v1 key read and
 * written at its v2 place through the one key map (src/keymap.ts), the run keys (`phase`,
 * `status`, the timing keys, `error_exit_code`) on the current run, the flags on
 * deployment_flags (and a run that has not done anything yet), and any other key tried as a v2
 * path, then in `unrecognized`, then as a Terraform output.
 */
import type { DeploymentStateV2 } from '../generated/deployment-state.v2.js';
import { OUTPUTS_PATH, type RunKey, v2PlaceOf } from '../keymap.js';
import { isPhaseApplicable, isPhaseName } from '../phases.js';
import { isSecretPath } from '../secrets.js';
import {
  beginAttempt,
  endAttempt,
  reportedStatus,
  scriptPhaseStatus,
  setCurrentPhase,
  setDuration,
  setExitCode,
  setFlag,
  setReportedStatus,
} from './attempts.js';
import { RUNTIME_SECTIONS } from './lookup.js';
import { blockStyle, currentRun } from './runs.js';
import type { StateView } from './transaction.js';
import { setInfraValue, setRuntimeValue } from './values.js';

/** What `get_state` found: the value and its v2 path (for the secret rule). */
export interface LegacyValue {
  value: unknown;
  /** The v2 path the value is at (empty for values computed from the run). */
  path: string[];
}

function lookup(data: unknown, path: readonly string[]): unknown {
  let node = data;
  for (const segment of path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, segment)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

function runValue(state: DeploymentStateV2, key: RunKey): unknown {
  const current = currentRun(state);
  const run = current?.run;
  switch (key) {
    case 'phase':
      return run?.current_phase ?? undefined;
    case 'status':
      return reportedStatus(state) ?? undefined;
    case 'deployment_start_time':
      return run ? (run.source_timing?.deployment_start_time ?? run.started_at) : undefined;
    case 'deployment_end_time':
      return run ? (run.source_timing?.deployment_end_time ?? run.ended_at ?? undefined) : undefined;
    case 'deployment_duration_seconds':
      return run
        ? (run.source_timing?.deployment_duration_seconds ?? run.duration_seconds ?? undefined)
        : undefined;
    case 'error_exit_code':
      return run?.error?.exit_code ?? undefined;
  }
}

/**
 * Reads a key as the old `get_state` did (`yq eval .KEY`), from its v2 place. Undefined when the
 * file has no value there.
 */
export function getLegacyValue(state: DeploymentStateV2, key: string): LegacyValue | undefined {
  const path = key.split('.').filter((segment) => segment !== '');
  const place = v2PlaceOf(path);
  const at = (p: readonly string[]): LegacyValue | undefined => {
    const value = lookup(state, p);
    return value === undefined ? undefined : { value, path: [...p] };
  };
  switch (place.kind) {
    case 'same':
    case 'runtime':
    case 'optional':
      return at(place.path);
    case 'infra':
      return at([...OUTPUTS_PATH, ...place.path]);
    case 'flag':
      return at(['deployment_flags', place.flag]);
    case 'flags':
      return at(['deployment_flags']);
    case 'run': {
      const value = runValue(state, place.key);
      return value === undefined ? undefined : { value, path: [] };
    }
    case 'phases':
      return at(['phases']);
    case 'phase': {
      const { phase, field } = place;
      if (isPhaseName(phase) && !isPhaseApplicable(phase, state.deployment_flags)) {
        // A phase that does not apply is not in the live map: what the run recorded for it.
        const entry = currentRun(state)?.run.phases?.[phase];
        if (field === 'status') return { value: scriptPhaseStatus(state, phase), path: [] };
        if (entry === undefined) return undefined;
        return field === undefined
          ? { value: entry, path: [] }
          : lookup(entry, [field]) === undefined
            ? undefined
            : { value: lookup(entry, [field]), path: [] };
      }
      return at(['phases', phase, ...(field === undefined ? [] : [field])]);
    }
    default:
      return at(path) ?? at(['unrecognized', key]) ?? at([...OUTPUTS_PATH, ...path]);
  }
}

/** True when the value `get_state` found is a secret, or holds one only as a whole. */
export function isLegacySecret(state: DeploymentStateV2, found: LegacyValue): boolean {
  return found.path.length > 0 && isSecretPath(state, found.path);
}

/** Types a value as the old `update_state` did: true/false booleans, `{}` an empty map, else text. */
export function legacyValue(raw: string): boolean | Record<string, never> | string {
  if (raw === 'true' || raw === 'false') return raw === 'true';
  if (raw === '{}') return {};
  return raw;
}

/** Where `update_state` stored a value, for its deprecation line. */
export interface LegacyWrite {
  /** The v2 place, e.g. `wireguard_config.vpn_connected` or `the current run's started_at`. */
  where: string;
}

/**
 * Writes a key as the old `update_state KEY VALUE` did, at its v2 place. Values are typed as the
 * old function typed them (true/false, `{}`, else text), then as the v2 schema needs them
 * (`config.wireguard_port 51846` is an integer).
 */
export function setLegacyValue(view: StateView, key: string, raw: string, now: Date): LegacyWrite {
  return setLegacyPath(
    view,
    key.split('.').filter((segment) => segment !== ''),
    raw,
    now,
  );
}

/** {@link setLegacyValue} for a path given as segments (keys that may hold dots). */
export function setLegacyPath(view: StateView, path: readonly string[], raw: string, now: Date): LegacyWrite {
  const key = path.join('.');
  const place = v2PlaceOf(path);
  switch (place.kind) {
    case 'flag': {
      const value = legacyValue(raw);
      if (typeof value !== 'boolean') {
        carry(view, key, raw);
        return { where: `unrecognized.${key} (deployment_flags.${place.flag} takes true or false)` };
      }
      setFlag(view, place.flag, value, now);
      return { where: `deployment_flags.${place.flag}` };
    }
    case 'run':
      return setRunKey(view, place.key, raw, now);
    case 'phase':
      if (place.field === undefined || !isPhaseName(place.phase)) break;
      view.doc.setIn(['phases', place.phase, place.field], raw);
      return { where: `phases.${place.phase}.${place.field}` };
    case 'infra':
      setInfraValue(view, place.path, legacyValue(raw));
      return { where: `${OUTPUTS_PATH.join('.')}.${place.path.join('.')}` };
    case 'runtime':
    case 'optional':
      if (place.kind === 'optional' && !view.state.deployment_flags.kof) {
        carry(view, key, legacyValue(raw));
        return {
          where: `unrecognized.${key} (KOF is off: optional_components.kof is kept only with KOF on)`,
        };
      }
      setRuntimeValue(view, place.path, raw, { legacy: true });
      return { where: place.path.join('.') };
    case 'same':
      if (place.path[0] === 'config' || place.path[0] === 'artifacts') {
        setRuntimeValue(view, place.path, raw, { legacy: true });
        return { where: place.path.join('.') };
      }
      break;
    default:
      break;
  }
  // A v2 path works too (a script updated by hand).
  const v2 = [...path];
  if (
    v2.length >= 2 &&
    v2[0] !== 'artifacts' &&
    (RUNTIME_SECTIONS as readonly string[]).includes(v2[0] ?? '')
  ) {
    setRuntimeValue(view, v2, raw, { legacy: true });
    return { where: key };
  }
  // Anything else the old scripts could write is kept, never dropped.
  carry(view, key, legacyValue(raw));
  return { where: `unrecognized.${key} (not a key of v2)` };
}

/** Keeps a value under `unrecognized` (block style, one key per line). */
function carry(view: StateView, key: string, value: unknown): void {
  blockStyle(view.doc, ['unrecognized']);
  view.doc.setIn(['unrecognized', key], value);
}

function setRunKey(view: StateView, key: RunKey, raw: string, now: Date): LegacyWrite {
  switch (key) {
    case 'phase':
      setCurrentPhase(view, raw);
      return { where: "the current run's current_phase" };
    case 'status':
      setReportedStatus(view, raw, now);
      return { where: 'the current run (status)' };
    case 'deployment_start_time':
      beginAttempt(view, raw, now);
      return { where: "the current run's started_at" };
    case 'deployment_end_time':
      endAttempt(view, raw, now);
      return { where: "the current run's ended_at" };
    case 'deployment_duration_seconds':
      setDuration(view, raw);
      return { where: "the current run's duration_seconds" };
    case 'error_exit_code':
      setExitCode(view, raw, now);
      return { where: "the current run's error.exit_code" };
  }
}
