#!/usr/bin/env node
// Generates src/generated/ from schemas/: TypeScript types (json-schema-to-typescript), and the
// schemas as importable modules together with their validators, compiled here by ajv (standalone
// code) so that no schema is compiled at run time. `--check` compares instead of writing and
// exits 1 when stale, `--out DIR` writes or checks another folder (used by the staleness test).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import standaloneCode from 'ajv/dist/standalone/index.js';
import addFormats from 'ajv-formats';
import { compile } from 'json-schema-to-typescript';

/**
 * The ajv options of the validators: every error, strict schemas, verbose errors (messages quote
 * the value and read the failing schema's pattern and properties).
 */
export const AJV_OPTIONS = { allErrors: true, strict: true, allowUnionTypes: true, verbose: true };

/**
 * The options of the quick validators (`isValidV1`), compiled from {@link quickSchema}: they answer
 * only whether data is valid, and stop at the first problem. The full validators collect every
 * error, so each anyOf evaluates all its branches and builds an error object for every branch a
 * valid value does not take (a text is not a number, not null, ...); validity does not depend on
 * it, so callers ask the quick one first and the full one only for a file that fails.
 */
export const QUICK_AJV_OPTIONS = {
  allErrors: false,
  strict: true,
  allowUnionTypes: true,
  verbose: false,
  messages: false,
};

/**
 * The versions that get a quick validator: v1, which `validate` checks by the thousand in
 * pre-commit hooks and CI. (v2 files are checked one at a time, mostly on a write, where a
 * second validator would only add code to load.)
 */
export const QUICK_VERSIONS = [1];

/** Keywords of the schemas that only annotate (for editors), which strict mode must know. */
export const ANNOTATIONS = ['markdownDescription'];

// Keywords that only annotate: a schema of these alone holds for every value.
const NON_ASSERTIONS = new Set([
  '$schema',
  '$id',
  '$comment',
  'title',
  'description',
  'default',
  'examples',
  'deprecated',
  'readOnly',
  'writeOnly',
  ...ANNOTATIONS,
]);
// Keywords whose value is a schema, a list of schemas, or a map of names to schemas.
const ONE_SCHEMA = new Set([
  'additionalProperties',
  'items',
  'not',
  'propertyNames',
  'contains',
  'if',
  'then',
  'else',
]);
const SCHEMA_LISTS = new Set(['anyOf', 'allOf', 'oneOf', 'prefixItems']);
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'dependentSchemas']);
// Keywords that assert without holding a schema.
const PLAIN_ASSERTIONS = new Set([
  '$ref',
  'type',
  'enum',
  'const',
  'required',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'dependentRequired',
]);

/**
 * The schema the quick validator is compiled from: the same validity with the branches that
 * cannot fail taken out. An `anyOf` with a branch that holds for every value (the v1 schema's
 * "carry, don't block" branches: `{}`, or a description alone) holds for every value, so it is
 * dropped, and a schema left with no assertion becomes `true` (annotations change no verdict and
 * are left out). ajv cannot drop such an anyOf
 * itself: under draft 2020-12 it evaluates every branch for the annotations unevaluatedProperties
 * would read, which these schemas do not use (a keyword this function does not know stops the
 * generation, so a new one is looked at before it is simplified).
 */
export function quickSchema(schema) {
  const defs = schema.$defs ?? {};
  const trivial = new Set();
  // A $ref to a definition that holds for every value holds too (definitions first, to a fixpoint).
  const simpleDefs = {};
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, def] of Object.entries(defs)) {
      const simple = simplify(def, trivial);
      simpleDefs[name] = simple;
      if (simple === true && !trivial.has(`#/$defs/${name}`)) {
        trivial.add(`#/$defs/${name}`);
        changed = true;
      }
    }
  }
  const root = simplify({ ...schema, $defs: undefined }, trivial);
  if (root === true) throw new Error('the quick schema holds for everything: nothing to check');
  return { $schema: schema.$schema, $id: schema.$id, ...root, $defs: simpleDefs };
}

