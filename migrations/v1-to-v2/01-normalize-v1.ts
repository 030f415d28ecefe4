import { type Document, isMap, isScalar, type Node, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { schemaV1, schemaV2 } from '../../src/generated/schemas.js';
import { ChangeLog } from '../../src/migrate/changes.js';
import {
  dottedPath,
  findPair,
  keysAt,
  type Path,
  rootMap,
  scalarAt,
  valueAt,
} from '../../src/migrate/doc.js';
import type { MigrationStep, StepContext } from '../../src/migrate/types.js';
import { type V1Finding, v1Findings } from '../../src/validate/v1-values.js';

/** Top-level v1 keys that hold booleans (written as "true"/"false" strings by E0 scripts). */
export const V1_BOOLEAN_KEYS = [
  'wg_keys_generated',
  'wg_laptop_config_created',
  'wg_vpn_connected',
  'k0s_config_generated',
  'k0s_cluster_deployed',
  'k0rdent_installed',
  'k0rdent_ready',
  'k0rdent_ready_partial',
  'network_validation_failed',
  'azure_csi_installed',
  'kof_mothership_installed',
  'kof_regional_installed',
  'kof_child_installed',
  'aws_credentials_configured',
  'deployment_flags_kof',
  'deployment_flags_azure_children',
] as const;

const FLAG_NAMES = ['azure_children', 'kof'] as const;

/**
 * Top-level keys of v2 that no v1 template or script wrote (`current_run_id`, `wireguard_config`,
 * `migrations_applied`, ...). A v1 file that has one (a hand edit, a v2 file that lost its
 * schema_version line) is carrying unknown data under that name, which the later steps would
 * overwrite: it goes to unrecognized first, like any other unknown key.
 */
const V2_ONLY_KEYS = Object.keys(schemaV2.properties).filter((key) => !(key in schemaV1.properties));

/** Reads a legacy boolean: true/false or "true"/"false"; undefined otherwise. */
function legacyBool(value: unknown): boolean | undefined {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return undefined;
}

/**
 * Step 1: carries v2 key names found in a v1 file to unrecognized, takes every value of clear
 * meaning (null, '{}', an unquoted number where text belongs) and carries every value v2 has no
 * place for (a port 0, a negative count), each with a warning (see src/validate/v1-values.ts);
 * folds the flat deployment_flags_* keys into deployment_flags (the map wins), infers flags for
 * files that record none, and turns legacy strings into real types.
 */
export const normalizeV1: MigrationStep = {
  id: 'normalize-v1',
  description:
    'Carry v2 key names and values v2 has no place for to unrecognized, take nulls and \'{}\' as not set / empty, fold flat deployment_flags_* into deployment_flags (the map wins), infer missing flags, and turn legacy "true"/"false" strings and quoted counts into real types',
  from: '1',
  to: '1.1',
  apply(doc: Document, context) {
    const log = new ChangeLog(doc, this.id);
    const root = rootMap(doc);

    // `unrecognized` first, so that the others are not put into (and over) its old value.
    const keys = keysAt(doc, []).sort((a, b) => Number(b === 'unrecognized') - Number(a === 'unrecognized'));
    for (const key of keys) {
      if (V2_ONLY_KEYS.includes(key)) {
        log.carry([key], 'a v2 key in a v1 file: carried verbatim before the migration writes its own');
      }
    }
    for (const finding of v1Findings(root.toJSON() as Record<string, unknown>)) {
      apply(doc, log, context, finding);
    }
    if (!isMap(findPair(root, 'config')?.value)) {
      log.set(['config'], {}, 'v2 needs a config map; the v1 value was carried to unrecognized');
    }
    for (const key of keysAt(doc, ['deployment_flags'])) {
      if (!(FLAG_NAMES as readonly string[]).includes(key)) {
        log.carry(['deployment_flags', key], 'not a flag of v2; carried verbatim');
      }
    }

    const retypeBool = (path: Path) => {
      const node = scalarAt(doc, path);
      if (node && typeof node.value === 'string') {
        const value = legacyBool(node.value);
        if (value === undefined) return;
        const before = node.value;
        node.value = value;
        node.type = 'PLAIN';
        log.record(
          'retype',
          path,
          path,
          value,
          `legacy string ${JSON.stringify(before)} is the boolean ${value}`,
        );
      }
    };
    const retypeInt = (path: Path) => {
      const node = scalarAt(doc, path);
      if (node && typeof node.value === 'string' && /^-?\d+$/.test(node.value)) {
        const before = node.value;
        node.value = Number(before);
        node.type = 'PLAIN';
        // Written as the integer it now is (`"0051846"` as 51846), not as the quoted text was.
        node.source = undefined;
        log.record(
          'retype',
          path,
          path,
          node.value,
          `quoted integer ${JSON.stringify(before)} is the integer ${before}`,
        );
      }
    };

    for (const key of V1_BOOLEAN_KEYS) retypeBool([key]);
    for (const key of ['controller_count', 'worker_count', 'wireguard_port']) retypeInt(['config', key]);
    for (const host of keysAt(doc, ['wireguard_peers']))
      retypeBool(['wireguard_peers', host, 'keys_generated']);
    for (const flag of FLAG_NAMES) retypeBool(['deployment_flags', flag]);

    const vmStates = findPair(root, 'vm_states');
    if (vmStates && isScalar(vmStates.value) && vmStates.value.value === '{}') {
      const empty = new YAMLMap();
      empty.flow = true;
      empty.comment = vmStates.value.comment;
      vmStates.value = empty;
      log.record('retype', ['vm_states'], ['vm_states'], {}, "E0 wrote the empty map as the string '{}'");
    }

    // Flags: the map wins, then the flat key, then what the file shows installed.
    const map = valueAt(doc, ['deployment_flags']);
    const mapFlags = map !== null && typeof map === 'object' ? (map as Record<string, unknown>) : undefined;
    const installed = (key: string) => legacyBool(valueAt(doc, [key])) === true;
    const kofInstalled = keysAt(doc, [])
      .filter((key) => /^kof_.*_installed$/.test(key) || key === 'azure_csi_installed')
      .some(installed);
    for (const flag of FLAG_NAMES) {
      const fromMap = legacyBool(mapFlags?.[flag]);
      const flat = legacyBool(valueAt(doc, [`deployment_flags_${flag}`]));
      if (fromMap !== undefined) {
        if (flat !== undefined && flat !== fromMap) {
          context.warn(
            'flag-conflict',
            `deployment_flags.${flag}`,
            `deployment_flags_${flag} is ${flat} but deployment_flags.${flag} is ${fromMap}; the map wins (the scripts read only the map)`,
          );
        }
        continue;
      }
      if (!isMap(findPair(root, 'deployment_flags')?.value)) {
        log.set(['deployment_flags'], {}, 'v2 records the optional-component flags in one map');
      }
      if (flat !== undefined) {
        log.set(['deployment_flags', flag], flat, `folded from the flat key deployment_flags_${flag}`);
      } else {
        const inferred = flag === 'kof' ? kofInstalled : false;
        log.set(
          ['deployment_flags', flag],
          inferred,
          flag === 'kof'
            ? `inferred: the file records no KOF flag, and ${inferred ? 'shows a KOF component installed' : 'shows no KOF component installed'}`
            : 'inferred: the file records no azure_children flag (before E2 there were no Azure child clusters)',
        );
      }
    }
    return log.changes;
  },
};

const EMPTY = { map: () => new YAMLMap(), list: () => new YAMLSeq() };

// Applies one finding of v1-values.ts to the document and says so in the report.
function apply(doc: Document, log: ChangeLog, context: StepContext, finding: V1Finding): void {
  const { path } = finding;
  const at = dottedPath(path);
  switch (finding.action) {
    case 'unset':
      log.prune(path, 'null: not set; v2 leaves it out');
      break;
    case 'empty-map':
    case 'empty-list': {
      const pair = findPair(doc.getIn(path.slice(0, -1), true) as YAMLMap, String(path.at(-1)));
      if (!pair) return;
      const empty = finding.action === 'empty-map' ? EMPTY.map() : EMPTY.list();
      empty.flow = true;
      const old = pair.value as Node | null;
      if (old) {
        empty.comment = old.comment;
        empty.commentBefore = old.commentBefore;
      }
      pair.value = empty;
      log.record(
        'retype',
        path,
        path,
        empty.toJSON(),
        finding.action === 'empty-map'
          ? "null or the text '{}': an empty map"
          : "null, '{}' or '[]': no events",
      );
      break;
    }
    case 'as-text': {
      const node = scalarAt(doc, path);
      if (!node) return;
      const text = node.source ?? String(node.value);
      // A string of digits written as a number in another base or form (0x1F, 1e3): no digits to keep.
      if (finding.digits === true && !/^[0-9]+$/.test(text)) {
        context.warn(
          'value-carried',
          at,
          `${at} is the number ${text}, not a string of digits: carried verbatim to unrecognized."${at}"`,
        );
        log.carry(path, 'not a string of digits: carried verbatim');
        return;
      }
      node.value = text;
      node.type = Scalar.QUOTE_DOUBLE;
      log.record(
        'retype',
        path,
        path,
        text,
        'an unquoted number where text belongs: the text it was written with',
      );
      break;
    }
    case 'carry':
      log.carry(path, 'v2 has no place for this value: carried verbatim');
      break;
    case 'carry-null':
      log.carry(path, 'v2 has no place for this value: carried verbatim');
      log.set(path, null, 'left null, as when it was not chosen yet');
      break;
    case 'pending':
      log.set(path, 'pending', 'no status: pending, as the deployer reads a phase without one');
      break;
    default:
      // A later step converts the value or falls back (times, durations, exit codes).
      break;
  }
  context.warn(finding.code, at, finding.message);
}
