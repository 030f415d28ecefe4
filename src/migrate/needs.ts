/**
 * Whether a parsed file must be migrated or repaired before use, decided without loading the
 * migration engine (a command on a current v2 file should not pay for it): a version older than
 * the newest, or a v2 file holding what an old script wrote into it (v1 keys at the top level,
 * phases that do not apply). The repair chain (migrations/v2-repairs/) uses the same checks.
 */
import type { DeploymentStateV2 } from '../generated/deployment-state.v2.js';
import { schemaV2 } from '../generated/schema-v2.js';
import { v2PlaceOf } from '../keymap.js';
import { detectVersion, type ParsedState } from '../parse/parse.js';
import { isPhaseApplicable, isPhaseName } from '../phases.js';
import { LATEST_VERSION } from '../version.js';

const V2_KEYS: ReadonlySet<string> = new Set(Object.keys(schemaV2.properties));

/** True when `key` is a top-level key of v2. */
export function isV2Key(key: string): boolean {
  return V2_KEYS.has(key);
}

/** Top-level v1 keys the key map knows, found in a v2 file (written there by an old script). */
export function v1KeysIn(data: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(data).filter((key) => !V2_KEYS.has(key) && v2PlaceOf([key]).kind !== 'unknown');
}

/** Live phases that do not apply under the file's flags (an old script's phase_reset_from writes them). */
export function misplacedPhases(data: Readonly<Record<string, unknown>>): string[] {
  const phases = data.phases;
  const flags = data.deployment_flags as DeploymentStateV2['deployment_flags'] | undefined;
  if (!phases || typeof phases !== 'object' || !flags || typeof flags !== 'object') return [];
  return Object.keys(phases).filter((name) => isPhaseName(name) && !isPhaseApplicable(name, flags));
}

/** True when a v2 file holds what an old script wrote into it. */
export function needsFold(data: Readonly<Record<string, unknown>>): boolean {
  return v1KeysIn(data).length > 0 || misplacedPhases(data).length > 0;
}

/** True when the parsed file must be migrated (older version) or repaired before it is used. */
export function needsMigration(parsed: ParsedState): boolean {
  const version = detectVersion(parsed);
  return version < LATEST_VERSION || (version === LATEST_VERSION && needsFold(parsed.data));
}
