/**
 * Reading Terraform's view of the infrastructure (`terraform output -json`, a local state file, the
 * backend `terraform init` recorded) and caching it in a v2 state file's infrastructure layer
 * (`infra sync`).
 *
 * The parsers are pure (text in, data out); {@link readTerraform} does the file reading and
 * {@link applyTerraformSync} edits a `yaml` Document in place. No message or summary ever carries an
 * output's value, sensitive or not (only names), and secret backend settings are dropped on reading.
 */

import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { type Document, isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';
import { ExitCode, type SourcePosition, StateError } from '../errors.js';
import { ensureMap, findPair, keyName, rootMap, valueAt } from '../migrate/doc.js';
import { formatUtc } from '../migrate/times.js';
import { textPosition } from '../parse/decode.js';
import { keepJsonNumbers, numberText } from '../parse/numbers.js';
import { formatBytes, NotARegularFileError, readRegularFile } from '../read/read-file.js';
import { cleanBackendConfig } from '../secrets.js';

/** One Terraform output, as `terraform output -json` or a state file gives it. */
export interface TerraformOutput {
  /** The output's value (absent when Terraform recorded none). */
  value?: unknown;
  /** True when the output is declared `sensitive`. */
  sensitive: boolean;
  /** Terraform's type constraint of the value, e.g. `"string"` or `["list", "string"]`. */
  type?: unknown;
}

/** The Terraform backends `infra sync` understands. */
export type TerraformBackendType = 'local' | 'azurerm' | 's3';

/** A backend as `terraform init` recorded it, without null or secret settings. */
export interface TerraformBackend {
  /** Backend type. */
  type: TerraformBackendType;
  /** Its settings (e.g. storage_account_name, container_name, key), secrets removed. */
  config: Record<string, unknown>;
}

/** Everything one read of Terraform produced, ready for {@link applyTerraformSync}. */
export interface TerraformSnapshot {
  /** Outputs by name. */
  outputs: Record<string, TerraformOutput>;
  /** `terraform_version` of the state file read; null when no state file was read. */
  terraformVersion: string | null;
  /** Lineage of the state file read; null when no state file was read. */
  lineage: string | null;
  /** Serial of the state file read; null when no state file was read. */
  serial: number | null;
  /** sha256 (hex) of the state file's bytes; null when no state file was read. */
  stateSha256: string | null;
  /** Where the state lives: a local path, `azurerm://account/container/key` or `s3://bucket/key`. */
  statePath: string | null;
  /** The backend `terraform init` recorded; null when no Terraform folder was given. */
  backend: TerraformBackend | null;
}

/** What a local state file holds that `infra sync` uses. */
export interface TfstateData {
  /** Outputs by name. */
  outputs: Record<string, TerraformOutput>;
  /** Terraform version that wrote the state. */
  terraformVersion: string | null;
  /** The state's lineage (constant over the life of one state). */
  lineage: string | null;
  /** The state's serial (grows with every write). */
  serial: number | null;
  /** sha256 (hex) of the text's UTF-8 bytes. */
  stateSha256: string;
}

/** A Terraform input that cannot be used, or a sync that is refused. */
export class TerraformError extends StateError {
  constructor(
    code: string,
    message: string,
    options: { exitCode: number; file?: string; position?: SourcePosition; cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** The name standard input goes by in messages. */
export const STDIN_NAME = '<stdin>';

const OUTPUTS_FIX = 'pass what `terraform output -json` prints (run it in the Terraform folder)';
const TFSTATE_FIX = 'pass a Terraform state file (terraform.tfstate, or what `terraform state pull` prints)';
const BACKEND_FIX = 'run `terraform init` again in the Terraform folder';

/**
 * Parses what `terraform output -json` prints: `{"<name>": {"sensitive": bool, "type": ..., "value": ...}}`.
 * Throws `terraform-not-json` (with the line and column of the first error) when the text is not
 * JSON and `terraform-outputs-shape` when it is JSON of another shape (exit 3).
 */
export function parseOutputsJson(text: string, file: string): Record<string, TerraformOutput> {
  const data = parseJson(text, file, OUTPUTS_FIX, true);
  const shape = (message: string) =>
    new TerraformError('terraform-outputs-shape', message, { exitCode: ExitCode.unreadable, file });
  if (!isRecord(data)) {
    throw shape(`is a JSON ${jsonKind(data)}, not the object of outputs; ${OUTPUTS_FIX}`);
  }
  if (typeof data.version === 'number' && ('lineage' in data || 'backend' in data || 'resources' in data)) {
    throw shape(
      'is a Terraform state file, not what `terraform output -json` prints; pass it with --tfstate, or pass the Terraform folder with --terraform-dir',
    );
  }
  const outputs: [string, TerraformOutput][] = [];
  for (const [name, entry] of Object.entries(data)) {
    if (!isRecord(entry) || typeof entry.sensitive !== 'boolean' || !('value' in entry)) {
      throw shape(
        `has an output ${JSON.stringify(name)} that is not {"sensitive", "type", "value"} as \`terraform output -json\` prints it; ${OUTPUTS_FIX}`,
      );
    }
    outputs.push([name, toOutput(entry, entry.sensitive)]);
  }
  return Object.fromEntries(outputs);
}

/**
 * Parses a local Terraform state file (state format version 4, written by Terraform 0.12 and
 * later), reading `terraform_version`, `serial`, `lineage` and `outputs`. `stateSha256` is the
 * sha256 of the text's UTF-8 bytes, which are the file's bytes when it was read as UTF-8. Throws
 * `terraform-not-json`, `tfstate-version` (any other format version) or `tfstate-shape` (exit 3).
 */
export function parseTfstate(text: string, file: string): TfstateData {
  const stateSha256 = createHash('sha256').update(text, 'utf8').digest('hex');
  const data = parseJson(text, file, TFSTATE_FIX, true);
  const shape = (message: string) =>
    new TerraformError('tfstate-shape', message, { exitCode: ExitCode.unreadable, file });
  if (!isRecord(data)) throw shape(`is a JSON ${jsonKind(data)}, not a Terraform state file; ${TFSTATE_FIX}`);
  if (data.version === undefined) {
    const looksLikeOutputs =
      Object.keys(data).length > 0 &&
      Object.values(data).every((entry) => isRecord(entry) && 'sensitive' in entry && 'value' in entry);
    throw shape(
      looksLikeOutputs
        ? 'is what `terraform output -json` prints, not a state file; pass it with --outputs'
        : `has no "version", so it is not a Terraform state file; ${TFSTATE_FIX}`,
    );
  }
  if (data.version !== 4) {
    const found = typeof data.version === 'number' ? String(data.version) : JSON.stringify(data.version);
    const fix = isRecord(data.backend)
      ? 'this is the backend record `terraform init` writes in .terraform/: pass the Terraform folder with --terraform-dir'
      : typeof data.version === 'number' && data.version < 4
        ? 'upgrade it by running `terraform apply` with Terraform 0.12 or later, or pass `terraform output -json` with --outputs'
        : 'pass `terraform output -json` with --outputs instead';
    throw new TerraformError(
      'tfstate-version',
      `is Terraform state format version ${found}, but only format version 4 (Terraform 0.12 and later) is supported; ${fix}`,
      { exitCode: ExitCode.unreadable, file },
    );
  }
  const field = (name: string, ok: boolean, expected: string) => {
    if (!ok) throw shape(`has a "${name}" that is not ${expected}, so it is damaged; ${TFSTATE_FIX}`);
  };
  field(
    'terraform_version',
    data.terraform_version === undefined || typeof data.terraform_version === 'string',
    'a string',
  );
  field('lineage', data.lineage === undefined || typeof data.lineage === 'string', 'a string');
  field(
    'serial',
    data.serial === undefined ||
      (typeof data.serial === 'number' && Number.isSafeInteger(data.serial) && data.serial >= 0),
    'a whole number',
  );
  field(
    'outputs',
    data.outputs === undefined || data.outputs === null || isRecord(data.outputs),
    'an object',
  );
  const outputs: [string, TerraformOutput][] = [];
  for (const [name, entry] of Object.entries(isRecord(data.outputs) ? data.outputs : {})) {
    if (!isRecord(entry) || (entry.sensitive !== undefined && typeof entry.sensitive !== 'boolean')) {
      throw shape(
        `has an output ${JSON.stringify(name)} that is not {"value", "type", "sensitive"}, so it is damaged; ${TFSTATE_FIX}`,
      );
    }
    outputs.push([name, toOutput(entry, entry.sensitive === true)]);
  }
  return {
    outputs: Object.fromEntries(outputs),
    terraformVersion: typeof data.terraform_version === 'string' ? data.terraform_version : null,
    lineage: typeof data.lineage === 'string' ? data.lineage : null,
    serial: typeof data.serial === 'number' ? data.serial : null,
    stateSha256,
  };
}

/**
 * Parses the backend record `terraform init` writes to `.terraform/terraform.tfstate`
 * (`{"version": 3, "backend": {"type", "config", "hash"}}`). Supports the local, azurerm and s3
 * backends; any other type is refused with `terraform-backend-unsupported` (exit 1).
 *
 * Only settings with a non-null value are kept, and credentials are always removed, at any
 * depth, so they never reach the state file (the rule is `cleanBackendConfig` in src/secrets.ts):
 * the settings `access_key`, `secret_key`, `sas_token`, `token`, `client_secret`,
 * `client_certificate` (the certificate itself), `client_certificate_password`, `oidc_token`,
 * `oidc_request_token`, `web_identity_token`, `sse_customer_key`, `external_id` (of
 * `assume_role`), and anything else named `*_key`, `*password`, `*secret` or `*token`; the user
 * and password of any URL (`http_proxy`, `https_proxy`, `endpoints`, ...) and its signature
 * query parameters; the credential parts of a connection string (`AccountKey=`,
 * `SharedAccessSignature=`, ...). Paths to secrets (`client_certificate_path`,
 * `oidc_token_file_path`) and endpoints (`msi_endpoint`) are not secret and are kept.
 */
export function parseBackendRecord(text: string, file: string): TerraformBackend {
  const data = parseJson(text, file, BACKEND_FIX);
  const shape = (message: string) =>
    new TerraformError('terraform-backend-shape', message, { exitCode: ExitCode.unreadable, file });
  if (!isRecord(data) || !isRecord(data.backend) || typeof data.backend.type !== 'string') {
    throw shape(
      `has no "backend" with a "type", so it is not the backend record \`terraform init\` writes; ${BACKEND_FIX}`,
    );
  }
  const { type, config } = data.backend;
  if (type !== 'local' && type !== 'azurerm' && type !== 's3') {
    throw new TerraformError(
      'terraform-backend-unsupported',
      `records the ${JSON.stringify(type)} backend, but only local, azurerm and s3 are supported; pass what \`terraform output -json\` prints with --outputs instead of --terraform-dir`,
      { exitCode: ExitCode.invalid, file },
    );
  }
  if (config !== undefined && config !== null && !isRecord(config)) {
    throw shape(`has a backend "config" that is not an object; ${BACKEND_FIX}`);
  }
  return { type, config: isRecord(config) ? (cleanBackendConfig(config) as Record<string, unknown>) : {} };
}

/** Options of {@link readTerraform}; at least one source must be given. */
export interface ReadTerraformOptions {
  /** `--outputs FILE|-`: the JSON of `terraform output -json`; `-` means {@link outputsText}. */
  outputsFile?: string;
  /** The text of standard input, for `--outputs -`. */
  outputsText?: string;
  /** `--tfstate FILE`: a local state file (format version 4). */
  tfstateFile?: string;
  /** `--terraform-dir DIR`: the folder `terraform init` ran in. */
  terraformDir?: string;
  /**
   * The Terraform workspace (the CLI passes `TF_WORKSPACE`); default: the one recorded in
   * `DIR/.terraform/environment`, else `default`.
   */
  workspace?: string;
}

/**
 * Reads Terraform for `infra sync`. Paths are resolved against `cwd` but reported (and recorded as
 * `statePath`) as given.
 *
 * - `terraformDir`: the backend comes from `DIR/.terraform/terraform.tfstate` (when that file is
 *   absent, Terraform's implicit local backend). For local, the state file is `config.path`
 *   (default `terraform.tfstate`) in DIR, or `terraform.tfstate.d/<workspace>/terraform.tfstate`
 *   for another workspace. For azurerm and s3 the state is remote: outputs must come from
 *   `outputsFile` (or a pulled copy of the state from `tfstateFile`).
 * - `tfstateFile` overrides the state file the backend points to.
 * - Outputs from `outputsFile` win over those of the state file; the state file still gives the
 *   version, lineage, serial and checksum.
 *
 * `statePath` is the local state file, or `azurerm://<storage_account_name>/<container_name>/<key>`
 * or `s3://<bucket>/<key>` for a remote backend, or null when only outputs were given. Missing
 * files are `terraform-file-not-found` (exit 3); no source at all is `terraform-no-input` (exit 2).
 */
export async function readTerraform(options: ReadTerraformOptions, cwd: string): Promise<TerraformSnapshot> {
  const { outputsFile, outputsText, tfstateFile, terraformDir } = options;
  const outputsGiven = outputsFile !== undefined || outputsText !== undefined;
  if (!outputsGiven && tfstateFile === undefined && terraformDir === undefined) {
    throw new TerraformError(
      'terraform-no-input',
      'nothing to sync from: pass --outputs FILE|- (what `terraform output -json` prints), --tfstate FILE or --terraform-dir DIR',
      { exitCode: ExitCode.usage },
    );
  }

  let backend: TerraformBackend | null = null;
  let remotePath: string | null = null;
  let localStateFile: string | undefined;
  if (terraformDir !== undefined) {
    const recordFile = join(terraformDir, '.terraform', 'terraform.tfstate');
    const recordText = await readTextIfExists(
      recordFile,
      cwd,
      'run `terraform init` in the Terraform folder',
    );
    if (recordText === undefined) {
      await requireDirectory(terraformDir, cwd);
      // No backend block: `terraform init` records nothing and Terraform uses the local backend.
      backend = { type: 'local', config: {} };
    } else {
      backend = parseBackendRecord(recordText, recordFile);
    }
    const workspace = options.workspace ?? (await recordedWorkspace(terraformDir, cwd));
    if (backend.type === 'local') localStateFile = localStatePath(terraformDir, backend.config, workspace);
    else remotePath = remoteStatePath(backend, workspace);
  }

  let state: TfstateData | undefined;
  let statePath: string | null = remotePath;
  const stateFile = tfstateFile ?? localStateFile;
  if (stateFile !== undefined) {
    const fix =
      tfstateFile !== undefined
        ? 'check the --tfstate path'
        : 'the local backend keeps the state there: run `terraform apply` in the Terraform folder first, or check --terraform-dir';
    state = parseTfstate(await readText(stateFile, cwd, fix), stateFile);
    statePath ??= stateFile;
  } else if (remotePath !== null && !outputsGiven) {
    throw new TerraformError(
      'terraform-remote-state',
      `the ${backend?.type} backend keeps the state remotely (${remotePath}); pass what \`terraform output -json\` prints with --outputs, or a copy of the state (\`terraform state pull > FILE\`) with --tfstate`,
      { exitCode: ExitCode.usage, file: terraformDir },
    );
  }

  let outputs = state?.outputs ?? {};
  if (outputsGiven) {
    if (outputsFile === undefined || outputsFile === '-') {
      if (outputsText === undefined) {
        throw new TerraformError('terraform-no-input', '--outputs - needs the text of standard input', {
          exitCode: ExitCode.usage,
        });
      }
      outputs = parseOutputsJson(outputsText, STDIN_NAME);
    } else {
      outputs = parseOutputsJson(await readText(outputsFile, cwd, 'check the --outputs path'), outputsFile);
    }
  }

  return {
    outputs,
    terraformVersion: state?.terraformVersion ?? null,
    lineage: state?.lineage ?? null,
    serial: state?.serial ?? null,
    stateSha256: state?.stateSha256 ?? null,
    statePath,
    backend,
  };
}

/**
 * The backend and state location of an initialised Terraform folder (one where `terraform init`
 * ran: it has `.terraform/`), or undefined when the folder is not initialised. For
 * `init_deployment_state`, which records them in a new state file.
 */
export async function describeTerraformDir(
  terraformDir: string,
  cwd: string,
  workspace?: string,
): Promise<{ backend: TerraformBackend; statePath: string } | undefined> {
  const recordFile = join(terraformDir, '.terraform', 'terraform.tfstate');
  let recordText: string | undefined;
  try {
    recordText = await readTextIfExists(recordFile, cwd, 'run `terraform init` in the Terraform folder');
  } catch {
    return undefined;
  }
  if (recordText === undefined) {
    const initialised = await requireDirectory(join(terraformDir, '.terraform'), cwd).then(
      () => true,
      () => false,
    );
    if (!initialised) return undefined;
  }
  const backend: TerraformBackend =
    recordText === undefined ? { type: 'local', config: {} } : parseBackendRecord(recordText, recordFile);
  const space = workspace ?? (await recordedWorkspace(terraformDir, cwd));
  const statePath =
    backend.type === 'local'
      ? localStatePath(terraformDir, backend.config, space)
      : remoteStatePath(backend, space);
  return { backend, statePath };
}

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
  backendMigrated?: { from: string; to: string; fromPath: string | null; toPath: string | null };
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

/**
 * The one line a sync prints (output names only, never values): where it read from, how many
 * outputs, which were added, removed or changed, which are sensitive.
 */
// Output names for the one-line summary of a sync: the first 20, then how many in all (a sync of a
// million outputs must not print a million names).
function nameList(names: readonly string[]): string {
  const shown = 20;
  return names.length <= shown
    ? names.join(', ')
    : `${names.slice(0, shown).join(', ')}, ... (${names.length} in all)`;
}

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
  const stored = new Map(
    Object.entries(snapshot.outputs).map(([name, output]) => [
      name,
      storedValue(output, options.includeSensitive === true),
    ]),
  );
  if (options.maxBytes !== undefined) refuseOversizedOutputs(stored, options.maxBytes);
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
  const oldBackend = valueAt(doc, ['terraform_backend']) as { type?: unknown } | null | undefined;
  const oldPath = valueAt(doc, ['terraform_state_path']);
  let backendMigrated: SyncSummary['backendMigrated'];
  if (
    snapshot.backend &&
    oldBackend &&
    typeof oldBackend === 'object' &&
    typeof oldBackend.type === 'string' &&
    oldBackend.type !== snapshot.backend.type
  ) {
    // The state moved to another backend: the old location is kept, with when it was left.
    backendMigrated = {
      from: oldBackend.type,
      to: snapshot.backend.type,
      fromPath: typeof oldPath === 'string' ? oldPath : null,
      toPath: snapshot.statePath,
    };
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
    sensitive: Object.keys(snapshot.outputs).filter((name) => snapshot.outputs[name]?.sensitive === true),
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
export { isSensitiveOutput } from '../secrets.js';

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

// Each output takes at least its name and its value as JSON in the written YAML (the quotes and
// commas JSON has are outweighed by the indentation and line breaks YAML adds): when that alone is
// over the cap, the sync is refused before a million nodes are built for a file that would be.
function refuseOversizedOutputs(stored: ReadonlyMap<string, unknown>, maxBytes: number): void {
  let bytes = 0;
  for (const [name, value] of stored) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(JSON.stringify(value) ?? 'null');
    if (bytes > maxBytes) {
      throw new StateError(
        'result-too-large',
        `refused: the ${stored.size} outputs alone would make the state file over the ${formatBytes(maxBytes)} limit every command reads state files with, so nothing could read it afterwards; the file is unchanged (sync fewer outputs, or raise the limit with --max-size for every command)`,
        { exitCode: ExitCode.invalid },
      );
    }
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

// ---------------------------------------------------------------------------------------------
// Backend helpers

function localStatePath(dir: string, config: Record<string, unknown>, workspace: string): string {
  if (workspace !== 'default') {
    const workspaceDir =
      typeof config.workspace_dir === 'string' ? config.workspace_dir : 'terraform.tfstate.d';
    return inDir(dir, join(workspaceDir, workspace, 'terraform.tfstate'));
  }
  return inDir(dir, typeof config.path === 'string' ? config.path : 'terraform.tfstate');
}

// Terraform resolves the local backend's paths against the folder it runs in.
function inDir(dir: string, path: string): string {
  return isAbsolute(path) ? path : join(dir, path);
}

function remoteStatePath(backend: TerraformBackend, workspace: string): string {
  const setting = (name: string) =>
    typeof backend.config[name] === 'string' ? (backend.config[name] as string) : '?';
  const key = setting('key');
  if (backend.type === 'azurerm') {
    // The azurerm backend stores a non-default workspace as `<key>env:<workspace>`.
    const blob = workspace === 'default' ? key : `${key}env:${workspace}`;
    return `azurerm://${setting('storage_account_name')}/${setting('container_name')}/${blob}`;
  }
  // The s3 backend stores a non-default workspace under `<workspace_key_prefix>/<workspace>/<key>`.
  const prefix =
    typeof backend.config.workspace_key_prefix === 'string' ? backend.config.workspace_key_prefix : 'env:';
  const object = workspace === 'default' ? key : `${prefix}/${workspace}/${key}`;
  return `s3://${setting('bucket')}/${object}`;
}

async function recordedWorkspace(dir: string, cwd: string): Promise<string> {
  const text = await readTextIfExists(
    join(dir, '.terraform', 'environment'),
    cwd,
    'it should name the selected workspace: run `terraform workspace select NAME` again',
  );
  const name = text?.trim();
  return name ? name : 'default';
}

// ---------------------------------------------------------------------------------------------
// Reading

/** Largest Terraform file read, and largest standard input (a big state is a few tens of MB). */
export const TERRAFORM_MAX_BYTES = 256 * 1024 * 1024;
const MAX_BYTES = TERRAFORM_MAX_BYTES;

async function readText(file: string, cwd: string, fix: string): Promise<string> {
  const text = await readTextIfExists(file, cwd, fix);
  if (text === undefined) {
    throw new TerraformError('terraform-file-not-found', `no such file; ${fix}`, {
      exitCode: ExitCode.unreadable,
      file,
    });
  }
  return text;
}

async function readTextIfExists(file: string, cwd: string, fix: string): Promise<string | undefined> {
  const path = resolve(cwd, file);
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(path, MAX_BYTES);
  } catch (error) {
    if (error instanceof NotARegularFileError) {
      if (error.reason === 'too-large') {
        throw new TerraformError(
          'terraform-file-too-large',
          `is over ${MAX_BYTES / 1024 / 1024} MiB; ${fix}`,
          {
            exitCode: ExitCode.unreadable,
            file,
          },
        );
      }
      // A FIFO (`--outputs <(terraform output -json)`) or a device is never read: it could
      // block for ever or never end. Standard input is read with a cap instead.
      throw new TerraformError(
        'terraform-not-a-file',
        error.reason === 'directory'
          ? `is a directory, not a file; ${fix}`
          : `is ${error.kind}, not a regular file; pipe it instead (terraform output -json | k0rdent-state infra sync --outputs -), or ${fix}`,
        { exitCode: ExitCode.unreadable, file },
      );
    }
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new TerraformError(
      'terraform-read-failed',
      code === 'EACCES' || code === 'EPERM'
        ? 'permission denied; run as the user that ran terraform'
        : `cannot be read (${code ?? String(error)})`,
      { exitCode: ExitCode.unreadable, file, cause: error },
    );
  }
  return decode(bytes, file);
}

async function requireDirectory(dir: string, cwd: string): Promise<void> {
  try {
    if ((await stat(resolve(cwd, dir))).isDirectory()) return;
  } catch {
    // Reported below.
  }
  throw new TerraformError(
    'terraform-file-not-found',
    'no such folder; pass the folder `terraform init` ran in with --terraform-dir',
    { exitCode: ExitCode.unreadable, file: dir },
  );
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decode(bytes: Buffer, file: string): string {
  // PowerShell 5 redirects `terraform output -json > FILE` as UTF-16LE with a byte-order mark.
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes);
  try {
    return utf8.decode(bytes);
  } catch (error) {
    throw new TerraformError(
      'terraform-not-utf8',
      'is not UTF-8 text, so it is not JSON from Terraform; regenerate it',
      {
        exitCode: ExitCode.unreadable,
        file,
        cause: error,
      },
    );
  }
}

// ---------------------------------------------------------------------------------------------
// JSON

// With `keepNumbers`, outputs' numbers keep their digits (see keepJsonNumbers).
function parseJson(text: string, file: string, fix: string, keepNumbers = false): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') {
    throw new TerraformError('terraform-not-json', `is empty, not JSON; ${fix}`, {
      exitCode: ExitCode.unreadable,
      file,
    });
  }
  try {
    const data: unknown = JSON.parse(body);
    return keepNumbers ? keepJsonNumbers(body, data) : data;
  } catch (error) {
    const found = jsonError(body);
    // `name = value` lines are what plain `terraform output` prints.
    const reason = /^\s*[A-Za-z_][\w-]*\s+=\s/.test(body)
      ? 'it looks like what plain `terraform output` prints'
      : (found?.reason ?? 'it cannot be parsed');
    throw new TerraformError('terraform-not-json', `is not JSON: ${reason}; ${fix}`, {
      exitCode: ExitCode.unreadable,
      file,
      position: found ? textPosition(body, found.offset) : undefined,
      cause: error,
    });
  }
}

/**
 * Where and why a text is not JSON, for a message that must not quote it (it may hold a secret):
 * e.g. `unterminated string at line 1, column 12`. Undefined when the text is JSON (or too deeply
 * nested to scan).
 */
export function describeJsonError(text: string): string | undefined {
  const found = jsonError(text);
  if (!found) return undefined;
  const { line, col } = textPosition(text, found.offset);
  return `${found.reason} at line ${line}, column ${col}`;
}

/**
 * Finds where and why a text that JSON.parse refused is not JSON. V8's messages differ between
 * Node.js versions and do not always give a position, so the text is scanned again here; values
 * are never quoted, as they may be secrets.
 */
class Stop {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {}
}

function jsonError(text: string): { offset: number; reason: string } | undefined {
  let i = 0;
  const fail = (reason: string, at = i): never => {
    throw new Stop(at, reason);
  };
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail('unexpected character where a value should be');
  };
  const string = () => {
    i++;
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail(c === 0x0a ? 'line break inside a string' : 'control character inside a string');
      if (c === 0x5c) {
        const next = text[i + 1] ?? '';
        if ('"\\/bfnrt'.includes(next) && next !== '') i += 2;
        else if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else fail('invalid escape in a string');
      } else {
        i++;
      }
    }
  };
  const number = () => {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!match) fail('invalid number');
    i += (match as RegExpExecArray)[0].length;
  };
  const value = (): void => {
    space();
    if (i >= text.length) fail('unexpected end of input');
    const c = text[i] as string;
    if (c === '{') object();
    else if (c === '[') array();
    else if (c === '"') string();
    else if (c === '-' || (c >= '0' && c <= '9')) number();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else if (c === "'") fail('single quotes; JSON strings take double quotes');
    else fail('unexpected character where a value should be');
  };
  const object = () => {
    i++;
    space();
    if (text[i] === '}') {
      i++;
      return;
    }
    for (;;) {
      space();
      if (text[i] !== '"')
        fail(i >= text.length ? 'unexpected end of input' : 'expected a property name in double quotes');
      string();
      space();
      if (text[i] !== ':')
        fail(i >= text.length ? 'unexpected end of input' : "expected ':' after a property name");
      i++;
      value();
      space();
      if (text[i] === ',') {
        i++;
        space();
        if (text[i] === '}') fail("trailing comma before '}'");
        continue;
      }
      if (text[i] === '}') {
        i++;
        return;
      }
      fail(i >= text.length ? 'unexpected end of input' : "expected ',' or '}' after a property value");
    }
  };
  const array = () => {
    i++;
    space();
    if (text[i] === ']') {
      i++;
      return;
    }
    for (;;) {
      value();
      space();
      if (text[i] === ',') {
        i++;
        space();
        if (text[i] === ']') fail("trailing comma before ']'");
        continue;
      }
      if (text[i] === ']') {
        i++;
        return;
      }
      fail(i >= text.length ? 'unexpected end of input' : "expected ',' or ']' after an element");
    }
  };
  try {
    value();
    space();
    if (i < text.length) fail('more text after the JSON value');
    return undefined;
  } catch (error) {
    if (error instanceof Stop) return { offset: Math.min(error.offset, text.length), reason: error.reason };
    // Too deeply nested to scan: report without a position.
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function toOutput(entry: Record<string, unknown>, sensitive: boolean): TerraformOutput {
  const output: TerraformOutput = { sensitive };
  if ('value' in entry) output.value = entry.value;
  if ('type' in entry) output.type = entry.type;
  return output;
}