function simplify(schema, trivialRefs) {
  if (typeof schema === 'boolean') return schema;
  const out = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (value === undefined) continue;
    // Annotations are left out: they change no verdict, and would only make the code larger.
    if (NON_ASSERTIONS.has(keyword)) continue;
    if (PLAIN_ASSERTIONS.has(keyword)) out[keyword] = value;
    else if (ONE_SCHEMA.has(keyword)) out[keyword] = simplify(value, trivialRefs);
    else if (SCHEMA_LISTS.has(keyword)) out[keyword] = value.map((branch) => simplify(branch, trivialRefs));
    else if (SCHEMA_MAPS.has(keyword))
      out[keyword] = Object.fromEntries(
        Object.entries(value).map(([name, child]) => [name, simplify(child, trivialRefs)]),
      );
    else throw new Error(`quickSchema does not know the keyword ${keyword}`);
  }
  if (out.anyOf?.some((branch) => branch === true)) delete out.anyOf;
  if (typeof out.$ref === 'string' && trivialRefs.has(out.$ref)) delete out.$ref;
  return Object.keys(out).length === 0 ? true : out;
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const banner = (source) =>
  `/* Generated by scripts/generate-types.mjs from ${source}. Do not edit: run \`npm run generate\`. */`;

/**
 * Builds every generated file: a map from path (relative to the output folder) to content. Each
 * version's schema and validator are modules of their own, so that a command loads only the
 * ones it needs (a query reads no schema; a change to a v2 file loads no v1 validator);
 * schemas.ts gathers them for the library's API.
 */
export async function generateAll() {
  const files = {};
  const index = [banner('schemas/*.schema.json'), ''];
  for (const version of [1, 2]) {
    const source = `schemas/deployment-state.v${version}.schema.json`;
    const schema = JSON.parse(await readFile(join(root, source), 'utf8'));
    const ts = await compile(structuredClone(schema), `DeploymentStateV${version}`, {
      bannerComment: banner(source),
      additionalProperties: false,
      unreachableDefinitions: false,
      format: true,
      strictIndexSignatures: false,
      cwd: join(root, 'schemas'),
    });
    files[`deployment-state.v${version}.ts`] = await prettierLike(ts);
    files[`schema-v${version}.ts`] = [
      banner(source),
      '',
      `/** JSON Schema of deployment-state v${version}. */`,
      `export const schemaV${version} = ${JSON.stringify(schema, null, 2)} as const;`,
      '',
    ].join('\n');
    files[`validate-v${version}.ts`] = validatorCode(version, schema, source);
    index.push(
      `export { schemaV${version} } from './schema-v${version}.js';`,
      QUICK_VERSIONS.includes(version)
        ? `export { isValidV${version}, validateV${version} } from './validate-v${version}.js';`
        : `export { validateV${version} } from './validate-v${version}.js';`,
    );
  }
  index.push("export type { CompiledValidator } from './validator.js';");
  files['schemas.ts'] = `${index.join('\n')}\n`;
  files['validator.ts'] = [
    banner('schemas/*.schema.json'),
    "import type { ErrorObject } from 'ajv';",
    '',
    '/** A compiled schema validator: true when `data` is valid; else `errors` lists why. */',
    'export type CompiledValidator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };',
    '',
  ].join('\n');
  return files;
}

/**
 * The validator of one version as ajv standalone code (`validateV1` or `validateV2`), made an ES
 * module: ajv's runtime helpers are loaded with a `require` made by createRequire, which works the
 * same under Node.js and under the test runner's module loader (the bundle uses its own).
 */
