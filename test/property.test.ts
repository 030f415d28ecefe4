// Property-based tests (issue 5, item 1): v1 files of every era E0–E6 generated at random and
// rendered to YAML text the way the old scripts, yq and operators wrote them; then
//   - migration yields v2 that passes the schema and the invariants,
//   - migrating the result again changes nothing,
//   - every leaf of the input is at its mapped place, in unrecognized, or pruned in the report,
//   - no private_key value appears in any report format (text, JSON, Markdown, with the diff),
//   - a dry run never changes the file,
//   - broken variants of those files fail only with the tool's own one-line errors,
//   - random sequences of runtime operations keep the file valid v2, or are refused and leave
//     it byte for byte as it was.
// K0RDENT_STATE_PROPERTY_SCALE multiplies the number of runs (the stress suite sets it).
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateError } from '../src/errors.js';
import { migrateFile } from '../src/migrate/apply.js';
import { migrateParsed } from '../src/migrate/engine.js';
import { decodeStateBytes } from '../src/parse/decode.js';
import { detectVersion, parseState } from '../src/parse/parse.js';
import { PHASES } from '../src/phases.js';
import { renderReport } from '../src/report/render.js';
import { buildReport } from '../src/report/report.js';
import { resetFrom, setPhase } from '../src/runtime/phase-ops.js';
import { completeRun, startRun } from '../src/runtime/runs.js';
import { type StateView, updateState } from '../src/runtime/transaction.js';
import { markVm, setInfra, setRuntime } from '../src/runtime/values.js';
import type { TerraformSnapshot } from '../src/terraform/common.js';
import { applyTerraformSync } from '../src/terraform/sync.js';
import { validateParsed } from '../src/validate/validate.js';
import { leaves, lostReason } from './helpers/nothing-lost.js';
import { v1File } from './helpers/v1-files.js';

const SCALE = Number(process.env.K0RDENT_STATE_PROPERTY_SCALE ?? '1') || 1;
/** fast-check parameters: `n` runs (times the scale); K0RDENT_STATE_PROPERTY_SEED replays the seed a failure printed. */
function params(n: number): fc.Parameters<unknown> {
  const seed = process.env.K0RDENT_STATE_PROPERTY_SEED;
  return { numRuns: Math.round(n * SCALE), ...(seed ? { seed: Number(seed) } : {}) };
}
const NOW = new Date('2026-01-01T00:00:00Z');

// ---------------------------------------------------------------------------------------------

function decodeParse(text: string, name = 'state.yaml') {
  const decoded = decodeStateBytes(Buffer.from(text), name);
  return { decoded, parsed: parseState(decoded.text, name) };
}

function migrate(text: string) {
  const { decoded, parsed } = decodeParse(text);
  const original = parseState(decoded.text, 'state.yaml').data;
  const result = migrateParsed(parsed, decoded, { now: NOW, toolVersion: '0.0.0-test' });
  return { decoded, original, result };
}

