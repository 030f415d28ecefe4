/**
 * The sync of a Terraform snapshot into a v2 state file's infrastructure layer (`infra sync`):
 * {@link applyTerraformSync} edits a `yaml` Document in place; {@link describeSync} and
 * {@link backendMigrationEvent} say what it did. No message or summary ever carries an output's
 * value, sensitive or not (only names).
 */

import { type Document, isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';
import { ExitCode, StateError } from '../errors.js';
import { ensureMap, findPair, keyName, rootMap, valueAt } from '../migrate/doc.js';
import { formatUtc } from '../migrate/times.js';
import { numberText } from '../parse/numbers.js';
import { formatBytes } from '../read/read-file.js';
import { type BackendMigration, backendChange } from './backend.js';
import { isRecord, TerraformError, type TerraformOutput, type TerraformSnapshot } from './common.js';
import type { OutputVisitor } from './outputs.js';

/** Options of {@link applyTerraformSync}. */
export interface SyncOptions {
  /** The time of the sync. */
  now: Date;
  /** Store sensitive outputs' values too (`--include-sensitive`). */
  includeSensitive?: boolean;
  /** Accept a state of another lineage, or an older serial (`--force`). */
  force?: boolean;
  /**
   * The size cap of state files (`--max-size`): outputs that alone would make the file larger
   * are refused before the Document is touched (`result-too-large`, exit 1).
   */
  maxBytes?: number;
}

/** What {@link applyTerraformSync} changed: output names only, never values. */
export interface SyncSummary {
  /** Outputs that were not cached before. */
  added: string[];
  /** Cached outputs Terraform no longer has (removed from the cache). */
  removed: string[];
  /** Outputs whose cached value changed. */
  changed: string[];
  /** Sensitive outputs (stored without their value unless `includeSensitive`). */
  sensitive: string[];
  /** The recorded `terraform_state_path`. */
  statePath: string | null;
  /** The recorded `terraform_state_checksum`. */
  checksum: string | null;
  /** Refusals overridden by `force`: `terraform-lineage-changed`, `terraform-serial-older`. */
  forced: string[];
  /**
   * Set when the backend type changed since the last sync (a local state migrated to azurerm or
   * s3): the earlier backend and state path were kept in `terraform_backend_history`.
   */
  backendMigrated?: BackendMigration;
}

/** The event a sync logs when the Terraform backend changed (see {@link SyncSummary.backendMigrated}). */
export function backendMigrationEvent(
  summary: SyncSummary,
  now: Date,
): { timestamp: string; action: string; message: string } | undefined {
  const change = summary.backendMigrated;
  if (!change) return undefined;
  return {
    timestamp: formatUtc(now),
    action: 'terraform_backend_migrated',
    message: `Terraform state moved from the ${change.from} backend${change.fromPath ? ` (${change.fromPath})` : ''} to ${change.to}${change.toPath ? ` (${change.toPath})` : ''}`,
  };
}

// Output names for the one-line summary of a sync: the first 20, then how many in all (a sync of a
// million outputs must not print a million names).
function nameList(names: readonly string[]): string {
  const shown = 20;
  return names.length <= shown
    ? names.join(', ')
    : `${names.slice(0, shown).join(', ')}, ... (${names.length} in all)`;
}

/**
 * The one line a sync prints (output names only, never values): where it read from, how many
 * outputs, which were added, removed or changed, which are sensitive.
 */
export function describeSync(
  snapshot: TerraformSnapshot,
  summary: SyncSummary,
  options: { includeSensitive?: boolean } = {},
): string {
  const parts = [
    `${Object.keys(snapshot.outputs).length} outputs`,
    summary.added.length ? `added ${nameList(summary.added)}` : '',
    summary.removed.length ? `removed ${nameList(summary.removed)}` : '',
    summary.changed.length ? `changed ${nameList(summary.changed)}` : '',
    summary.sensitive.length
      ? `sensitive (value not stored${options.includeSensitive ? ' in output' : ''}): ${nameList(summary.sensitive)}`
      : '',
    summary.backendMigrated
      ? `backend changed from ${summary.backendMigrated.from} to ${summary.backendMigrated.to} (the old one kept in terraform_backend_history)`
      : '',
  ].filter((part) => part !== '');
  return `synced from ${summary.statePath ?? 'terraform output'}: ${parts.join('; ')}`;
}

/**
 * Caches a Terraform snapshot in a v2 state Document, in place: `terraform_state_path`,
 * `terraform_backend`, `terraform_version`, `last_terraform_sync` and `infrastructure_facts`
 * (`source: terraform`, `stale: false`, `cache_timestamp`, `old_cache_timestamp` = the previous
 * `cache_timestamp`, `terraform_state_checksum` = `sha256:<hex> lineage=<l> serial=<n>` or null for
 * an outputs-only sync, and `outputs`). The outputs map is replaced by Terraform's (entries that did
 * not change keep their nodes and comments). A sensitive output is stored as `{sensitive: true}`,
 * or `{sensitive: true, value}` with `includeSensitive`.
 *
 * Refuses (exit 1, the Document untouched) a state whose lineage differs from the one recorded in
 * `terraform_state_checksum` (`terraform-lineage-changed`) or whose serial is lower than the
 * recorded one (`terraform-serial-older`), unless `force`.
 */
export function applyTerraformSync(
  doc: Document,
  snapshot: TerraformSnapshot,
  options: SyncOptions,
): SyncSummary {
  const root = rootMap(doc);
  const schemaVersion = valueAt(doc, ['schema_version']);
  if (schemaVersion !== 2) {
    throw new TerraformError(
      'terraform-sync-not-v2',
      `has schema_version ${JSON.stringify(schemaVersion ?? null)}, but infra sync writes v2 files; migrate it first: k0rdent-state migrate FILE`,
      { exitCode: ExitCode.invalid },
    );
  }

  const forced = checkIdentity(
    valueAt(doc, ['infrastructure_facts', 'terraform_state_checksum']),
    snapshot,
    options.force === true,
  );
  const includeSensitive = options.includeSensitive === true;
  const names = Object.keys(snapshot.outputs);
  if (options.maxBytes !== undefined) {
    const visit = outputsCap(options.maxBytes, includeSensitive)();
    for (const name of names) visit(name, snapshot.outputs[name] as TerraformOutput);
  }
  const stored = new Map<string, unknown>();
  for (const name of names)
    stored.set(name, storedValue(snapshot.outputs[name] as TerraformOutput, includeSensitive));
  const now = formatUtc(options.now);
  const checksum =
    snapshot.stateSha256 === null
      ? null
      : `sha256:${snapshot.stateSha256}${snapshot.lineage === null ? '' : ` lineage=${snapshot.lineage}`}${
          snapshot.serial === null ? '' : ` serial=${snapshot.serial}`
        }`;

  const topOrder = [
    'terraform_state_path',
    'terraform_backend',
    'terraform_version',
    'last_terraform_sync',
    'infrastructure_facts',
    'current_run_id',
  ];
  const oldBackend = valueAt(doc, ['terraform_backend']);
  const oldPath = valueAt(doc, ['terraform_state_path']);
  const backendMigrated = backendChange(oldBackend, oldPath, snapshot);
  if (backendMigrated) {
    // The state moved to another backend: the old location is kept, with when it was left.
    const entry = doc.createNode({
      backend: oldBackend,
      terraform_state_path: typeof oldPath === 'string' ? oldPath : null,
      migration_timestamp: now,
    });
    const history = doc.getIn(['terraform_backend_history'], true);
    if (history && typeof history === 'object' && 'items' in history && Array.isArray(history.items)) {
      history.items.push(entry);
    } else {
      put(doc, root, 'terraform_backend_history', doc.createNode([entry]), [
        'terraform_backend',
        'terraform_backend_history',
        'terraform_version',
      ]);
    }
  }
  put(doc, root, 'terraform_state_path', snapshot.statePath, topOrder);
  put(
    doc,
    root,
    'terraform_backend',
    snapshot.backend && { type: snapshot.backend.type, config: snapshot.backend.config },
    topOrder,
  );
  put(doc, root, 'terraform_version', snapshot.terraformVersion, topOrder);
  put(doc, root, 'last_terraform_sync', now, topOrder);
  if (!isMap(findPair(root, 'infrastructure_facts')?.value))
    put(doc, root, 'infrastructure_facts', {}, topOrder);

  const facts = ensureMap(doc, ['infrastructure_facts']);
  const previous = valueAt(doc, ['infrastructure_facts', 'cache_timestamp']);
  const factOrder = [
    'source',
    'cache_timestamp',
    'terraform_state_checksum',
    'stale',
    'old_cache_timestamp',
    'outputs',
  ];
  put(doc, facts, 'source', 'terraform', factOrder);
  put(doc, facts, 'cache_timestamp', now, factOrder);
  put(doc, facts, 'terraform_state_checksum', checksum, factOrder);
  put(doc, facts, 'stale', false, factOrder);
  if (typeof previous === 'string') put(doc, facts, 'old_cache_timestamp', previous, factOrder);
  else facts.delete('old_cache_timestamp');
  if (!isMap(findPair(facts, 'outputs')?.value)) put(doc, facts, 'outputs', {}, factOrder);

  const outputsMap = ensureMap(doc, ['infrastructure_facts', 'outputs']);
  // An empty `outputs: {}` is flow style; the outputs written into it read better as a block.
  if (outputsMap.items.length === 0) outputsMap.flow = false;
  const summary: SyncSummary = {
    added: [],
    removed: [],
    changed: [],
    sensitive: names.filter((name) => snapshot.outputs[name]?.sensitive === true),
    statePath: snapshot.statePath,
    checksum,
    forced,
    ...(backendMigrated ? { backendMigrated } : {}),
  };
  // One pass over the cached outputs (removing them one by one grew with the square of their number).
  const kept: typeof outputsMap.items = [];
  for (const pair of outputsMap.items) {
    const name = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    if (!stored.has(name)) {
      summary.removed.push(name);
      continue;
    }
    kept.push(pair);
    const value = stored.get(name);
    stored.delete(name);
    if (holds(pair.value, value)) continue;
    replaceValue(doc, pair as Pair<Node, Node | null>, value);
    summary.changed.push(name);
  }
  outputsMap.items = kept;
  for (const [name, value] of stored) {
    outputsMap.items.push(doc.createPair(name, value) as Pair<unknown, unknown>);
    summary.added.push(name);
  }
  summary.added.sort();
  summary.removed.sort();
  summary.changed.sort();
  summary.sensitive.sort();
  return summary;
}

/** True for a cached output marked sensitive (`{sensitive: true, ...}`): never print its value. */

// ---------------------------------------------------------------------------------------------
// Sync helpers

function checkIdentity(recorded: unknown, snapshot: TerraformSnapshot, force: boolean): string[] {
  if (typeof recorded !== 'string' || snapshot.lineage === null) return [];
  const oldLineage = /(?:^|\s)lineage=(\S+)/.exec(recorded)?.[1];
  if (oldLineage === undefined) return [];
  const forced: string[] = [];
  if (oldLineage !== snapshot.lineage) {
    if (!force) {
      throw new TerraformError(
        'terraform-lineage-changed',
        `the Terraform state has lineage ${snapshot.lineage}, but the cached facts came from lineage ${oldLineage}: it is another state (another deployment, or one recreated from scratch); check the Terraform folder, or pass --force if the state was really replaced`,
        { exitCode: ExitCode.invalid },
      );
    }
    return ['terraform-lineage-changed'];
  }
  const oldSerial = /(?:^|\s)serial=(\d+)/.exec(recorded)?.[1];
  if (oldSerial !== undefined && snapshot.serial !== null && snapshot.serial < Number(oldSerial)) {
    if (!force) {
      throw new TerraformError(
        'terraform-serial-older',
        `the Terraform state has serial ${snapshot.serial}, older than serial ${oldSerial} the cached facts came from (lineage ${oldLineage}); syncing would roll the cache back: read the current state, or pass --force to accept the older one`,
        { exitCode: ExitCode.invalid },
      );
    }
    forced.push('terraform-serial-older');
  }
  return forced;
}

/**
 * The size cap of a sync as a visitor of parseOutputsJson (src/terraform/outputs.ts): each output takes at least its
 * name and its stored value as JSON in the written YAML (the quotes and commas JSON has are
 * outweighed by the indentation and line breaks YAML adds), and once the outputs seen so far
 * come to more than `maxBytes`, it throws `result-too-large` (exit 1). Given to the reader, it
 * stops the reading there: a refusal costs the same however far over the cap the outputs are,
 * and no output past the cap is parsed or kept.
 */
export function outputsCap(maxBytes: number, includeSensitive: boolean): () => OutputVisitor {
  return () => {
    let bytes = 0;
    let count = 0;
    return (name, output) => {
      count++;
      bytes += Buffer.byteLength(name) + storedBytes(storedValue(output, includeSensitive));
      if (bytes > maxBytes) {
        throw new StateError(
          'result-too-large',
          `refused: the outputs would make the state file over the ${formatBytes(maxBytes)} limit every command reads state files with (the first ${count} of them alone do), so nothing could read it afterwards; the file is unchanged (sync fewer outputs, or raise the limit with --max-size for every command)`,
          { exitCode: ExitCode.invalid },
        );
      }
    };
  };
}

// The length of a value as JSON. A value nested too deeply for JSON.stringify counts as nothing
// here: the sync refuses it for its depth (update-invalid) when it builds the Document.
function storedBytes(value: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(value) ?? 'null');
  } catch (error) {
    if (error instanceof RangeError) return 0;
    throw error;
  }
}

