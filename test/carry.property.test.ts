// Issue 15, generated inputs: v1 files drawn from the v1 schema (test/helpers/v1-schema-files.ts)
// and from the era generator (test/helpers/v1-files.ts). For every file the schema accepts:
//   - the migration never refuses it and never reports a bug of its own (`output-invalid`,
//     `step-failed`): it writes valid v2, and migrating that again changes nothing;
//   - nothing is lost: an independent leaf tracer, written from the contract's key map and not from
//     the changes the migration reports, finds every leaf at its v2 place, in unrecognized, or in
//     the report's pruned list, with its exact text.
// K0RDENT_STATE_CARRY_CASES sets the number of cases of the first property on schema-drawn files
// (the stress suite: 10,000); the other properties run a quarter of that.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MigrationError, migrateParsed } from '../src/migrate/engine.js';
import { decodeStateBytes } from '../src/parse/decode.js';
import { detectVersion, parseState } from '../src/parse/parse.js';
import { validateParsed } from '../src/validate/validate.js';
import { lostLeaves } from './helpers/leaf-tracer.js';
import { v1File } from './helpers/v1-files.js';
import { v1SchemaFile } from './helpers/v1-schema-files.js';

const CASES = Number(process.env.K0RDENT_STATE_CARRY_CASES ?? '120') || 120;
const SEED = process.env.K0RDENT_STATE_PROPERTY_SEED;
// The first failure is reported as it is: shrinking generated files costs more than it tells.
const params = (runs: number): fc.Parameters<unknown> => ({
  numRuns: runs,
  endOnFailure: true,
  ...(SEED ? { seed: Number(SEED) } : {}),
});
const NOW = new Date('2026-01-01T00:00:00Z');
// Time allowed for a property: generous per case (a busy machine), never less than the default.
const TIMEOUT = Math.max(30_000, CASES * 200);

const fromSchema = v1SchemaFile;
const fromEras = v1File.map((file) => file.text);
const counts = { schema: { migrated: 0, refused: 0 }, eras: { migrated: 0, refused: 0 } };

/** Migrates a text the v1 schema accepts; a MigrationError of any kind fails the property. */
function migrateAccepted(text: string) {
  const decoded = decodeStateBytes(Buffer.from(text), 'state.yaml');
  const parsed = parseState(decoded.text, 'state.yaml');
  if (detectVersion(parsed) !== 1) return undefined;
  const errors = validateParsed(parsed, { version: 1 }).problems.filter((p) => p.severity === 'error');
  // Refused by the schema: a value of unknown meaning for a key the scripts branch on.
  if (errors.length > 0) return { refused: errors };
  try {
    const result = migrateParsed(parsed, decoded, { now: NOW, toolVersion: '0.0.0-test' });
    return { input: parseState(decoded.text, 'state.yaml'), result, decoded };
  } catch (error) {
    if (error instanceof MigrationError)
      throw new Error(`${error.code}: ${error.message}\n--- input ---\n${text}`, { cause: error });
    throw error;
  }
}

describe.each([
  ['the v1 schema', 'schema', fromSchema, CASES],
  ['the era generator', 'eras', fromEras, Math.ceil(CASES / 4)],
] as const)('v1 files from %s', (_name, source, arbitrary, runs) => {
  it(
    'are migrated to valid v2 whenever the v1 schema accepts them: never "output-invalid"',
    () => {
      fc.assert(
        fc.property(arbitrary, (text) => {
          const migrated = migrateAccepted(text);
          if (migrated === undefined) return;
          if ('refused' in migrated) {
            counts[source].refused++;
            // Only keys the scripts branch on are refused, each as a schema-enum / -type error.
            for (const problem of migrated.refused ?? [])
              expect(problem.code).toMatch(/^schema-(enum|type|pattern|min-length|const)$/);
            return;
          }
          counts[source].migrated++;
          const { result } = migrated;
          const output = parseState(result.text.replace(/^\ufeff/, ''), 'state.yaml');
          expect(
            validateParsed(output, { version: 2 }).problems.filter((p) => p.severity === 'error'),
          ).toEqual([]);
          const again = migrateParsed(output, decodeStateBytes(Buffer.from(result.text)), { now: NOW });
          expect(again.changed).toBe(false);
        }),
        params(runs),
      );
      // The property is about files the schema accepts: most generated files must be such files.
      expect(counts[source].migrated).toBeGreaterThan(counts[source].refused);
    },
    TIMEOUT,
  );

  it(
    'lose nothing: an independent tracer finds every v1 leaf at its v2 place, in unrecognized, or pruned',
    () => {
      fc.assert(
        fc.property(arbitrary, (text) => {
          const migrated = migrateAccepted(text);
          if (migrated === undefined || 'refused' in migrated) return;
          const { input, result } = migrated;
          const output = parseState(result.text.replace(/^\ufeff/, ''), 'state.yaml');
          // The report's pruned list: the one thing taken from the migration.
          const pruned = result.changes.filter((c) => c.op === 'prune').map((c) => c.from as string);
          expect(lostLeaves(input.doc, output.doc, pruned)).toEqual([]);
        }),
        params(Math.ceil(CASES / 4)),
      );
    },
    TIMEOUT,
  );
});

describe('the leaf tracer itself', () => {
  const migrateText = (text: string) => {
    const migrated = migrateAccepted(text);
    if (migrated === undefined || 'refused' in migrated) throw new Error('not migrated');
    return migrated;
  };
  const base =
    'deployment_id: "k0rdent-tracer01"\ncreated_at: "2025-07-01T10:00:00Z"\nlast_updated: "2025-07-19 12:00:00.5 +02"\nconfig: {wireguard_port: 0, build: 0x1F}\nkof_x: 1\n';

  it('finds moved, converted, carried and pruned leaves', () => {
    const { input, result } = migrateText(base);
    const output = parseState(result.text);
    expect(lostLeaves(input.doc, output.doc, ['kof_x'])).toEqual([]);
  });

  it('reports a leaf that is gone, one whose number was bent, and a time that moved in time', () => {
    const { input, result } = migrateText(base);
    const bent = parseState(
      result.text
        .replace('build: 0x1F', 'build: 31')
        .replace('"2025-07-19T10:00:00.5Z"', '"2025-07-19T10:00:00Z"')
        .replace(/ {2}config\.wireguard_port: 0\n/, ''),
    );
    expect(lostLeaves(input.doc, bent.doc, [])).toEqual([
      { path: 'last_updated', text: '2025-07-19 12:00:00.5 +02', why: 'found "2025-07-19T10:00:00Z"' },
      { path: 'config.wireguard_port', text: '0', why: 'found null' },
      { path: 'config.build', text: '0x1F', why: 'found "31"' },
      { path: 'kof_x', text: '1', why: 'not at its place, not in unrecognized, not pruned' },
    ]);
  });
});
