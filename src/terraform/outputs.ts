/** The reader of what `terraform output -json` prints (`infra sync --outputs FILE|-`). */

import { ExitCode } from '../errors.js';
import { forEachJsonMember } from '../parse/json-members.js';
import { keepJsonNumbers } from '../parse/numbers.js';
import {
  asOutput,
  collectOutputs,
  isRecord,
  jsonKind,
  parseJson,
  TerraformError,
  type TerraformOutput,
} from './common.js';

const OUTPUTS_FIX = 'pass what `terraform output -json` prints (run it in the Terraform folder)';

/**
 * Sees each output as it is read; it may throw to stop the reading (the size cap of `infra sync`).
 */
export type OutputVisitor = (name: string, output: TerraformOutput) => void;

// Thrown inside the member scan when the text needs the whole-text reader.
const WHOLE_TEXT = Symbol('whole text');

// True for an entry as `terraform output -json` prints it; its sensitivity is `entry.sensitive`.
function isPrinted(entry: unknown): entry is Record<string, unknown> & { sensitive: boolean } {
  return isRecord(entry) && typeof entry.sensitive === 'boolean' && 'value' in entry;
}

/**
 * Parses what `terraform output -json` prints: `{"<name>": {"sensitive": bool, "type": ..., "value": ...}}`.
 * Throws `terraform-not-json` (with the line and column of the first error) when the text is not
 * JSON and `terraform-outputs-shape` when it is JSON of another shape (exit 3).
 *
 * `watch`, when given, makes a visitor for each reading of the text, which sees every output once,
 * in the order written, before the next is read: an exception it throws (the size cap of
 * `infra sync`) ends the reading there, and the rest of the text is not read at all, so it is not
 * checked either. The usual text is read one output at a time (src/parse/json-members.ts); a text
 * with anything unusual in it (an error, a repeated name, an entry of another shape) is then read
 * again whole, with a new visitor.
 */
export function parseOutputsJson(
  text: string,
  file: string,
  watch?: () => OutputVisitor,
): Record<string, TerraformOutput> {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const outputs: Record<string, TerraformOutput> = {};
  const visit = watch?.();
  let read = false;
  try {
    read = forEachJsonMember(body, (name, entry, entryText) => {
      if (!isPrinted(entry) || Object.hasOwn(outputs, name)) throw WHOLE_TEXT;
      const output = asOutput(keepJsonNumbers(entryText, entry) as Record<string, unknown>, entry.sensitive);
      // defineProperty, as JSON.parse: `__proto__` is an own key, not the prototype.
      Object.defineProperty(outputs, name, {
        value: output,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      visit?.(name, output);
    });
  } catch (error) {
    if (error !== WHOLE_TEXT) throw error;
  }
  if (read) return outputs;
  const whole = parseWhole(text, file);
  const again = watch?.();
  if (again) for (const name of Object.keys(whole)) again(name, whole[name] as TerraformOutput);
  return whole;
}

function parseWhole(text: string, file: string): Record<string, TerraformOutput> {
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
  return collectOutputs(
    data,
    (entry) => (isPrinted(entry) ? entry.sensitive : undefined),
    (name) =>
      shape(
        `has an output ${JSON.stringify(name)} that is not {"sensitive", "type", "value"} as \`terraform output -json\` prints it; ${OUTPUTS_FIX}`,
      ),
  );
}
