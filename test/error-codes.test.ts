// Codes that docs/troubleshooting.md documents and that no other test triggered: each is made to
// happen here, with its exact line (test/docs.test.ts checks that every documented code is
// expected by some test, and that every code the sources can emit is documented).
import { chmod, mkdir, readFile, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, REPO, spawnCli, unprivilegedPrefix } from './helpers/tmp-state.js';
import { makeTempDir, removeTempDir } from './helpers.js';

const FRESH = await readFile(join(REPO, 'fixtures/v2/fresh.yaml'), 'utf8');
const UNPRIVILEGED = await unprivilegedPrefix();
let dir = '';

beforeAll(async () => {
  dir = await makeTempDir();
  await mkdir(join(dir, 'state'));
});
afterAll(() => removeTempDir(dir));

describe('schema bounds (exit 1)', () => {
  it.each([
    [
      'schema-minimum',
      FRESH.replace('  worker_count: 2\n', '  worker_count: -1\n'),
      'config.worker_count is -1, must be >= 0',
    ],
    [
      'schema-maximum',
      FRESH.replace('  wireguard_port: 51846\n', '  wireguard_port: 70000\n'),
      'config.wireguard_port is 70000, must be <= 65535',
    ],
    [
      'schema-min-length',
      FRESH.replace('deployment_id: "k0rdent-e2k7r4nb"', 'deployment_id: ""'),
      'deployment_id',
    ],
  ])('%s', async (code, text, message) => {
    await writeFile(join(dir, 'bounds.yaml'), text);
    const result = await cli(['validate', 'bounds.yaml'], dir);
    expect(result.out).toMatch(
      new RegExp(`^bounds\\.yaml:\\d+:\\d+: error: .*${message.replace(/\./g, '\\.')}.*\\[${code}\\]`, 'm'),
    );
    expect(result.code).toBe(1);
  });
});

describe('reading and writing', () => {
  it('read-failed: a link that points to itself (exit 3)', async () => {
    await symlink('loop.yaml', join(dir, 'loop.yaml'));
    const result = await cli(['validate', 'loop.yaml'], dir);
    expect(result.out).toBe(
      'loop.yaml: error: cannot be read (ELOOP); check that the path names a readable file (not a link that points to itself) and run the command again [read-failed]\n',
    );
    expect(result.code).toBe(3);
  });

  it.skipIf(UNPRIVILEGED === undefined)(
    'permission-denied: a file its user cannot read (exit 3)',
    async () => {
      await writeFile(join(dir, 'secret.yaml'), FRESH);
      await chmod(join(dir, 'secret.yaml'), 0o600);
      await chmod(dir, 0o755);
      const result = await spawnCli(['validate', join(dir, 'secret.yaml')], {
        cwd: '/',
        prefix: UNPRIVILEGED,
      });
      expect(result.out).toBe(
        `${join(dir, 'secret.yaml')}: error: permission denied; run as the user that owns the deployment [permission-denied]\n`,
      );
      expect(result.code).toBe(3);
    },
  );

  it('report-failed: --report into a folder that does not exist (exit 6)', async () => {
    await writeFile(
      join(dir, 'state/deployment-state.yaml'),
      await readFile(join(REPO, 'fixtures/v1/e5-deployer.yaml')),
    );
    const result = await cli(['migrate', '--dry-run', '--report', 'no-such/report.md'], dir);
    expect(result.err).toMatch(
      /^no-such\/report\.md: error: the report could not be written: .*; check the --report path \[report-failed\]\n$/,
    );
    expect(result.code).toBe(6);
  });
});

describe('Terraform input (exit 3)', () => {
  beforeAll(async () => {
    await writeFile(join(dir, 'state/deployment-state.yaml'), FRESH);
  });

  it('terraform-file-too-large: an outputs file over 256 MiB (sparse: nothing is written to disk)', async () => {
    await writeFile(join(dir, 'huge.json'), '');
    await truncate(join(dir, 'huge.json'), 257 * 1024 * 1024);
    const result = await cli(['infra', 'sync', '--outputs', 'huge.json'], dir);
    expect(result.err).toBe(
      'huge.json: error: is over 256 MiB; check the --outputs path [terraform-file-too-large]\n',
    );
    expect(result.code).toBe(3);
  });

  it('terraform-read-failed: an outputs path that is a link to itself', async () => {
    await symlink('self.json', join(dir, 'self.json'));
    const result = await cli(['infra', 'sync', '--outputs', 'self.json'], dir);
    expect(result.err).toBe('self.json: error: cannot be read (ELOOP) [terraform-read-failed]\n');
    expect(result.code).toBe(3);
  });
});
