// Issue 13, item 5: numbers are never bent on a write. A number keeps the text it was written
// with wherever no command changed it (migration, runtime writes, the events file), and numbers
// from JSON (Terraform outputs, --json values) keep their digits. Each path is tried with the
// spellings the YAML library used to rewrite: a long integer, a long decimal, an integer past
// 1e21, and a hexadecimal integer (not JSON: only in the YAML paths).
import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateFile } from '../src/migrate/apply.js';
import { migrateParsed } from '../src/migrate/engine.js';
import { decodeStateBytes } from '../src/parse/decode.js';
import { faithfulNumber } from '../src/parse/numbers.js';
import { parseState } from '../src/parse/parse.js';
import { updateState } from '../src/runtime/transaction.js';
import { setInfra, setRuntime, typeValue } from '../src/runtime/values.js';
import { parseOutputsJson } from '../src/terraform/outputs.js';
import { applyTerraformSync } from '../src/terraform/sync.js';
import { cli, fixturePath, makeWorkdir, removeWorkdir, type Workdir } from './support-runtime.js';

const NOW = new Date('2026-01-01T00:00:00Z');

/** The spellings, and what the YAML library wrote for each before. */
const YAML_NUMBERS = {
  long: ['12345678901234567890', '12345678901234567000'],
  decimal: ['0.1000000000000000055511151231257827', '0.1'],
  huge: ['99999999999999999999999', '1e+23'],
  hex: ['0x1F', '0x1f'],
} as const;
const JSON_NUMBERS = { long: YAML_NUMBERS.long, decimal: YAML_NUMBERS.decimal, huge: YAML_NUMBERS.huge };

/** Every `name: number` line, as YAML lines at an indent. */
function numberLines(numbers: Record<string, readonly string[]>, indent = ''): string {
  return Object.entries(numbers)
    .map(([name, [spelling]]) => `${indent}${name}: ${spelling}\n`)
    .join('');
}

/** Asserts every spelling is in `text` as written, `times` times, and no bent form of it. */
function expectKept(text: string, numbers: Record<string, readonly string[]>, times = 1): void {
  for (const [name, [spelling]] of Object.entries(numbers)) {
    // Every `name: …` line (not `hub.name: …`): each holds the spelling, none a bent form.
    const written = text.match(new RegExp(`(?<![.\\w])${name}: [^\\s,}]+`, 'g')) ?? [];
    expect(written, `${name} in\n${text}`).toEqual(Array(times).fill(`${name}: ${spelling}`));
  }
}

const V1 = `deployment_id: "k0rdent-numbers1"
created_at: "2025-12-03T09:12:44Z"
last_updated: "2025-12-03T09:41:02Z"
config:
  controller_count: 1
  worker_count: 2
  wireguard_port: "51846"
${numberLines(YAML_NUMBERS, '  ')}wireguard_peers:
  hub: {ip: "172.24.24.1", role: "hub", public_key: "p", long: ${YAML_NUMBERS.long[0]}}
vm_states:
  vm-1:
    state: "Succeeded"
${numberLines(YAML_NUMBERS, '    ')}operator_notes:
${numberLines(YAML_NUMBERS, '  ')}`;

function migrateText(text: string) {
  const decoded = decodeStateBytes(Buffer.from(text), 'state.yaml');
  return migrateParsed(parseState(decoded.text, 'state.yaml'), decoded, {
    now: NOW,
    toolVersion: '0.0.0-test',
  });
}

describe('a migration', () => {
  it('keeps every number as written: in config, the run config snapshot, outputs and unrecognized', () => {
    const { text } = migrateText(V1);
    // config, deployment_runs[0].config_snapshot, vm_details.vm-1, unrecognized.operator_notes
    expectKept(text, YAML_NUMBERS, 4);
    expect(text).toContain(`wireguard_peers.hub.long: ${YAML_NUMBERS.long[0]}`);
  });

  it('keeps them through the fast path of long event lists (stitched documents)', () => {
    const events = Array.from(
      { length: 600 },
      (_, i) => `  - {timestamp: "2025-06-01T00:00:00Z", action: "a${i}", message: "m"}\n`,
    ).join('');
    const { text } = migrateText(`${V1}events:\n${events}`);
    expectKept(text, YAML_NUMBERS, 4);
  });
});

