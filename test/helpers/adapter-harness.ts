// Runs bash scripts against the adapter (shell/state-management.sh) the way the deployer does:
// `set -euo pipefail`, the adapter sourced, each case in a folder of its own. Every case runs on
// both paths to the library, the co-process and one process per call, in one bash process per
// path (the co-process serves every case of its shell), and both transcripts are compared.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADAPTER, BIN } from '../support-runtime.js';

/** One case: a script run in a fresh folder (after `setup`, a script of its own). */
export interface AdapterCase {
  name: string;
  /** Bash run first in the case's folder (not recorded), e.g. init_deployment_state. */
  setup?: string;
  /** The bash whose output and exit code are recorded. */
  script: string;
  /** Files to create in the folder before anything runs (path → content). */
  files?: Record<string, string>;
}

/** What a case printed and returned, with run ids replaced by RUN. */
export interface CaseResult {
  rc: number;
  out: string;
  err: string;
  /** The case's folder (files left by the case can be read after the run). */
  dir: string;
}

/** The environment of the deployer's configuration that the adapter's functions read. */
export const DEPLOYER_ENV: Record<string, string> = {
  AZURE_LOCATION: 'westus2',
  K0S_CONTROLLER_COUNT: '1',
  K0S_WORKER_COUNT: '2',
  WG_NETWORK: '192.168.100.0/24',
  CONFIG_YAML: './config/k0rdent.yaml',
  K0RDENT_STATE_NOW: '2026-03-04T05:00:00Z',
  TZ: 'UTC',
};

const RUN_IDS = /\b\d{8}T\d{6}Z-[0-9a-f]{6}\b/g;

/** Replaces run ids (random) and the case folder by fixed words, for comparisons. */
export function normalize(text: string, dir: string): string {
  return text.replaceAll(dir, '<dir>').replace(RUN_IDS, 'RUN');
}

function quote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

/**
 * Runs the cases in one bash process with the co-process on (`server`) or off, and returns each
 * case's result. The folders are kept until {@link cleanup}.
 */
export function runCases(
  cases: readonly AdapterCase[],
  server: boolean,
  env: Record<string, string> = {},
): { results: Map<string, CaseResult>; root: string } {
  const root = mkdtempSync(join(tmpdir(), `k0rdent-adapter-${server ? 'co' : 'fb'}-`));
  const lines: string[] = ['set -euo pipefail', 'source "$ADAPTER"', 'declare -A WG_IPS=()'];
  cases.forEach((item, index) => {
    const dir = join(root, `case-${index}`);
    mkdirSync(dir, { recursive: true });
    for (const [path, content] of Object.entries(item.files ?? {})) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    writeFileSync(join(dir, '.setup.sh'), item.setup ?? ':');
    writeFileSync(join(dir, '.case.sh'), item.script);
    lines.push(
      `cd ${quote(dir)}`,
      '( set -euo pipefail; source ./.setup.sh ) >/dev/null 2>&1 || echo "setup failed: $?" > .setup-failed',
      'set +e',
      '( set -euo pipefail; source ./.case.sh ) > .out 2> .err',
      'echo $? > .rc',
      'set -e',
    );
  });
  const result = spawnSync('bash', ['-c', lines.join('\n')], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME ?? tmpdir(),
      LANG: 'C.UTF-8',
      ADAPTER,
      K0RDENT_STATE_BIN: BIN,
      K0RDENT_STATE_SERVER: server ? '1' : '0',
      ...DEPLOYER_ENV,
      ...env,
    },
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`the case runner failed (${result.status}): ${result.stderr}`);
  const results = new Map<string, CaseResult>();
  cases.forEach((item, index) => {
    const dir = join(root, `case-${index}`);
    let setupFailed = '';
    try {
      setupFailed = readFileSync(join(dir, '.setup-failed'), 'utf8');
    } catch {
      // the setup ran
    }
    if (setupFailed) throw new Error(`setup of case "${item.name}" failed: ${setupFailed}`);
    results.set(item.name, {
      rc: Number(readFileSync(join(dir, '.rc'), 'utf8')),
      out: normalize(readFileSync(join(dir, '.out'), 'utf8'), dir),
      err: normalize(readFileSync(join(dir, '.err'), 'utf8'), dir),
      dir,
    });
  });
  return { results, root };
}

/** Removes the folders of a run. */
export function cleanup(root: string | undefined): void {
  if (root) rmSync(root, { recursive: true, force: true });
}
