// The quick v1 validator (isValidV1: the v1 schema with the branches that cannot fail taken out,
// compiled without error collection; scripts/generate-types.mjs) against the full one
// (validateV1): the same verdict on every fixture, on files drawn from the schema and from the
// era generator, and on those files with values replaced by anything at any depth.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidV1, schemaV1, validateV1 } from '../src/generated/schemas.js';
import { parseState } from '../src/parse/parse.js';
import { schemaProblems } from '../src/validate/schema.js';
import { v1File } from './helpers/v1-files.js';
import { v1SchemaFile } from './helpers/v1-schema-files.js';
import { repoRoot } from './helpers.js';

type Data = Record<string, unknown>;
const isMap = (value: unknown): value is Data =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Every YAML fixture that parses, as data. */
function fixtureData(): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(repoRoot, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.yaml')) {
        try {
          out.push([path, parseState(readFileSync(join(repoRoot, path), 'utf8'), path).data]);
        } catch {
          // Not a state file the library reads (the hostile and invalid fixtures): nothing to compare.
        }
      }
    }
  };
  walk('fixtures');
  return out;
}

// Every key name the v1 schema knows, at any depth: the keys a replacement is most likely to break.
const SCHEMA_KEYS = (() => {
  const names = new Set<string>();
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (isMap(node)) {
      if (isMap(node.properties)) for (const name of Object.keys(node.properties)) names.add(name);
      Object.values(node).forEach(walk);
    }
  };
  walk(schemaV1);
  return [...names].sort();
})();

// Values of every kind, with the ones the v1 schema refuses somewhere (a boolean "maybe", a phase
// status 7, an overall status "aborted", schema_version 2, an empty deployment_id).
const ANYTHING = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    true,
    false,
    'true',
    'false',
    'maybe',
    '{}',
    '[]',
    '',
    'hub',
    'boss',
    'completed',
    'pending',
    'aborted',
    '2025-07-01T10:00:00Z',
    '2025-07-01 12:00:00 +02',
    '51846',
    7,
    0,
    1,
    2,
    -1,
    65536,
    1.5,
    2 ** 60,
    {},
    [],
    { status: 7 },
    { status: 'completed', updated_at: 'yesterday' },
    { ip: '10.0.0.1', keys_generated: 'maybe' },
    { azure_children: 'maybe', kof: true },
  ),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A copy of `data` with one value replaced (or added) at a random place, at any depth. */
const replaced = (data: unknown) =>
  fc
    .tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), fc.nat(), ANYTHING)
    .map(([route, k, value]) => {
      const copy = structuredClone(data);
      let node: unknown = copy;
      for (const step of route) {
        const keys = isMap(node) ? Object.keys(node) : Array.isArray(node) ? node.map((_, i) => i) : [];
        const child = keys.length > 0 ? (node as Data)[keys[step % keys.length] as string] : undefined;
        if (!isMap(child) && !Array.isArray(child)) break;
        node = child;
      }
      if (isMap(node)) node[SCHEMA_KEYS[k % SCHEMA_KEYS.length] as string] = value;
      else if (Array.isArray(node)) node[k % (node.length + 1)] = value;
      return copy;
    });

function same(data: unknown): boolean {
  const full = validateV1(data);
  expect(isValidV1(data), JSON.stringify(validateV1.errors?.slice(0, 3))).toBe(full);
  return full;
}

const dataOf = (text: string): unknown => {
  try {
    return parseState(text.replace(/^\ufeff/, ''), 'state.yaml').data;
  } catch {
    return undefined;
  }
};

describe('the quick v1 validator', () => {
  it('gives the full validator’s verdict on every fixture', () => {
    const fixtures = fixtureData();
    expect(fixtures.length).toBeGreaterThan(50);
    for (const [path, data] of fixtures) {
      expect(isValidV1(data), path).toBe(validateV1(data));
    }
  });

  it('gives the full validator’s verdict on generated files and on any value put anywhere in them', () => {
    const verdicts = { valid: 0, invalid: 0 };
    const files = fc.oneof(
      v1SchemaFile,
      v1File.map((file) => file.text),
    );
    fc.assert(
      fc.property(
        files.chain((text) => {
          const data = dataOf(text);
          return fc.tuple(fc.constant(data), replaced(data), replaced(data));
        }),
        (variants) => {
          for (const data of variants) {
            if (data === undefined) continue;
            verdicts[same(data) ? 'valid' : 'invalid']++;
          }
        },
      ),
      { numRuns: 300 },
    );
    // Both verdicts are reached often, so the comparison means something either way.
    expect(verdicts.valid).toBeGreaterThan(200);
    expect(verdicts.invalid).toBeGreaterThan(50);
  });

  it('is what schemaProblems asks first: a valid file has no problem, an invalid one all of its own', () => {
    const data = dataOf(readFileSync(join(repoRoot, 'fixtures/invalid/v1-bad-phase-status.yaml'), 'utf8'));
    expect(isValidV1(data)).toBe(false);
    expect(schemaProblems(data, 1).map((problem) => problem.code)).toContain('schema-enum');
  });
});

describe('quickSchema (scripts/generate-types.mjs)', () => {
  const load = async () =>
    (await import(pathToFileURL(join(repoRoot, 'scripts', 'generate-types.mjs')).href)) as {
      quickSchema: (schema: object) => Record<string, unknown>;
    };

  it('drops an anyOf with a branch that holds for everything, and the references to such a definition', async () => {
    const { quickSchema } = await load();
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'https://example.test/s.json',
      description: 'dropped',
      type: 'object',
      properties: {
        loose: { $ref: '#/$defs/loose' },
        alsoLoose: { anyOf: [{ type: 'string' }, { description: 'anything' }] },
        strict: { anyOf: [{ type: 'string' }, { type: 'null' }] },
        flag: { enum: [true, false] },
      },
      $defs: { loose: { anyOf: [{ type: 'integer' }, {}] } },
    };
    expect(quickSchema(schema)).toEqual({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'https://example.test/s.json',
      type: 'object',
      properties: {
        loose: true,
        alsoLoose: true,
        strict: { anyOf: [{ type: 'string' }, { type: 'null' }] },
        flag: { enum: [true, false] },
      },
      $defs: { loose: true },
    });
  });

  it('refuses a keyword it does not know, rather than guess what it asserts', async () => {
    const { quickSchema } = await load();
    expect(() => quickSchema({ type: 'object', unevaluatedProperties: false })).toThrow(
      'quickSchema does not know the keyword unevaluatedProperties',
    );
  });
});