describe('a runtime write', () => {
  let work: Workdir | undefined;
  afterEach(() => removeWorkdir(work));

  it('leaves every number it did not touch byte for byte', async () => {
    work = await makeWorkdir('v2/fresh.yaml');
    const text = (await readFile(work.file, 'utf8'))
      .replace('config:\n', `config:\n${numberLines(YAML_NUMBERS, '  ')}`)
      .replace('unrecognized: {}\n', `unrecognized:\n${numberLines(YAML_NUMBERS, '  ')}`);
    await writeFile(work.file, text);
    await updateState(
      work.file,
      (view) => setRuntime(view, 'wireguard_config.vpn_connected', 'true', false),
      {
        now: NOW,
      },
    );
    const after = await readFile(work.file, 'utf8');
    expectKept(after, YAML_NUMBERS, 2);
    // Nothing else moved: the old text is there line for line, but for last_updated.
    const changed = text.split('\n').filter((line) => !after.split('\n').includes(line));
    expect(changed).toEqual(['last_updated: "2025-12-12T06:15:04Z"', '  vpn_connected: false']);
  });

  it('writes a --json value, an infra set value and a plain integer with their digits', async () => {
    work = await makeWorkdir('v2/fresh.yaml');
    const json = `{${Object.entries(JSON_NUMBERS)
      .map(([name, [spelling]]) => `"${name}": ${spelling}`)
      .join(', ')}}`;
    await updateState(
      work.file,
      (view) => {
        setRuntime(view, 'artifacts.numbers', json, true);
        setRuntime(view, 'artifacts.plain', YAML_NUMBERS.long[0], false);
        setInfra(view, 'numbers', json, NOW);
      },
      { now: NOW },
    );
    const after = await readFile(work.file, 'utf8');
    expectKept(after, JSON_NUMBERS, 2);
    expect(after).toContain(`plain: ${YAML_NUMBERS.long[0]}`);
  });

  it('typeValue keeps an integer past 2^53 as written (a number, read as the same value)', () => {
    const value = typeValue(YAML_NUMBERS.long[0], ['artifacts', 'x'], false);
    expect(value).toEqual(faithfulNumber(YAML_NUMBERS.long[0]));
    expect(typeValue('42', ['artifacts', 'x'], false)).toBe(42);
  });
});

describe('the events file', () => {
  let work: Workdir | undefined;
  afterEach(() => removeWorkdir(work));

  it('keeps the numbers of earlier events when an event is appended', async () => {
    work = await makeWorkdir('v1/e5-deployer.yaml');
    const events = `events:\n  - timestamp: "2025-12-03T09:12:44Z"\n    action: "x"\n${numberLines(YAML_NUMBERS, '    ')}`;
    const eventsFile = join(work.dir, 'state', 'deployment-events.yaml');
    await writeFile(eventsFile, events);
    await migrateFile(work.file, { now: NOW });
    const after = await readFile(eventsFile, 'utf8');
    expect(after.startsWith(events)).toBe(true);
    expect(after).toContain('state_migrated');
  });
});

describe('infra sync', () => {
  let work: Workdir | undefined;
  afterEach(() => removeWorkdir(work));

  it('stores Terraform numbers with their digits (outputs JSON read with number fidelity)', async () => {
    work = await makeWorkdir('v2/fresh.yaml');
    const outputs = Object.fromEntries(
      Object.keys(JSON_NUMBERS).map((name) => [name, { sensitive: false, type: 'number', value: 0 }]),
    );
    let json = JSON.stringify({
      ...outputs,
      nested: { sensitive: false, type: 'map', value: { deep: [0] } },
    });
    for (const [name, [spelling]] of Object.entries(JSON_NUMBERS)) {
      json = json.replace(
        `"${name}":{"sensitive":false,"type":"number","value":0}`,
        `"${name}":{"sensitive":false,"type":"number","value":${spelling}}`,
      );
    }
    json = json.replace('"deep":[0]', `"deep":[${YAML_NUMBERS.long[0]}, 1.50, 1e3]`);
    await mkdir(join(work.dir, 'tf'));
    await writeFile(join(work.dir, 'tf', 'outputs.json'), json);
    const first = await cli(work.dir, ['infra', 'sync', '--outputs', 'tf/outputs.json'], {
      K0RDENT_STATE_NOW: '2026-01-01T00:00:00Z',
    });
    expect(first.code, first.err).toBe(0);
    const after = await readFile(work.file, 'utf8');
    expectKept(after, JSON_NUMBERS);
    expect(after).toMatch(new RegExp(`deep:\\n +- ${YAML_NUMBERS.long[0]}\\n +- 1\\.50\\n +- 1e3\\n`));
  });

  it('compares a cached number by its digits: the same digits are no change, another last digit is', () => {
    const parsed = parseState(readFileSync(fixturePath('v2/fresh.yaml'), 'utf8'));
    const sync = (digits: string) =>
      applyTerraformSync(
        parsed.doc,
        {
          outputs: parseOutputsJson(
            `{"long": {"sensitive": false, "type": "number", "value": ${digits}}}`,
            'o.json',
          ),
          terraformVersion: null,
          lineage: null,
          serial: null,
          stateSha256: null,
          statePath: null,
          backend: null,
        },
        { now: NOW },
      );
    expect(sync(YAML_NUMBERS.long[0]).added).toEqual(['long']);
    expect(sync(YAML_NUMBERS.long[0]).changed).toEqual([]);
    // 12345678901234567891 is the same double as ...890: only the digits tell them apart.
    expect(sync('12345678901234567891').changed).toEqual(['long']);
    expect(parsed.doc.toString()).toContain('long: 12345678901234567891');
  });
});
