/**
 * The Terraform backend: the record `terraform init` writes to `.terraform/` (`infra sync
 * --terraform-dir DIR`), where it keeps the state of a workspace, and whether a sync finds the
 * backend changed since the last one.
 */

import { isAbsolute, join } from 'node:path';
import { ExitCode } from '../errors.js';
import { cleanBackendConfig } from '../secrets.js';
import {
  isRecord,
  parseJson,
  type TerraformBackend,
  TerraformError,
  type TerraformSnapshot,
} from './common.js';
import { readTextIfExists, requireDirectory } from './files.js';

const BACKEND_FIX = 'run `terraform init` again in the Terraform folder';

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

/** A change of Terraform backend a sync found (a local state migrated to azurerm or s3). */
export interface BackendMigration {
  /** The backend type recorded before. */
  from: string;
  /** The backend type just read. */
  to: string;
  /** The `terraform_state_path` recorded before. */
  fromPath: string | null;
  /** The state path just read. */
  toPath: string | null;
}

/**
 * Whether the backend just read (`snapshot`) is of another type than the one a state file
 * recorded (`terraform_backend`, `terraform_state_path`): undefined when it is the same, or
 * either is unknown.
 */
export function backendChange(
  oldBackend: unknown,
  oldPath: unknown,
  snapshot: TerraformSnapshot,
): BackendMigration | undefined {
  if (
    snapshot.backend &&
    oldBackend &&
    typeof oldBackend === 'object' &&
    'type' in oldBackend &&
    typeof oldBackend.type === 'string' &&
    oldBackend.type !== snapshot.backend.type
  ) {
    return {
      from: oldBackend.type,
      to: snapshot.backend.type,
      fromPath: typeof oldPath === 'string' ? oldPath : null,
      toPath: snapshot.statePath,
    };
  }
  return undefined;
}

/** The local state file of `workspace` in the Terraform folder `dir` (local backend `config`). */
export function localStatePath(dir: string, config: Record<string, unknown>, workspace: string): string {
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

/** Where a remote backend keeps the state of `workspace`: `azurerm://...` or `s3://...`. */
export function remoteStatePath(backend: TerraformBackend, workspace: string): string {
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

/** The workspace `terraform workspace select` recorded in `DIR/.terraform/environment`, else `default`. */
export async function recordedWorkspace(dir: string, cwd: string): Promise<string> {
  const text = await readTextIfExists(
    join(dir, '.terraform', 'environment'),
    cwd,
    'it should name the selected workspace: run `terraform workspace select NAME` again',
  );
  const name = text?.trim();
  return name ? name : 'default';
}
