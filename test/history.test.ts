import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ExitCode, StateError } from '../src/errors.js';
import type { DeploymentStateV2, Run } from '../src/generated/deployment-state.v2.js';
import { compareRuns } from '../src/runtime/compare-runs.js';
import { type HistoryRow, historyRows, renderHistory } from '../src/runtime/history.js';
import { RunNotFoundError } from '../src/runtime/history-runs.js';
import { renderRun } from '../src/runtime/show-run.js';
import { validateData } from '../src/validate/validate.js';
import { repoRoot } from './helpers.js';

function load(...path: string[]): DeploymentStateV2 {
  return parse(readFileSync(join(repoRoot, 'fixtures', ...path), 'utf8'), {
    version: '1.2',
  }) as DeploymentStateV2;
}

/** Lines joined with newlines, plus the final newline every output ends with. */
function text(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

function runOf(state: DeploymentStateV2, runId: string): Run {
  const run = state.deployment_runs.find((candidate) => candidate.run_id === runId);
  if (run === undefined) throw new Error(`fixture has no run ${runId}`);
  return run;
}

const SEVERAL = ['v2', 'several-runs.yaml'];
const MIGRATED = ['migrations', 'synthetic-run-failed', 'expected.yaml'];
const CHANGED = ['history', 'changed-runs.yaml'];
const FAILED_ID = '20251202T150044Z-a19f42';
const SUCCESS_ID = '20251203T101205Z-7be30d';

const SEVERAL_RUNS_HISTORY = text(
  '  RUN                      STARTED               DURATION  OUTCOME      PHASES  FAILED PHASE  ERROR',
  '  20251201T080317Z-3f9c1a  2025-12-01T08:03:17Z  28m 23s   failed       5/10    install_k0s   k0sctl apply failed: timed out waiting for node...',
  '  20251201T101502Z-8d04be  2025-12-01T10:15:02Z  -         interrupted  8/10    -             -',
  '* 20251202T075033Z-c51a97  2025-12-02T07:50:33Z  53m 37s   success      10/10   -             -',
);

const MIGRATED_HISTORY = text(
  '  RUN                                   STARTED               DURATION  OUTCOME  PHASES  FAILED PHASE     ERROR',
  '* migrated-20251205T090228Z (migrated)  2025-12-05T09:02:31Z  25m 23s   failed   6/7     install_k0rdent  exit code 1',
);

const FAILED_RUN = text(
  'Run 20251202T150044Z-a19f42',
  '  outcome:       failed',
  '  started:       2025-12-02T15:00:44Z',
  '  ended:         2025-12-02T15:29:51Z',
  '  duration:      29m 07s (1747s)',
  '  current phase: install_k0rdent',
  '',
  'Flags:',
  '  azure_children: false',
  '  kof:            false',
  '',
  'Config snapshot:',
  '  azure_location:    eastus',
  '  resource_group:    k0rdent-g9s4h2lm-resgrp',
  '  controller_count:  1',
  '  worker_count:      1',
  '  wireguard_network: 172.24.24.0/24',
  '  wireguard_port:    51846',
  '  vm_size:           Standard_D4s_v5',
  '  admin_user:        k0rdent',
  '',
  'Phases (6/7 completed or skipped):',
  '  PHASE               STATUS       UPDATED AT            SKIPPED REASON',
  '  prepare_deployment  completed    2025-12-02T15:00:58Z',
  '  setup_network       completed    2025-12-02T15:03:11Z',
  '  create_vms          completed    2025-12-02T15:11:37Z',
  '  setup_vpn           completed    2025-12-02T15:13:02Z',
  '  connect_vpn         completed    2025-12-02T15:13:40Z',
  '  install_k0s         completed    2025-12-02T15:20:16Z',
  '  install_k0rdent     in_progress  2025-12-02T15:20:18Z',
  '',
  'Terraform reference at run start:',
  '  state checksum:      sha256:0c5e3ad1f27b9d64e8a0b2c4f6d8e0a1b3c5d7e9f1a3b5c7d9e1f3a5b7c9d1e3',
  '  cache timestamp:     2025-12-02T14:58:12Z',
  '  last terraform sync: 2025-12-02T14:58:12Z',
  '',
  'Error:',
  '  phase:     install_k0rdent',
  '  exit code: 124',
  '  message:   helm install kcm timed out after 600s: context deadline exceeded',
  '',
  'Events: 0',
);

const SYNTHETIC_RUN = text(
  'Run migrated-20251205T090228Z (current) (migrated from v1)',
  '  outcome:       failed',
  '  started:       2025-12-05T09:02:31Z',
  '  ended:         2025-12-05T09:27:54Z',
  '  duration:      25m 23s (1523s)',
  '  current phase: install_k0rdent',
  '',
  'Flags:',
  '  azure_children: false',
  '  kof:            false',
  '',
  'Config snapshot:',
  '  azure_location:    westeurope',
  '  resource_group:    k0rdent-r7g1m5zw-resgrp',
  '  controller_count:  1',
  '  worker_count:      2',
  '  wireguard_network: 172.24.24.0/24',
  '  wireguard_port:    51846',
  '',
  'Phases (6/7 completed or skipped):',
  '  PHASE               STATUS       UPDATED AT            SKIPPED REASON',
  '  prepare_deployment  completed    2025-12-05T09:02:49Z',
  '  setup_network       completed    2025-12-05T09:05:03Z',
  '  create_vms          completed    2025-12-05T09:12:31Z',
  '  setup_vpn           completed    2025-12-05T09:14:10Z',
  '  connect_vpn         completed    2025-12-05T09:14:58Z',
  '  install_k0s         completed    2025-12-05T09:21:36Z',
  '  install_k0rdent     in_progress  2025-12-05T09:21:38Z',
  '',
  'Terraform reference at run start:',
  '  none (migrated from v1)',
  '  v1 status:                      failed',
  '  v1 deployment_start_time:       2025-12-05 10:02:31 CET',
  '  v1 deployment_end_time:         2025-12-05 10:27:54 CET',
  '  v1 deployment_duration_seconds: 1523',
  '',
  'Error:',
  '  phase:     install_k0rdent (left in_progress)',
  '  exit code: 1',
  '',
  'Events: 0',
);

const CHANGED_RUNS = text(
  '                          A                           B',
  'run                       20251202T150044Z-a19f42     20251203T101205Z-7be30d',
  'outcome                   failed                   →  success',
  'duration                  29m 07s                  →  50m 35s',
  'flags:',
  '  kof                     false                    →  true',
  'config_snapshot:',
  '  worker_count            1                        →  2',
  '  vm_size                 Standard_D4s_v5          →  Standard_D8s_v5',
  '  admin_user              k0rdent                  →  (absent)',
  '  kof.regional_domain     (absent)                 →  regional.g9s4h2lm.kof.example.com',
  'phases:',
  '  install_k0rdent         in_progress              →  completed',
  '  install_azure_csi       not applicable           →  completed',
  '  install_kof_mothership  not applicable           →  completed',
  '  install_kof_regional    not applicable           →  completed',
);

describe('historyRows', () => {
  it('gives one row per run, oldest first, with recorded times and applicable-phase counts', () => {
    const rows = historyRows(load(...SEVERAL));
    expect(rows).toEqual<HistoryRow[]>([
      {
        run_id: '20251201T080317Z-3f9c1a',
        started_at: '2025-12-01T08:03:17Z',
        ended_at: '2025-12-01T08:31:40Z',
        duration_seconds: 1703,
        outcome: 'failed',
        synthetic: false,
        phases_completed: 5,
        phases_applicable: 10,
        failed_phase: 'install_k0s',
        error:
          'k0sctl apply failed: timed out waiting for node k0rdent-g9s4h2lm-worker-2 to join the cluster',
        current: false,
      },
      {
        run_id: '20251201T101502Z-8d04be',
        started_at: '2025-12-01T10:15:02Z',
        ended_at: null,
        duration_seconds: null,
        outcome: 'interrupted',
        synthetic: false,
        phases_completed: 8,
        phases_applicable: 10,
        failed_phase: null,
        error: null,
        current: false,
      },
      {
        run_id: '20251202T075033Z-c51a97',
        started_at: '2025-12-02T07:50:33Z',
        ended_at: '2025-12-02T08:44:10Z',
        duration_seconds: 3217,
        outcome: 'success',
        synthetic: false,
        phases_completed: 10,
        phases_applicable: 10,
        failed_phase: null,
        error: null,
        current: true,
      },
    ]);
  });

  it('takes the failed phase of a failed run without error.phase from the phase left in_progress', () => {
    const [row] = historyRows(load(...MIGRATED));
    expect(row).toMatchObject({ synthetic: true, failed_phase: 'install_k0rdent', error: 'exit code 1' });
  });

  it('counts only phases applicable under the run flags (skipped optional phases do not inflate it)', () => {
    const [row] = historyRows(load('migrations', 'skipped-phases', 'expected.yaml'));
    expect(row).toMatchObject({ phases_completed: 7, phases_applicable: 7 });
  });

  it('does not compute a duration the file does not record', () => {
    const [row] = historyRows(load('v2', 'fresh.yaml'));
    expect(row).toMatchObject({ outcome: 'in_progress', ended_at: null, duration_seconds: null });
  });
});

describe('renderHistory', () => {
  it('renders the table of several runs', () => {
    expect(renderHistory(load(...SEVERAL))).toBe(SEVERAL_RUNS_HISTORY);
  });

  it('renders the one synthetic run of a migrated file', () => {
    expect(renderHistory(load(...MIGRATED))).toBe(MIGRATED_HISTORY);
  });

  it('shows a running run and human durations', () => {
    const state = load(...SEVERAL);
    const [first, second, third] = state.deployment_runs;
    if (first === undefined || second === undefined || third === undefined)
      throw new Error('fixture changed');
    first.duration_seconds = 3725;
    second.duration_seconds = 93784;
    third.duration_seconds = 45;
    const fresh = runOf(load('v2', 'fresh.yaml'), '20251212T061503Z-4e9d2a');
    state.deployment_runs.push(fresh);
    const [header = '', ...rows] = renderHistory(state).trimEnd().split('\n');
    const from = header.indexOf('DURATION');
    const to = header.indexOf('OUTCOME');
    const durations = rows.map((line) => line.slice(from, to).trimEnd());
    expect(durations).toEqual(['1h 02m', '1d 2h', '45s', 'running']);
  });

  it('says how to start a run when there is none', () => {
    const state = { ...load(...SEVERAL), deployment_runs: [], current_run_id: null };
    expect(renderHistory(state)).toBe(
      'no deployment runs recorded yet; start one with: k0rdent-state run start\n',
    );
    expect(renderHistory(state, { json: true })).toBe('[]\n');
  });

  it('renders --json as a pretty array of HistoryRow', () => {
    const state = load(...SEVERAL);
    const json = renderHistory(state, { json: true });
    expect(json.endsWith(']\n')).toBe(true);
    expect(json).toBe(`${JSON.stringify(historyRows(state), null, 2)}\n`);
    const rows = JSON.parse(json) as Record<string, unknown>[];
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual([
        'run_id',
        'started_at',
        'ended_at',
        'duration_seconds',
        'outcome',
        'synthetic',
        'phases_completed',
        'phases_applicable',
        'failed_phase',
        'error',
        'current',
      ]);
    }
  });

  it('keeps a multi-line error message on its row', () => {
    const state = load(...SEVERAL);
    const run = runOf(state, '20251201T080317Z-3f9c1a');
    run.error = { phase: 'install_k0s', message: 'k0sctl failed\n  \u001b[31mnode\u001b[0m lost' };
    const lines = renderHistory(state).trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).not.toContain('\u001b');
    expect(lines[1]).toMatch(/ k0sctl failed {2}\[31mnode \[0m lost$/);
  });
});

describe('renderRun', () => {
  it('shows a failed run with its Terraform reference and error', () => {
    expect(renderRun(load(...CHANGED), FAILED_ID)).toBe(FAILED_RUN);
  });

  it('shows a synthetic run with its v1 status and timing instead of a Terraform reference', () => {
    expect(renderRun(load(...MIGRATED), 'migrated-20251205T090228Z')).toBe(SYNTHETIC_RUN);
  });

  it('lists phases a migrated run recorded as skipped though not applicable', () => {
    const out = renderRun(load('migrations', 'skipped-phases', 'expected.yaml'), 'migrated-20251209T020419Z');
    expect(out).toContain('Phases (7/7 completed or skipped):');
    expect(out).toMatch(
      /\n {2}setup_azure_children +skipped +\S+ +deployment_flags\.azure_children is false\n/,
    );
  });

  it('counts inline events', () => {
    const state = load('migrations', 'inline-events', 'expected.yaml');
    expect(renderRun(state, 'migrated-20250611T032217Z')).toMatch(/\nEvents: 2\n$/);
  });

  it('shows applicable phases a run never recorded', () => {
    const out = renderRun(load('migrations', 'inline-events', 'expected.yaml'), 'migrated-20250611T032217Z');
    expect(out).toContain('Phases (0/7 completed or skipped):');
    expect(out).toMatch(/\n {2}prepare_deployment +not recorded +-\n/);
  });
});

describe('compareRuns', () => {
  it('shows changed flags, config values and phase outcomes side by side', () => {
    expect(compareRuns(load(...CHANGED), FAILED_ID, SUCCESS_ID)).toBe(CHANGED_RUNS);
  });

  it('says so when flags, config and phases are the same', () => {
    const state = load(...SEVERAL);
    const copy = structuredClone(runOf(state, '20251201T080317Z-3f9c1a'));
    copy.run_id = '20251201T090000Z-000000';
    state.deployment_runs.push(copy);
    expect(compareRuns(state, '20251201T080317Z-3f9c1a', copy.run_id)).toBe(
      text(
        '          A                          B',
        'run       20251201T080317Z-3f9c1a    20251201T090000Z-000000',
        'outcome   failed                     failed',
        'duration  28m 23s                    28m 23s',
        '',
        'no differences in flags, config or phases',
      ),
    );
  });

  it('names the sections that did not change', () => {
    const out = compareRuns(load(...SEVERAL), '20251201T080317Z-3f9c1a', '20251202T075033Z-c51a97');
    expect(out).toMatch(/\nsame in both: flags, config_snapshot\n$/);
    expect(out).not.toContain('config_snapshot:');
  });

  it('quotes values whose change would otherwise be invisible', () => {
    const state = load(...CHANGED);
    runOf(state, SUCCESS_ID).config_snapshot.worker_count = '1';
    expect(compareRuns(state, FAILED_ID, SUCCESS_ID)).toMatch(/\n {2}worker_count +1 +→ +"1"\n/);
  });
});

describe('RunNotFoundError', () => {
  it('names the id, the newest known ids and where to look', () => {
    const state = load(...SEVERAL);
    let caught: unknown;
    try {
      renderRun(state, '20251203T000000Z-abcdef');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RunNotFoundError);
    expect(caught).toBeInstanceOf(StateError);
    const error = caught as RunNotFoundError;
    expect(error.code).toBe('run-not-found');
    expect(error.exitCode).toBe(ExitCode.invalid);
    expect(error.runId).toBe('20251203T000000Z-abcdef');
    expect(error.message).toBe(
      'run "20251203T000000Z-abcdef" not found; known runs, newest first: 20251202T075033Z-c51a97, ' +
        '20251201T101502Z-8d04be, 20251201T080317Z-3f9c1a; see: k0rdent-state history',
    );
  });

  it('lists at most five ids', () => {
    const ids = Array.from({ length: 7 }, (_, index) => `2025120${index + 1}T000000Z-aaaa0${index}`);
    expect(new RunNotFoundError('x', ids).message).toBe(
      'run "x" not found; known runs, newest first: 20251207T000000Z-aaaa06, 20251206T000000Z-aaaa05, ' +
        '20251205T000000Z-aaaa04, 20251204T000000Z-aaaa03, 20251203T000000Z-aaaa02 (and 2 more); ' +
        'see: k0rdent-state history',
    );
  });

  it('says when there are no runs at all', () => {
    expect(new RunNotFoundError('x', []).message).toBe(
      'run "x" not found: no deployment runs recorded yet; see: k0rdent-state history',
    );
  });

  it('is thrown by compareRuns for either id', () => {
    const state = load(...SEVERAL);
    expect(() => compareRuns(state, 'nope', '20251201T080317Z-3f9c1a')).toThrow(RunNotFoundError);
    expect(() => compareRuns(state, '20251201T080317Z-3f9c1a', 'nope')).toThrow(/run "nope" not found/);
  });
});

describe('secrets', () => {
  const KEY = 'yJ3pQk9Zr2Lw8Vn4Tc6Xb1Hs5Mf7Dg0AeUoKiRtWlSq=';
  const OUTPUT_VALUE = '-----BEGIN OPENSSH PRIVATE KEY-----b3BlbnNzaC1rZXktdjE';

  function planted(): DeploymentStateV2 {
    const state = load(...CHANGED);
    const failed = runOf(state, FAILED_ID);
    const success = runOf(state, SUCCESS_ID);
    failed.config_snapshot.private_key = KEY;
    failed.config_snapshot.wireguard = { hub: { private_key: KEY, public_key: 'pub' } };
    failed.config_snapshot.peers = [{ name: 'hub', private_key: KEY }];
    failed.config_snapshot.ssh_private_key = { sensitive: true, value: OUTPUT_VALUE };
    success.config_snapshot.private_key = `${KEY.slice(0, -2)}A=`;
    failed.error = { phase: 'install_k0rdent', message: `wg set failed for key ${KEY}`, exit_code: 1 };
    return state;
  }

  it('never prints a private key or a sensitive value', () => {
    const state = planted();
    const outputs = [
      renderHistory(state),
      renderHistory(state, { json: true }),
      JSON.stringify(historyRows(state)),
      renderRun(state, FAILED_ID),
      renderRun(state, SUCCESS_ID),
      compareRuns(state, FAILED_ID, SUCCESS_ID),
      compareRuns(state, SUCCESS_ID, FAILED_ID),
      compareRuns(state, FAILED_ID, FAILED_ID),
    ];
    for (const out of outputs) {
      expect(out).not.toContain(KEY);
      expect(out).not.toContain(KEY.slice(0, 20));
      expect(out).not.toContain(OUTPUT_VALUE);
      // The peers' keys the fixture carries in wireguard_config must not leak either.
      expect(out).not.toContain('6fL1dFfg9e2QpQ3LGqEIesk0iS5zv2kWChlmH3OaPKM=');
    }
  });

  it('shows where the secrets are, and that one changed, as <redacted>', () => {
    const state = planted();
    const run = renderRun(state, FAILED_ID);
    expect(run).toMatch(/\n {2}private_key: +<redacted>\n/);
    expect(run).toMatch(/\n {2}wireguard\.hub\.private_key: +<redacted>\n/);
    expect(run).toMatch(/\n {2}wireguard\.hub\.public_key: +pub\n/);
    expect(run).toMatch(/\n {2}peers: +\[\{"name":"hub","private_key":"<redacted>"\}\]\n/);
    expect(run).toMatch(/\n {2}ssh_private_key: +<redacted>\n/);
    expect(run).toContain('message:   wg set failed for key <redacted>');
    expect(compareRuns(state, FAILED_ID, SUCCESS_ID)).toMatch(
      /\n {2}private_key +<redacted> +→ +<redacted>\n/,
    );
  });
});

describe('fixtures/history', () => {
  it('changed-runs.yaml is a valid v2 file', () => {
    expect(validateData(load(...CHANGED), 2)).toEqual([]);
  });
});
