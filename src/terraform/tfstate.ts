/** The reader of a local Terraform state file, state format version 4 (`infra sync --tfstate FILE`). */

import { createHash } from 'node:crypto';
import { ExitCode } from '../errors.js';
import {
  collectOutputs,
  isRecord,
  jsonKind,
  parseJson,
  TerraformError,
  type TerraformOutput,
} from './common.js';

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

const TFSTATE_FIX = 'pass a Terraform state file (terraform.tfstate, or what `terraform state pull` prints)';

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
  const outputs = collectOutputs(
    isRecord(data.outputs) ? data.outputs : {},
    (entry) =>
      entry.sensitive === undefined || typeof entry.sensitive === 'boolean'
        ? entry.sensitive === true
        : undefined,
    (name) =>
      shape(
        `has an output ${JSON.stringify(name)} that is not {"value", "type", "sensitive"}, so it is damaged; ${TFSTATE_FIX}`,
      ),
  );
  return {
    outputs,
    terraformVersion: typeof data.terraform_version === 'string' ? data.terraform_version : null,
    lineage: typeof data.lineage === 'string' ? data.lineage : null,
    serial: typeof data.serial === 'number' ? data.serial : null,
    stateSha256,
  };
}
