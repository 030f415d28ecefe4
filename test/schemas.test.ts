// The JSON Schemas compile strictly, are documented at every depth, and accept the bundled fixtures.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import * as addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { schemaV1, schemaV2 } from '../src/generated/schemas.js';
import { parseState } from '../src/parse/parse.js';
import { validateParsed } from '../src/validate/validate.js';
import { repoRoot } from './helpers.js';

// ajv-formats is CommonJS with `exports.default` (as in src/validate/schema.ts).
const addFormats = addFormatsModule.default as unknown as typeof addFormatsModule.default.default;

type Json = Record<string, unknown>;

const VERSIONS = [1, 2] as const;

function loadSchema(version: number): Json {
  return JSON.parse(
    readFileSync(join(repoRoot, 'schemas', `deployment-state.v${version}.schema.json`), 'utf8'),
  ) as Json;
}

function strictAjv() {
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
  addFormats(ajv);
  // The editors' hover text (VS Code's YAML extension); an annotation, not a JSON Schema keyword.
  ajv.addKeyword('markdownDescription');
  return ajv;
}

function fixtureFiles(folder: string): string[] {
  return readdirSync(join(repoRoot, 'fixtures', folder))
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => `fixtures/${folder}/${name}`);
}

const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Walks a schema through `properties`, `$defs`, `items`, `additionalProperties` (and the
 * combinators) and returns the path of every property or definition that has no description,
 * plus how many properties it saw.
 */
function undocumented(schema: Json): { missing: string[]; seen: string[] } {
  const missing: string[] = [];
  const seen: string[] = [];
  const walk = (node: unknown, path: string) => {
    if (!isObject(node)) return;
    for (const group of ['properties', '$defs', 'patternProperties']) {
      const members = node[group];
      if (!isObject(members)) continue;
      for (const [name, child] of Object.entries(members)) {
        const at = `${path}/${group}/${name}`;
        seen.push(at);
        if (!isObject(child) || typeof child.description !== 'string' || child.description.trim() === '') {
          missing.push(at);
        }
        walk(child, at);
      }
    }
    for (const key of ['items', 'additionalProperties', 'propertyNames', 'not', 'if', 'then', 'else']) {
      walk(node[key], `${path}/${key}`);
    }
    for (const key of ['anyOf', 'oneOf', 'allOf', 'prefixItems']) {
      const list = node[key];
      if (!Array.isArray(list)) continue;
      for (const [index, child] of list.entries()) walk(child, `${path}/${key}/${index}`);
    }
  };
  walk(schema, '');
  return { missing, seen };
}

describe.each(VERSIONS)('schema v%i', (version) => {
  const schema = loadSchema(version);

  it('compiles under ajv strict mode (Ajv2020 + ajv-formats, allowUnionTypes)', () => {
    expect(() => strictAjv().compile(schema)).not.toThrow();
  });

  it('has $schema, a stable $id and a title', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toMatch(new RegExp(`^https://\\S+/deployment-state\\.v${version}\\.schema\\.json$`));
    expect(schema.title).toEqual(expect.any(String));
    expect(schema.description).toEqual(expect.any(String));
  });

  it('documents every property at every depth', () => {
    const { missing, seen } = undocumented(schema);
    expect(missing).toEqual([]);
    // The walk really goes deep, not just over the top level.
    expect(seen.length).toBeGreaterThan(60);
    expect(seen.some((path) => path.split('/properties/').length > 3 || path.includes('/$defs/'))).toBe(true);
  });

  it('is what src/generated/schemas.ts exports', () => {
    expect(version === 1 ? schemaV1 : schemaV2).toEqual(schema);
  });

  it.each(fixtureFiles(`v${version}`))('accepts %s', (file) => {
    const parsed = parseState(readFileSync(join(repoRoot, file), 'utf8'), file);
    const result = validateParsed(parsed);
    expect(result.version).toBe(version);
    expect(result.problems.filter((problem) => problem.severity === 'error')).toEqual([]);
    expect(result.valid).toBe(true);
    // And against the raw schema, without the library in between.
    const validate = strictAjv().compile(schema);
    expect(validate(parsed.data), JSON.stringify(validate.errors)).toBe(true);
  });
});

describe('schema walker', () => {
  it('finds a property without a description', () => {
    const { missing } = undocumented({
      properties: { a: { description: 'ok', type: 'object', properties: { b: { type: 'string' } } } },
      $defs: { c: { type: 'object', additionalProperties: { properties: { d: { type: 'string' } } } } },
    });
    expect(missing).toEqual([
      '/properties/a/properties/b',
      '/$defs/c',
      '/$defs/c/additionalProperties/properties/d',
    ]);
  });
});

describe('v1 legacy booleans', () => {
  const validate = strictAjv().compile(loadSchema(1));
  const base = parseState(readFileSync(join(repoRoot, 'fixtures/v1/e5-deployer.yaml'), 'utf8')).data;

  // null is "not set" (issue 15: carry, don't block); a value of unknown meaning is refused.
  it.each([true, false, 'true', 'false', null])('accepts wg_vpn_connected: %j', (value) => {
    expect(validate({ ...base, wg_vpn_connected: value })).toBe(true);
  });

  it.each(['maybe', 'yes', 'True', 'FALSE', '', 1, 0])('rejects wg_vpn_connected: %j', (value) => {
    expect(validate({ ...base, wg_vpn_connected: value })).toBe(false);
    expect(validate.errors?.map((error) => error.instancePath)).toContain('/wg_vpn_connected');
  });

  it('accepts any wireguard_port: the migration carries one that is not a port (issue 15)', () => {
    const config = base.config as Json;
    for (const port of ['51846', 51846, null, 'abc', 0, -1, 1e20, 51846.5]) {
      expect(validate({ ...base, config: { ...config, wireguard_port: port } }), String(port)).toBe(true);
    }
  });

  it.each([7, 'running', 'aborted'])('rejects a phase status of unknown meaning: %j', (status) => {
    const phases = { install_k0s: { status } };
    expect(validate({ ...base, phases })).toBe(false);
    expect(validate.errors?.map((error) => error.instancePath)).toContain('/phases/install_k0s/status');
  });
});