function storedValue(output: TerraformOutput, includeSensitive: boolean): unknown {
  if (!output.sensitive) return output.value ?? null;
  return includeSensitive ? { sensitive: true, value: output.value ?? null } : { sensitive: true };
}

// Sets `key` in `map`, keeping a replaced scalar's comments; a new key goes before the first key
// that follows it in `order`, so the file keeps the documented layout.
function put(doc: Document, map: YAMLMap, key: string, value: unknown, order: readonly string[]): void {
  const pair = findPair(map, key);
  if (pair) {
    replaceValue(doc, pair, value);
    return;
  }
  const created = doc.createPair(key, value) as Pair<unknown, unknown>;
  const later = order.slice(order.indexOf(key) + 1);
  const next = map.items.findIndex((item) => later.includes(keyName(item) ?? ''));
  if (next < 0) map.items.push(created);
  else map.items.splice(next, 0, created);
}

function replaceValue(doc: Document, pair: Pair<Node, Node | null>, value: unknown): void {
  const node = doc.createNode(value) as Node;
  const old = pair.value;
  if (old !== null && (isScalar(old) || isMap(old))) {
    node.comment = old.comment;
    node.commentBefore = old.commentBefore;
  }
  pair.value = node;
}

// Whether a cached node holds `value` (Terraform's data). A number Terraform gave with more
// digits than a double keeps (a faithful scalar, see src/parse/numbers.ts) is compared by its
// digits, so that a change in the last digits is a change.
function holds(node: unknown, value: unknown): boolean {
  if (isScalar(value)) return isScalar(node) && numberText(node) === value.source;
  if (Array.isArray(value)) {
    return (
      isSeq(node) &&
      node.items.length === value.length &&
      value.every((item, i) => holds(node.items[i], item))
    );
  }
  if (isRecord(value)) {
    if (!isMap(node)) return false;
    const keys = Object.keys(value);
    if (node.items.length !== keys.length) return false;
    const pairs = new Map(node.items.map((pair) => [isScalar(pair.key) ? String(pair.key.value) : '', pair]));
    return keys.every((key) => pairs.has(key) && holds(pairs.get(key)?.value, value[key]));
  }
  if (isScalar(node)) return node.value === value;
  return (node === null || node === undefined) && value === null;
}
