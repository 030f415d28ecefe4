/**
 * Reading Terraform for `infra sync`: outputs, a local state file and a working folder's backend,
 * combined into one snapshot for {@link applyTerraformSync} (src/terraform/sync.ts).
 */

import { join } from 'node:path';
import { ExitCode } from '../errors.js';
import { localStatePath, parseBackendRecord, recordedWorkspace, remoteStatePath } from './backend.js';
import { STDIN_NAME, type TerraformBackend, TerraformError, type TerraformSnapshot } from './common.js';
import { readText, readTextIfExists, requireDirectory } from './files.js';
import { type OutputVisitor, parseOutputsJson } from './outputs.js';
import { parseTfstate, type TfstateData } from './tfstate.js';

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
  /**
   * A visitor of the outputs of `outputsFile`/`outputsText` as they are read, made afresh for
   * each reading (see {@link parseOutputsJson}): `infra sync` passes its size cap
   * (outputsCap, src/terraform/sync.ts), which ends the reading once the outputs would not fit.
   */
  watchOutputs?: () => OutputVisitor;
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
      outputs = parseOutputsJson(outputsText, STDIN_NAME, options.watchOutputs);
    } else {
      outputs = parseOutputsJson(
        await readText(outputsFile, cwd, 'check the --outputs path'),
        outputsFile,
        options.watchOutputs,
      );
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
