#!/usr/bin/env node
// Generates docs/state-schema.md, the v2 reference, from schemas/deployment-state.v2.schema.json:
// its descriptions (markdownDescription where there is one), types, constraints and examples.
// `--check` compares instead of writing and exits 1 when the page is stale; `--out FILE` writes
// or checks another file (used by the staleness test).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = 'schemas/deployment-state.v2.schema.json';
const TARGET = 'docs/state-schema.md';

const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Text for a table cell: one line, pipes escaped. */
function cell(text) {
  return String(text ?? '')
    .replace(/\r?\n+/g, ' ')
    .replace(/\|/g, '\\|')
    .trim();
}

/** Anchor of a `$defs` entry. */
const defAnchor = (name) => `def-${name.toLowerCase()}`;
/** Anchor of a property path such as `infrastructure_facts.outputs`. */
const pathAnchor = (path) => `key-${path.replace(/[^a-zA-Z0-9]+/g, '-').toLowerCase()}`;

/** The longer, Markdown description when there is one, else the plain one. */
function prose(schema) {
  return (schema.markdownDescription ?? schema.description ?? '').trim();
}

/** A one-line summary of a schema's type, with links to definitions. */
function typeOf(schema) {
  if (!isObject(schema)) return 'any';
  if (schema.$ref) {
    const name = schema.$ref.replace('#/$defs/', '');
    return `[${name}](#${defAnchor(name)})`;
  }
  if ('const' in schema) return `\`${JSON.stringify(schema.const)}\``;
  if (Array.isArray(schema.enum))
    return schema.enum.map((value) => `\`${JSON.stringify(value)}\``).join(', ');
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const parts = types.map((type) => {
    if (type === 'array') return `list of ${typeOf(schema.items)}`;
    if (type === 'object') {
      if (isObject(schema.additionalProperties) && !schema.properties) {
        return `map of ${typeOf(schema.additionalProperties)}`;
      }
      return schema.additionalProperties === false ? 'mapping' : 'mapping (open)';
    }
    if (type === 'string' && schema.format) return `string (${schema.format})`;
    return type;
  });
  return parts.join(' or ') || 'any';
}

/** Constraints worth a line: pattern, bounds, keys allowed. */
function constraints(schema) {
  const out = [];
  if (schema.pattern) out.push(`pattern \`${schema.pattern}\``);
  if (schema.minimum !== undefined) out.push(`minimum ${schema.minimum}`);
  if (schema.maximum !== undefined) out.push(`maximum ${schema.maximum}`);
  if (schema.minLength !== undefined) out.push(`at least ${schema.minLength} character(s)`);
  if (isObject(schema.propertyNames) && schema.propertyNames.$ref) {
    out.push(`keys: ${typeOf(schema.propertyNames)}`);
  }
  if (schema.additionalProperties === false && schema.properties) out.push('no other keys');
  return out;
}

function examplesBlock(name, schema) {
  if (!Array.isArray(schema.examples) || schema.examples.length === 0) return [];
  const out = [schema.examples.length === 1 ? 'Example:' : 'Examples:', ''];
  for (const example of schema.examples) {
    // Strings double-quoted, as the deployer writes them (and as YAML 1.1 readers need for times).
    const yaml = stringify(name === undefined ? example : { [name]: example }, {
      lineWidth: 0,
      defaultStringType: 'QUOTE_DOUBLE',
      defaultKeyType: 'PLAIN',
    });
    out.push('```yaml', yaml.trimEnd(), '```', '');
  }
  return out;
}

function propertyTable(schema) {
  const required = new Set(schema.required ?? []);
  const out = ['| key | type | required | description |', '| --- | --- | --- | --- |'];
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    const extra = isObject(child) ? constraints(child).filter((text) => text !== 'no other keys') : [];
    const description = `${child.description ?? ''}${extra.length > 0 ? ` (${extra.join('; ')})` : ''}`;
    out.push(
      `| \`${key}\` | ${cell(typeOf(child))} | ${required.has(key) ? 'yes' : 'no'} | ${cell(description)} |`,
    );
  }
  return out;
}

/** Object-typed children that deserve their own section (they have properties of their own). */
function nestedObjects(schema, path) {
  const out = [];
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    const childPath = path ? `${path}.${key}` : key;
    if (isObject(child) && child.properties) out.push([childPath, child]);
    else if (isObject(child) && isObject(child.items) && child.items.properties)
      out.push([`${childPath}[]`, child.items]);
    else if (
      isObject(child) &&
      isObject(child.additionalProperties) &&
      child.additionalProperties.properties
    ) {
      out.push([`${childPath}.<name>`, child.additionalProperties]);
    }
  }
  return out;
}

function section(level, title, anchor, schema, keyName) {
  const out = [`<a id="${anchor}"></a>`, '', `${'#'.repeat(level)} ${title}`, ''];
  const text = prose(schema);
  if (text) out.push(text, '');
  out.push(`Type: ${typeOf(schema)}.`);
  const extra = constraints(schema);
  if (extra.length > 0) out.push(`Constraints: ${extra.join('; ')}.`);
  out.push('');
  if (schema.properties) out.push(...propertyTable(schema), '');
  out.push(...examplesBlock(keyName, schema));
  return out;
}

/** Renders the whole page. */
export async function generateDocs() {
  const schema = JSON.parse(await readFile(join(root, SOURCE), 'utf8'));
  const out = [
    '# deployment-state.yaml v2: reference',
    '',
    `<!-- Generated by scripts/generate-docs.mjs from ${SOURCE}. Do not edit: change the schema, then run \`node scripts/generate-docs.mjs\`. -->`,
    '',
    schema.description,
    '',
    `The JSON Schema itself: [\`${SOURCE}\`](../${SOURCE}), also printed by \`k0rdent-state schema v2\`. ` +
      'The v1 format and the v1 → v2 key map are in [migration-guide.md](migration-guide.md).',
    '',
    '## Top-level keys',
    '',
    ...propertyTable(schema),
    '',
  ];
  const queue = [];
  for (const [key, child] of Object.entries(schema.properties)) {
    out.push(...section(3, `\`${key}\``, pathAnchor(key), child, key));
    for (const nested of nestedObjects(child, key)) queue.push(nested);
  }
  if (queue.length > 0) {
    out.push('## Nested sections', '');
    while (queue.length > 0) {
      const [path, child] = queue.shift();
      out.push(...section(3, `\`${path}\``, pathAnchor(path), child, undefined));
      for (const nested of nestedObjects(child, path)) queue.push(nested);
    }
  }
  out.push('## Definitions', '', 'Types used in several places (`$defs` in the schema).', '');
  const defQueue = [];
  for (const [name, def] of Object.entries(schema.$defs ?? {})) {
    out.push(...section(3, `\`${name}\``, defAnchor(name), def, undefined));
    for (const nested of nestedObjects(def, name)) defQueue.push(nested);
  }
  while (defQueue.length > 0) {
    const [path, child] = defQueue.shift();
    out.push(...section(4, `\`${path}\``, pathAnchor(`def-${path}`), child, undefined));
    for (const nested of nestedObjects(child, path)) defQueue.push(nested);
  }
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}

async function main(argv) {
  const check = argv.includes('--check');
  const outIndex = argv.indexOf('--out');
  const target = outIndex >= 0 ? resolve(argv[outIndex + 1]) : join(root, TARGET);
  const content = await generateDocs();
  if (check) {
    const current = await readFile(target, 'utf8').catch(() => null);
    if (current !== content) {
      process.stderr.write(`${target} is stale; run: node scripts/generate-docs.mjs\n`);
      return 1;
    }
    return 0;
  }
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, content);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
