/** The reader of what `terraform output -json` prints (`infra sync --outputs FILE|-`). */

import { ExitCode } from '../errors.js';
import { isRecord, jsonKind, parseJson, TerraformError, type TerraformOutput, toOutput } from './common.js';

const OUTPUTS_FIX = 'pass what `terraform output -json` prints (run it in the Terraform folder)';

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
