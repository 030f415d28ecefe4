import { ExitCode, UsageError } from '../errors.js';
import { schemaV1, schemaV2 } from '../generated/schemas.js';
import { LATEST_VERSION } from '../version.js';
import type { CliIO } from './io.js';

/** The JSON Schema of each format version, as `schemas/deployment-state.vN.schema.json` holds it. */
export const SCHEMA_BY_VERSION: Readonly<Record<number, object>> = { 1: schemaV1, 2: schemaV2 };

/** Reads `v1`, `v2`, `1`, `2` or `latest` as a format version. */
export function schemaVersionArgument(value: string | undefined): number {
  const text = (value ?? 'latest').trim().toLowerCase();
  if (text === 'latest') return LATEST_VERSION;
  const match = /^v?(\d+)$/.exec(text);
  const version = match ? Number(match[1]) : Number.NaN;
  if (!SCHEMA_BY_VERSION[version]) {
    throw new UsageError(
      `no schema for ${JSON.stringify(value)}; the versions are ${Object.keys(SCHEMA_BY_VERSION)
        .map((v) => `v${v}`)
        .join(', ')} (latest: v${LATEST_VERSION})`,
    );
  }
  return version;
}

/** The `schema` command: prints the JSON Schema of a format version, for editors and other tools. */
export function schemaCommand(options: { version?: string }, io: CliIO): number {
  const version = schemaVersionArgument(options.version);
  io.stdout(`${JSON.stringify(SCHEMA_BY_VERSION[version], null, 2)}\n`);
  return ExitCode.ok;
}
