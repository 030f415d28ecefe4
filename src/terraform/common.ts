/**
 * What the Terraform readers share: the shapes they produce (an output, a backend, a snapshot),
 * their error, the name of standard input in messages, the size cap, and JSON parsing with the
 * place of a syntax error (src/parse/json-error.ts).
 */

import { ExitCode, type SourcePosition, StateError } from '../errors.js';
import { textPosition } from '../parse/decode.js';
import { findJsonError } from '../parse/json-error.js';
import { keepJsonNumbers } from '../parse/numbers.js';

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

/** Largest Terraform file read, and largest standard input (a big state is a few tens of MB). */
export const TERRAFORM_MAX_BYTES = 256 * 1024 * 1024;

/**
 * Parses the JSON of a Terraform file, refusing with `terraform-not-json` (exit 3; the line and
 * column of the first syntax error, never the text) empty text and text that is not JSON. A leading
 * byte-order mark is skipped. With `keepNumbers`, outputs' numbers keep their digits (see
 * keepJsonNumbers).
 */
export function parseJson(text: string, file: string, fix: string, keepNumbers = false): unknown {
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
    const found = findJsonError(body);
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

/** True for a JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** What a JSON value is, for a message: `null`, `array`, or its `typeof`. */
export function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** An output as `{sensitive, value?, type?}` from an entry of Terraform's JSON. */
export function toOutput(entry: Record<string, unknown>, sensitive: boolean): TerraformOutput {
  const output: TerraformOutput = { sensitive };
  if ('value' in entry) output.value = entry.value;
  if ('type' in entry) output.type = entry.type;
  return output;
}

/**
 * The outputs of `source`, an object of freshly parsed Terraform JSON (name → entry), as
 * {@link TerraformOutput}s by name. `sensitiveOf` says whether an entry is sensitive, or undefined
 * when the entry is not an output at all; then `refuse(name)` is thrown. `source` itself is
 * returned, each entry that is not already exactly an output replaced by {@link toOutput}'s copy:
 * a million outputs are not copied into a second million objects.
 */
export function collectOutputs(
  source: Record<string, unknown>,
  sensitiveOf: (entry: Record<string, unknown>) => boolean | undefined,
  refuse: (name: string) => Error,
): Record<string, TerraformOutput> {
  for (const name of Object.keys(source)) {
    const entry = source[name];
    const sensitive = isRecord(entry) ? sensitiveOf(entry) : undefined;
    if (sensitive === undefined) throw refuse(name);
    const output = asOutput(entry as Record<string, unknown>, sensitive);
    if (output !== entry) {
      // defineProperty, as JSON.parse: `__proto__` is an own key, not the prototype.
      Object.defineProperty(source, name, {
        value: output,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return source as Record<string, TerraformOutput>;
}

/**
 * An entry of Terraform's parsed JSON as a {@link TerraformOutput}: the entry itself when it
 * already is exactly one (the usual case), else {@link toOutput}'s copy.
 */
export function asOutput(entry: Record<string, unknown>, sensitive: boolean): TerraformOutput {
  if (entry.sensitive !== sensitive || Object.getPrototypeOf(entry) !== Object.prototype) {
    return toOutput(entry, sensitive);
  }
  for (const key in entry) {
    if (key !== 'value' && key !== 'type' && key !== 'sensitive') return toOutput(entry, sensitive);
  }
  return entry as unknown as TerraformOutput;
}