describe('generated v1 files', () => {
  it('are valid v1 (the generator itself is right)', () => {
    fc.assert(
      fc.property(v1File, ({ text }) => {
        const { parsed } = decodeParse(text);
        expect(detectVersion(parsed)).toBe(1);
        const problems = validateParsed(parsed, { version: 1 }).problems.filter(
          (p) => p.severity === 'error',
        );
        expect(problems).toEqual([]);
      }),
      params(100),
    );
  });

  it('cover every era', () => {
    const eras = new Set(fc.sample(v1File, { numRuns: 200, seed: 1 }).map((file) => file.era));
    expect([...eras].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});

describe('migrating a generated v1 file', () => {
  it('yields v2 that passes the schema and the invariants, and migrating it again changes nothing', () => {
    fc.assert(
      fc.property(v1File, ({ text }) => {
        const { result } = migrate(text);
        expect(result.changed).toBe(true);
        const output = decodeParse(result.text);
        const validation = validateParsed(output.parsed, { version: 2 });
        expect(validation.problems.filter((p) => p.severity === 'error')).toEqual([]);
        const again = migrateParsed(output.parsed, output.decoded, { now: NOW, toolVersion: '0.0.0-test' });
        expect(again.changed).toBe(false);
        expect(again.text).toBe(output.decoded.text);
      }),
      params(100),
    );
  });

  it('loses nothing: every input leaf is at its mapped place, in unrecognized, or pruned in the report', () => {
    fc.assert(
      fc.property(v1File, ({ text }) => {
        const { original, result } = migrate(text);
        const output = decodeParse(result.text).parsed.data;
        const lost = leaves(original)
          .map((leaf) => ({ leaf, reason: lostReason(leaf, result.changes, output) }))
          // An empty map the migration filled in (`deployment_flags: {}` gets both flags) held nothing to lose.
          .filter((found) => found.reason !== undefined && !/ instead of \{\}$/.test(found.reason))
          .map((found) => `${found.leaf.path}: ${found.reason}`);
        expect(lost).toEqual([]);
      }),
      params(100),
    );
  });

  it('never shows a private_key value in the text, JSON or Markdown report, with or without the diff', () => {
    fc.assert(
      fc.property(v1File, fc.boolean(), ({ text, secrets }, applied) => {
        const { decoded, result } = migrate(text);
        const report = buildReport('state.yaml', decoded.text, result, {
          applied,
          now: NOW,
          backup: applied ? 'old_deployments/x_migration' : null,
          diff: true,
        });
        const rendered = (['text', 'json', 'markdown'] as const).flatMap((format) => [
          renderReport(report, format, { color: format === 'text' }),
          renderReport(report, format, { noDiff: true }),
        ]);
        for (const secret of secrets) {
          for (const output of rendered) expect(output).not.toContain(secret);
        }
      }),
      params(100),
    );
  });
});

describe('a dry run on disk', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'k0rdent-state-prop-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('never changes the file nor creates anything beside it', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(v1File, async ({ text }) => {
        const folder = join(dir, `dry-${n++}`);
        const file = join(folder, 'state', 'deployment-state.yaml');
        await rm(folder, { recursive: true, force: true });
        await mkdir(join(folder, 'state'), { recursive: true });
        await writeFile(file, text, { mode: 0o600 });
        const before = await stat(file);
        const result = await migrateFile(file, { now: NOW, dryRun: true, diff: true });
        expect(result.status).toBe('dry-run');
        expect(await readFile(file, 'utf8')).toBe(text);
        const after = await stat(file);
        expect(after.mtimeMs).toBe(before.mtimeMs);
        expect(after.mode & 0o7777).toBe(0o600);
        expect(await readdir(join(folder, 'state'))).toEqual(['deployment-state.yaml']);
        expect(await readdir(folder)).toEqual(['state']);
        await rm(folder, { recursive: true, force: true });
      }),
      params(40),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Broken variants: whatever the damage, the tool fails with its own error (one line, an exit
// code), never with a TypeError or a stack overflow.

const damaged = fc
  .tuple(
    v1File,
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.nat(),
        fc.constantFrom(
          'delete-line',
          'duplicate-line',
          'swap-lines',
          'indent',
          'dedent',
          'insert-char',
          'delete-char',
          'truncate',
        ),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  )
  .map(([file, edits]) => {
    let lines = file.text.split('\n');
    for (const [a, b, edit] of edits) {
      const i = a % Math.max(1, lines.length);
      const line = lines[i] ?? '';
      switch (edit) {
        case 'delete-line':
          lines.splice(i, 1);
          break;
        case 'duplicate-line':
          lines.splice(i, 0, line);
          break;
        case 'swap-lines': {
          const j = b % Math.max(1, lines.length);
          [lines[i], lines[j]] = [lines[j] ?? '', line];
          break;
        }
        case 'indent':
          lines[i] = `  ${line}`;
          break;
        case 'dedent':
          lines[i] = line.replace(/^ {1,2}/, '');
          break;
        case 'insert-char':
          lines[i] =
            `${line.slice(0, b % (line.length + 1))}${':-"\'[{#&*!|>\t'[b % 15]}${line.slice(b % (line.length + 1))}`;
          break;
        case 'delete-char':
          lines[i] = line.slice(0, b % (line.length + 1)) + line.slice((b % (line.length + 1)) + 1);
          break;
        case 'truncate':
          lines = lines.slice(0, i);
          lines.push(line.slice(0, b % (line.length + 1)));
          break;
      }
    }
    return lines.join('\n');
  });

describe('a damaged v1 file', () => {
  it('is migrated, or refused with a StateError: never another exception', () => {
    fc.assert(
      fc.property(damaged, (text) => {
        try {
          const { decoded, parsed } = decodeParse(text);
          validateParsed(parsed);
          const result = migrateParsed(parsed, decoded, { now: NOW, toolVersion: '0.0.0-test' });
          if (result.changed) {
            const output = decodeParse(result.text).parsed;
            const errors = validateParsed(output, { version: 2 }).problems.filter(
              (p) => p.severity === 'error',
            );
            expect(errors).toEqual([]);
          }
        } catch (error) {
          if (!(error instanceof StateError)) throw error;
          expect(error.message).not.toMatch(/\n/);
        }
      }),
      params(200),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Runtime operations: random sequences through updateState, as the deployer's scripts run them.

type Op =
  | { op: 'run start'; kof?: boolean; azureChildren?: boolean; resume: boolean }
  | {
      op: 'run complete';
      outcome: 'success' | 'failed' | 'interrupted';
      errorPhase?: string;
      exitCode?: number;
    }
  | { op: 'phase set'; name: string; status: string; reason?: string }
  | { op: 'phase reset-from'; name: string }
  | { op: 'runtime set'; key: string; value: string; json: boolean }
  | { op: 'infra set'; key: string; value: string }
  | { op: 'infra sync'; snapshot: TerraformSnapshot; includeSensitive: boolean; force: boolean }
  | { op: 'vm mark'; vm: string; check: string };

const RUNTIME_KEYS = [
  'wireguard_config.vpn_connected',
  'wireguard_config.keys_generated',
  'wireguard_config.setup_method',
  'wireguard_config.peers.hub.private_key',
  'wireguard_config.peers.hub.ip',
  'wireguard_config.peers.new-peer.role',
  'k0s_cluster_state.deployed',
  'k0s_cluster_state.kubeconfig_path',
  'k0rdent_install_state.installed',
  'optional_components.kof.mothership_version',
  'optional_components.azure_csi.installed',
  'cloud_credentials.aws.account_id',
  'artifacts.kubeconfig',
  'vm_runtime_status.vm-1.ssh_verified',
  'wg_vpn_connected',
  'kof_mothership_installed',
  'aws_account_id',
  'infrastructure_facts.stale',
  'phases.install_k0s',
  'deployment_flags.kof',
  'deployment_id',
  'no_such_key',
];
const VALUES = [
  'true',
  'false',
  '42',
  '012345678901',
  'text value',
  '{"a": 1}',
  '[1, 2]',
  'null',
  '',
  '"quoted"',
];

const snapshotArb: fc.Arbitrary<TerraformSnapshot> = fc.record({
  outputs: fc.dictionary(
    fc.constantFrom('resource_group_name', 'vnet_name', 'vm_details', 'admin_password', 'wg_private'),
    fc.record({
      value: fc.oneof(
        fc.string({ maxLength: 12 }),
        fc.integer(),
        fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 6 }), { maxKeys: 2 }),
      ),
      sensitive: fc.boolean(),
    }),
    { maxKeys: 4 },
  ),
  terraformVersion: fc.constantFrom(null, '1.9.5'),
  lineage: fc.constantFrom(null, 'lineage-a', 'lineage-b'),
  serial: fc.option(fc.integer({ min: 0, max: 20 }), { nil: null }),
  stateSha256: fc.constantFrom(null, 'a'.repeat(64)),
  statePath: fc.constantFrom(null, 'terraform/terraform.tfstate'),
  backend: fc.constantFrom(null, { type: 'local' as const, config: { path: 'terraform.tfstate' } }),
});

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant('run start' as const),
    kof: fc.option(fc.boolean(), { nil: undefined }),
    azureChildren: fc.option(fc.boolean(), { nil: undefined }),
    resume: fc.boolean(),
  }),
  fc.record({
    op: fc.constant('run complete' as const),
    outcome: fc.constantFrom('success' as const, 'failed' as const, 'interrupted' as const),
    errorPhase: fc.option(fc.constantFrom(...PHASES), { nil: undefined }),
    exitCode: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
  }),
  fc.record(
    {
      op: fc.constant('phase set' as const),
      name: fc.constantFrom(...PHASES, 'no_such_phase'),
      status: fc.constantFrom('pending', 'in_progress', 'completed', 'skipped', 'done'),
      reason: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
    },
    { requiredKeys: ['op', 'name', 'status'] },
  ),
  fc.record({ op: fc.constant('phase reset-from' as const), name: fc.constantFrom(...PHASES) }),
  fc.record({
    op: fc.constant('runtime set' as const),
    key: fc.constantFrom(...RUNTIME_KEYS),
    value: fc.oneof(fc.constantFrom(...VALUES), fc.string({ maxLength: 16 })),
    json: fc.boolean(),
  }),
  fc.record({
    op: fc.constant('infra set' as const),
    key: fc.constantFrom(
      'vnet_name',
      'vm_details.vm-1.public_ip',
      'resource_group.status',
      'wg_vpn_connected',
      '',
    ),
    value: fc.constantFrom('"k0rdent-vnet"', '{"a": [1, 2]}', '42', 'not json', 'null'),
  }),
  fc.record({
    op: fc.constant('infra sync' as const),
    snapshot: snapshotArb,
    includeSensitive: fc.boolean(),
    force: fc.boolean(),
  }),
  fc.record({
    op: fc.constant('vm mark' as const),
    vm: fc.constantFrom('vm-1', 'k0rdent-x-controller'),
    check: fc.constantFrom('ssh-verified', 'cloud-init-complete', 'bogus'),
  }),
);

function apply(op: Op, now: Date) {
  return (view: Parameters<Parameters<typeof updateState>[1]>[0]): unknown => {
    switch (op.op) {
      case 'run start':
        return startRun(view, { now, kof: op.kof, azureChildren: op.azureChildren, resume: op.resume });
      case 'run complete':
        return completeRun(view, {
          now,
          outcome: op.outcome,
          errorPhase: op.errorPhase,
          exitCode: op.exitCode,
        });
      case 'phase set':
        return setPhase(view, op.name, op.status, now, op.status === 'skipped' ? op.reason : undefined);
      case 'phase reset-from':
        return resetFrom(view, op.name, now);
      case 'runtime set':
        return setRuntime(view, op.key, op.value, op.json);
      case 'infra set':
        return setInfra(view, op.key, op.value, now);
      case 'infra sync':
        return applyTerraformSync(view.doc, op.snapshot, {
          now,
          includeSensitive: op.includeSensitive,
          force: op.force,
        });
      case 'vm mark':
        return markVm(view, op.vm, op.check, now);
    }
  };
}

describe('random sequences of runtime operations', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'k0rdent-state-prop-rt-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('keep the file valid v2, or are refused with a StateError that leaves it byte for byte as it was', async () => {
    let n = 0;
    const counts = { applied: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(
        v1File,
        fc.array(fc.tuple(opArb, fc.integer({ min: -600, max: 7200 })), { minLength: 1, maxLength: 10 }),
        async ({ text, secrets }, ops) => {
          const folder = join(dir, `rt-${n++}`);
          const stateDir = join(folder, 'state');
          const file = join(stateDir, 'deployment-state.yaml');
          await mkdir(stateDir, { recursive: true });
          // Half the sequences start from the v1 file itself (the first write migrates it).
          const start = n % 2 === 0 ? text : migrate(text).result.text;
          await writeFile(file, start);
          let clock = Date.parse('2026-02-01T00:00:00Z');
          for (const [op, step] of ops) {
            clock += step * 1000;
            const now = new Date(clock);
            const before = await readFile(file);
            try {
              await updateState(file, apply(op, now), {
                now,
                lockTimeoutMs: 2000,
                displayName: 'state.yaml',
              });
              counts.applied++;
            } catch (error) {
              if (!(error instanceof StateError)) throw error;
              counts.refused++;
              const after = await readFile(file);
              // A v1 file is migrated (with its backup) before the change is tried, as migrate
              // --auto would; a refused change leaves that migrated file, else the file as it was.
              const wasV1 = detectVersion(decodeParse(before.toString('utf8')).parsed) === 1;
              if (!wasV1 || !after.toString('utf8').includes('schema_version: 2'))
                expect(after).toEqual(before);
              for (const secret of secrets) expect(error.message).not.toContain(secret);
            }
            // Applied or refused, the file is valid v2 (a v1 file was migrated by the first write).
            const after = decodeParse((await readFile(file)).toString('utf8'));
            expect(detectVersion(after.parsed)).toBe(2);
            const errors = validateParsed(after.parsed, { version: 2 }).problems.filter(
              (p) => p.severity === 'error',
            );
            expect(errors).toEqual([]);
            expect((await readdir(stateDir)).filter((name) => name !== 'deployment-state.yaml')).toEqual([]);
          }
          await rm(folder, { recursive: true, force: true });
        },
      ),
      params(40),
    );
    // Both branches were exercised.
    expect(counts.applied).toBeGreaterThan(0);
    expect(counts.refused).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------------
// Regressions: the smallest files that showed each bug the properties found, kept as examples.

describe('bugs the properties found', () => {
  const base = [
    'deployment_id: "k0rdent-r3gr3ss1"',
    'created_at: "2025-12-03T09:12:44Z"',
    'last_updated: "2025-12-03T09:41:02Z"',
    'config: {resource_group: "rg", wireguard_port: "51846"}',
  ];
  const KEY = 'ETdxfX8RA6ZRD9m2rl4jqPIWu8gRa3mgT2d+VSleg+4=';

  it.each([
    ['an anchor', `{ip: "172.24.24.1", role: "hub", private_key: &k "${KEY}", public_key: "p"}`],
    ['a tag', `{ip: "172.24.24.1", role: "hub", private_key: !!str ${KEY}, public_key: "p"}`],
    [
      'a block scalar',
      `\n    ip: "172.24.24.1"\n    role: "hub"\n    private_key: |-\n      ${KEY}\n    public_key: "p"`,
    ],
    [
      'a multi-line plain scalar',
      `\n    ip: "172.24.24.1"\n    private_key: ${KEY.slice(0, 20)}\n      ${KEY.slice(20)}\n    role: "hub"`,
    ],
  ])('a private_key written with %s is masked in the diff (it showed there)', (_name, peer) => {
    const text = `${[...base, 'wireguard_peers:', `  hub: ${peer}`].join('\n')}\n`;
    const { decoded, result } = migrate(text);
    const report = buildReport('state.yaml', decoded.text, result, { applied: false, now: NOW, diff: true });
    expect(report.diff).toContain('<redacted>');
    for (const format of ['text', 'json', 'markdown'] as const) {
      const output = renderReport(report, format);
      expect(output).not.toContain(KEY);
      expect(output).not.toContain(KEY.slice(20));
    }
  });

  it('a key of deployment_flags other than the two flags goes to unrecognized (the migration failed)', () => {
    const text = `${[...base, 'deployment_flags: {azure_children: false, kof: "true", note: "ask bob"}'].join('\n')}\n`;
    const { result } = migrate(text);
    const data = decodeParse(result.text).parsed.data;
    expect(data.deployment_flags).toEqual({ azure_children: false, kof: true });
    expect(data.unrecognized).toEqual({ 'deployment_flags.note': 'ask bob' });
  });

  it('v2 key names in a v1 file are carried to unrecognized, not overwritten or crashed on', () => {
    const text = `${[
      ...base,
      'current_run_id: 5',
      'deployment_runs: "o-"',
      'wireguard_config: old',
      'wg_vpn_connected: true',
      'unrecognized: null',
    ].join('\n')}\n`;
    const { original, result } = migrate(text);
    const data = decodeParse(result.text).parsed.data;
    expect(data.unrecognized).toEqual({
      unrecognized: null,
      current_run_id: 5,
      deployment_runs: 'o-',
      wireguard_config: 'old',
    });
    expect(data.current_run_id).toBe('migrated-20251203T091244Z');
    expect(data.wireguard_config).toEqual({ vpn_connected: true });
    const lost = leaves(original).filter((leaf) => lostReason(leaf, result.changes, data) !== undefined);
    expect(lost).toEqual([]);
  });

  it('a key under a value that is not a map is refused with a StateError (yaml threw, the CLI said "internal error")', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'k0rdent-state-prop-reg-'));
    try {
      const file = join(dir, 'deployment-state.yaml');
      await writeFile(file, migrate(`${base.join('\n')}\n`).result.text);
      const now = new Date('2026-02-01T00:00:00Z');
      await updateState(file, (view) => setInfra(view, 'vm_details', '"not a map"', now), { now });
      await updateState(file, (view) => setRuntime(view, 'artifacts.kubeconfig', 'text', false), { now });
      const before = await readFile(file);
      const changes: Array<(view: StateView) => unknown> = [
        (view) => setInfra(view, 'vm_details.vm-1.public_ip', '"20.0.0.1"', now),
        (view) => setRuntime(view, 'artifacts.kubeconfig.path', '/k', false),
      ];
      for (const change of changes) {
        const refused = await updateState(file, change, { now }).then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(refused).toBeInstanceOf(StateError);
        expect((refused as StateError).message).toMatch(/holds text, not a map, .+; the file is unchanged$/);
        expect(await readFile(file)).toEqual(before);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