function validatorCode(version, schema, source) {
  const name = `validateV${version}`;
  const quickName = `isValidV${version}`;
  const full = standalone(AJV_OPTIONS, schema, name);
  const quick = QUICK_VERSIONS.includes(version)
    ? standalone(QUICK_AJV_OPTIONS, quickSchema(schema), quickName)
    : undefined;
  return [
    // ajv's generated JavaScript is not typed.
    '// @ts-nocheck',
    banner(source),
    "import { createRequire } from 'node:module';",
    "// The bundle (scripts/bundle.mjs) drops the next line: ajv's helpers are bundled then.",
    'const require = createRequire(import.meta.url);',
    '',
    "import type { CompiledValidator } from './validator.js';",
    '',
    'let compiled;',
    '',
    `/**`,
    ` * Validator of deployment-state v${version} (ajv standalone code; options in scripts/generate-types.mjs),`,
    ` * built on its first call: a command that never checks a v${version} file never runs its code. Like`,
    ` * ajv's functions, it returns true or false and leaves the problems in \`${name}.errors\`. Its type`,
    ` * is declared: the declarations of ajv's inner functions would fail a consumer that checks`,
    ` * libraries (skipLibCheck: false).`,
    ` */`,
    `export const ${name}: CompiledValidator = (data) => {`,
    '  compiled ??= build();',
    '  const valid = compiled(data);',
    `  ${name}.errors = compiled.errors;`,
    '  return valid;',
    '};',
    '',
    'function build() {',
    full.body,
    `return ${full.inner};`,
    '}',
    '',
    ...(quick
      ? [
          'let compiledQuick;',
          '',
          `/**`,
          ` * True when data is valid deployment-state v${version}, as \`${name}\` says, and nothing more: the`,
          ` * schema without the branches that cannot fail (quickSchema in scripts/generate-types.mjs),`,
          ` * compiled without collecting errors, for the many files that are valid; ask \`${name}\` why`,
          ` * one is not. Built on its first call.`,
          ` */`,
          `export const ${quickName} = (data: unknown): boolean => {`,
          '  compiledQuick ??= buildQuick();',
          '  return compiledQuick(data);',
          '};',
          '',
          'function buildQuick() {',
          quick.body,
          `return ${quick.inner};`,
          '}',
          '',
        ]
      : []),
  ].join('\n');
}

// ajv's standalone code of `schema` compiled with `options`, exported as `name`: the code before
// the export (`body`) and the name of the function it exports (`inner`).
function standalone(options, schema, name) {
  const ajv = new Ajv2020({ ...options, code: { source: true, esm: true } });
  addFormats.default(ajv);
  for (const keyword of ANNOTATIONS) ajv.addKeyword(keyword);
  ajv.addSchema(schema);
  const code = standaloneCode.default(ajv, { [name]: schema.$id }).replace(/^"use strict";/, '');
  const exported = `export const ${name} = `;
  const start = code.indexOf(exported);
  const end = code.indexOf(';', start);
  if (start < 0 || end < 0) throw new Error(`ajv's code for ${name} has no "${exported}...;"`);
  return {
    inner: code.slice(start + exported.length, end),
    body: `${code.slice(0, start)}${code.slice(end + 1)}`,
  };
}

// Line endings and the trailing newline are normalised so that a checkout with autocrlf
// does not make the committed files look stale.
async function prettierLike(text) {
  return `${text.replace(/\r\n/g, '\n').trimEnd()}\n`;
}

async function main(argv) {
  const check = argv.includes('--check');
  const outIndex = argv.indexOf('--out');
  const outDir = outIndex >= 0 ? resolve(argv[outIndex + 1]) : join(root, 'src', 'generated');
  const files = await generateAll();
  const stale = [];
  for (const [name, content] of Object.entries(files)) {
    const path = join(outDir, name);
    if (check) {
      const current = await readFile(path, 'utf8').catch(() => null);
      if (current !== content) stale.push(path);
    } else {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, content);
    }
  }
  if (stale.length > 0) {
    process.stderr.write(`generated files are stale: ${stale.join(', ')}; run: npm run generate\n`);
    return 1;
  }
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
