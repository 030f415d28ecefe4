import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHAINS, REPAIRS } from '../migrations/index.js';
import { type MigrationResult, migrateParsed } from '../src/migrate/engine.js';
import type { Change } from '../src/migrate/types.js';
import { decodeStateBytes } from '../src/parse/decode.js';
import { parseState } from '../src/parse/parse.js';
import { renderReport } from '../src/report/render.js';
import { buildReport } from '../src/report/report.js';
import { validateParsed } from '../src/validate/validate.js';
import { LATEST_VERSION } from '../src/version.js';
import { leaves, lostReason } from './helpers/nothing-lost.js';
import { repoRoot } from './helpers.js';

const NOW = new Date('2026-01-01T00:00:00Z');
const UPDATE = process.env.UPDATE_FIXTURES === '1';
const casesDir = join(repoRoot, 'fixtures', 'migrations');
const v1Dir = join(repoRoot, 'fixtures', 'v1');

function migrateText(bytes: Buffer, name: string): { result: MigrationResult; original: string } {
  const decoded = decodeStateBytes(bytes, name);
  const parsed = parseState(decoded.text, name);
  return {
    result: migrateParsed(parsed, decoded, { now: NOW, toolVersion: '0.0.0-test' }),
    original: decoded.text,
  };
}

describe('migration registry', () => {
  const steps = CHAINS.flatMap((chain) => chain.steps);

  it('registers every step file exactly once, in file-name order', () => {
    for (const chain of CHAINS) {
      const files = readdirSync(join(repoRoot, 'migrations', chain.id))
        .filter((name) => name.endsWith('.ts'))
        .sort();
      expect(files.length).toBe(chain.steps.length);
      files.forEach((file, index) => {
        expect(file, `${file} is registered at position ${index}`).toBe(
          `${String(index + 1).padStart(2, '0')}-${chain.steps[index]?.id}.ts`,
        );
      });
    }
  });

  it('has unique step ids', () => {
    const ids = steps.map((step) => step.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('chains stages without gaps from 1 to the newest schema', () => {
    expect(CHAINS[0]?.from).toBe(1);
    expect(CHAINS.at(-1)?.to).toBe(LATEST_VERSION);
    const schemaVersions = readdirSync(join(repoRoot, 'schemas'))
      .map((name) => /^deployment-state\.v(\d+)\.schema\.json$/.exec(name)?.[1])
      .filter((v): v is string => v !== undefined)
      .map(Number);
    expect(Math.max(...schemaVersions)).toBe(LATEST_VERSION);
    for (const [index, chain] of CHAINS.entries()) {
      if (index > 0) expect(chain.from).toBe(CHAINS[index - 1]?.to);
      expect(chain.steps[0]?.from).toBe(String(chain.from));
      expect(chain.steps.at(-1)?.to).toBe(String(chain.to));
      for (let i = 1; i < chain.steps.length; i++) {
        expect(chain.steps[i]?.from, `${chain.steps[i]?.id} starts where the step before ends`).toBe(
          chain.steps[i - 1]?.to,
        );
      }
    }
  });

  it('describes every step', () => {
    for (const step of [...steps, ...REPAIRS.flatMap((repair) => repair.steps)]) {
      expect(step.description.length).toBeGreaterThan(20);
    }
  });

  it('registers every repair step file exactly once; a repair stays at its version', () => {
    const files = readdirSync(join(repoRoot, 'migrations', `v${LATEST_VERSION}-repairs`))
      .filter((name) => name.endsWith('.ts'))
      .sort();
    const repairSteps = REPAIRS.flatMap((repair) => repair.steps);
    expect(files).toEqual(
      repairSteps.map((step, index) => `${String(index + 1).padStart(2, '0')}-${step.id}.ts`),
    );
    for (const repair of REPAIRS) {
      expect(repair.from).toBe(LATEST_VERSION);
      expect(repair.to).toBe(LATEST_VERSION);
      for (const step of repair.steps)
        expect([step.from, step.to]).toEqual([String(LATEST_VERSION), String(LATEST_VERSION)]);
    }
    const ids = [...steps, ...repairSteps].map((step) => step.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set([...CHAINS, ...REPAIRS].map((chain) => chain.id)).size).toBe(
      CHAINS.length + REPAIRS.length,
    );
  });
});

describe('migration fixtures (input.yaml -> expected.yaml + report.json)', () => {
  const cases = readdirSync(casesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);

  it('has a case for every step', () => {
    expect(cases.length).toBeGreaterThanOrEqual(
      [...CHAINS, ...REPAIRS].flatMap((chain) => chain.steps).length,
    );
    expect(cases).toContain('repair-fold-v1-keys');
  });

  it.each(cases)('%s', (name) => {
    const folder = join(casesDir, name);
    const { result, original } = migrateText(readFileSync(join(folder, 'input.yaml')), 'input.yaml');
    const report = buildReport('input.yaml', original, result, { applied: false, now: NOW });
    const reportJson = `${JSON.stringify(report, null, 2)}\n`;
    if (UPDATE) {
      writeFileSync(join(folder, 'expected.yaml'), result.text);
      writeFileSync(join(folder, 'report.json'), reportJson);
    }
    expect(result.text).toBe(readFileSync(join(folder, 'expected.yaml'), 'utf8'));
    expect(reportJson).toBe(readFileSync(join(folder, 'report.json'), 'utf8'));
  });
});

describe.each(readdirSync(v1Dir).filter((name) => name.endsWith('.yaml')))('v1 fixture %s', (name) => {
  const bytes = readFileSync(join(v1Dir, name));
  const { result, original } = migrateText(bytes, name);
  const output = parseState(result.text.replace(/^\ufeff/, ''), name);

  it('migrates to schema-valid v2 that passes the invariants', () => {
    expect(result.changed).toBe(true);
    const validation = validateParsed(output);
    expect(validation.version).toBe(2);
    expect(validation.problems.filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('migrating twice equals migrating once', () => {
    const again = migrateText(Buffer.from(result.text), name).result;
    expect(again.changed).toBe(false);
    expect(again.text).toBe(result.text);
  });

  it('loses nothing: every input leaf is at its mapped place, in unrecognized, or pruned', () => {
    const input = parseState(original, name).data;
    const lost = leaves(input)
      .map((leaf) => ({ leaf, reason: lostReason(leaf, result.changes, output.data) }))
      .filter((entry) => entry.reason !== undefined)
      .map((entry) => `${entry.leaf.path}: ${entry.reason}`);
    expect(lost).toEqual([]);
  });

  it('never shows a private key in any report format or the diff', () => {
    const secrets = [...original.matchAll(/private_key["']?\s*:\s*"?([A-Za-z0-9+/=]{20,})/g)].map(
      (m) => m[1] as string,
    );
    const report = buildReport(name, original, result, { applied: false, now: NOW });
    const rendered = ['text', 'json', 'markdown'].map((format) =>
      renderReport(report, format as 'text' | 'json' | 'markdown', { color: format === 'text' }),
    );
    for (const secret of secrets) {
      for (const text of rendered) expect(text).not.toContain(secret);
    }
    if (secrets.length > 0) expect(rendered[0]).toContain('<redacted>');
  });
});

describe('the nothing-lost check itself', () => {
  it('reports a value that vanished without a prune', () => {
    expect(lostReason({ path: 'kof_mothership_version', value: '1.1.0' }, [], {})).toMatch(/not found/);
  });

  it('reports a value overwritten without a copy', () => {
    const change: Change = {
      step: 's',
      op: 'set',
      from: 'last_updated',
      to: 'last_updated',
      value: 'x',
      reason: '',
    };
    expect(lostReason({ path: 'last_updated', value: 'y' }, [change], { last_updated: 'x' })).toMatch(
      /overwritten/,
    );
  });

  it('follows moves and accepts prunes', () => {
    const move: Change = {
      step: 's',
      op: 'move',
      from: 'wg_vpn_connected',
      to: 'wireguard_config.vpn_connected',
      value: true,
      reason: '',
    };
    expect(
      lostReason({ path: 'wg_vpn_connected', value: true }, [move], {
        wireguard_config: { vpn_connected: true },
      }),
    ).toBeUndefined();
    expect(
      lostReason({ path: 'wg_vpn_connected', value: true }, [move], {
        wireguard_config: { vpn_connected: false },
      }),
    ).toMatch(/instead of/);
    const prune: Change = { step: 's', op: 'prune', from: 'kof_x', to: null, value: 1, reason: '' };
    expect(lostReason({ path: 'kof_x', value: 1 }, [prune], {})).toBeUndefined();
  });
});
