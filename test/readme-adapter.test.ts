// The README's adapter example, run as written (bash, set -euo pipefail) in a fresh deployer
// folder, on both paths to the library: the docs cannot drift from what the adapter does.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEPLOYER_ENV } from './helpers/adapter-harness.js';
import { REPO } from './support-runtime.js';

const README = readFileSync(join(REPO, 'README.md'), 'utf8');
const block = /^<!-- test: adapter-example -->\n```bash\n([\s\S]*?)^```$/m.exec(README)?.[1] ?? '';

describe.each([
  ['the co-process', '1'],
  ['one process per call', '0'],
])('the README adapter example, through %s', (_label, server) => {
  it('runs as written and prints what the README says', () => {
    expect(block).toContain('init_deployment_state');
    const dir = mkdtempSync(join(tmpdir(), 'k0rdent-readme-'));
    try {
      const result = spawnSync('bash', ['-c', `set -euo pipefail\n${block}`], {
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME ?? tmpdir(),
          K0RDENT_STATE_HOME: REPO,
          K0RDENT_STATE_SERVER: server,
          ...DEPLOYER_ENV,
        },
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(result.stderr).toMatch(/^k0rdent-state: update_state is deprecated \(said once per shell\)/);
      expect(result.stderr).toMatch(/\[secret-refused\]\n$/);
      expect(result.stdout).toBe(
        [
          '==> Initialized deployment state: ./state/deployment-state.yaml',
          '==> Initialized deployment events: ./state/deployment-events.yaml',
          'laptop 192.168.100.1, phase prepare_deployment, KOF skipped',
          'never printed by get_state',
          '',
        ].join('\n'),
      );
      expect(result.status).toBe(0);
      expect(result.stdout + result.stderr).not.toContain('kkkkkkkkkk');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
