// Backups are not live state (docs/state-format.md, section 1): old_deployments/** holds archived
// v1 and v2 files byte for byte, and no command may migrate or rewrite one. migrate (every mode),
// rollback and every runtime write refuse a file in there, named directly or through a symbolic
// link, with one line saying why and what to do, and leave it as it was; reading one stays allowed.
// The pre-commit side (the hooks skip old_deployments/) is in test/pre-commit.test.ts.
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { updateState } from '../src/runtime/transaction.js';
import { backupFolderOf } from '../src/write/backup-path.js';
import {
  cleanupDeployments,
  cli,
  type Deployment,
  list,
  makeDeployment,
  REPO,
  sha256,
  spawnCli,
} from './helpers/tmp-state.js';

const BACKUP_DIR = 'old_deployments/k0rdent-q7x2m9pa_2026-01-02_03-04-05_migration';
const BACKUP = `${BACKUP_DIR}/deployment-state.yaml`;
const refusal = (file: string) =>
  `${file}: error: is a backup in old_deployments/, not live state, and k0rdent-state never migrates or rewrites a backup (nothing was changed); to bring it back, run k0rdent-state rollback state/deployment-state.yaml, or copy it out of old_deployments/ and work on the copy [backup-file]\n`;

/** A deployment whose old_deployments/ holds a copy of `fixture` (fixtures/v1 or v2) as a backup. */
async function withBackup(fixture: string): Promise<Deployment & { backupBytes: Buffer }> {
  const d = await makeDeployment('e5-deployer.yaml');
  const bytes = await readFile(join(REPO, fixture));
  await mkdir(join(d.dir, BACKUP_DIR), { recursive: true });
  await writeFile(join(d.dir, BACKUP), bytes);
  return { ...d, backupBytes: bytes };
}

async function expectUntouched(d: Deployment & { backupBytes: Buffer }) {
  expect(sha256(await readFile(join(d.dir, BACKUP)))).toBe(sha256(d.backupBytes));
  expect(await list(join(d.dir, 'old_deployments'))).toEqual([BACKUP_DIR.split('/')[1]]);
  expect(await list(join(d.dir, BACKUP_DIR))).toEqual(['deployment-state.yaml']);
  expect(await readFile(d.stateFile)).toEqual(d.original);
}

afterAll(cleanupDeployments);

const WRITES: string[][] = [
  ['migrate', BACKUP],
  ['migrate', '--dry-run', BACKUP],
  ['migrate', '--dry-run', '--format', 'markdown', BACKUP],
  ['migrate', '--auto', BACKUP],
  ['migrate', '--check', BACKUP],
  ['rollback', BACKUP],
  ['rollback', '--dry-run', BACKUP],
  ['run', 'start', '-f', BACKUP],
  ['run', 'complete', '--outcome', 'failed', '-f', BACKUP],
  ['phase', 'set', 'install_k0s', 'completed', '-f', BACKUP],
  ['phase', 'reset-from', 'install_k0s', '-f', BACKUP],
  ['runtime', 'set', 'wireguard_config.vpn_connected', 'true', '-f', BACKUP],
  ['infra', 'set', 'vnet_name', '"k0rdent-vnet"', '-f', BACKUP],
  ['infra', 'sync', '--outputs', join(REPO, 'fixtures/terraform/outputs.json'), '-f', BACKUP],
  ['vm', 'mark', 'k0rdent-q7x2m9pa-controller', 'ssh-verified', '-f', BACKUP],
  ['update', 'wg_vpn_connected', 'true', '-f', BACKUP],
];

describe.each([
  ['a v1 backup', 'fixtures/v1/e5-deployer.yaml'],
  ['a v2 backup', 'fixtures/v2/mid-run.yaml'],
])('%s in old_deployments/ is refused by every write', (_name, fixture) => {
  it.each(WRITES.map((argv) => [argv.join(' '), argv]))('%s', async (_label, argv) => {
    const d = await withBackup(fixture);
    const result = await cli(argv as string[], d.dir);
    expect(`${result.out}${result.err}`).toBe(refusal(BACKUP));
    expect(result.code).toBe(1);
    await expectUntouched(d);
  });
});

describe('the refusal', () => {
  it('covers a live path that is a symbolic link into old_deployments/', async () => {
    const d = await withBackup('fixtures/v1/e5-deployer.yaml');
    const link = join(d.dir, 'state', 'linked.yaml');
    await symlink(join(d.dir, BACKUP), link);
    for (const argv of [
      ['migrate', 'state/linked.yaml'],
      ['runtime', 'set', 'wireguard_config.vpn_connected', 'true', '-f', 'state/linked.yaml'],
    ]) {
      const result = await cli(argv, d.dir);
      expect(result.err, argv.join(' ')).toMatch(
        /^state\/linked\.yaml: error: is a backup in old_deployments\//,
      );
      expect(result.code).toBe(1);
    }
    await expectUntouched(d);
  });

  it('covers the binary fast path of migrate --auto on a current (v2) backup', async () => {
    const d = await withBackup('fixtures/v2/mid-run.yaml');
    const result = await spawnCli(['migrate', '--auto', BACKUP], { cwd: d.dir });
    expect(result.err).toBe(refusal(BACKUP));
    expect(result.code).toBe(1);
    await expectUntouched(d);
  });

  it('comes from the one shared check, which the runtime transaction calls too', async () => {
    const d = await withBackup('fixtures/v2/mid-run.yaml');
    await expect(
      updateState(join(d.dir, BACKUP), () => undefined, { now: new Date(), displayName: BACKUP, cwd: d.dir }),
    ).rejects.toMatchObject({ code: 'backup-file', exitCode: 1, file: BACKUP });
    await expectUntouched(d);
    expect(backupFolderOf(join(d.dir, BACKUP))).toBe(join(d.dir, 'old_deployments'));
    expect(backupFolderOf(d.stateFile)).toBeUndefined();
    // A file named old_deployments is not inside such a folder; a nested one is.
    expect(backupFolderOf('/srv/old_deployments')).toBeUndefined();
    expect(backupFolderOf('/srv/old_deployments/a/b/deployment-state.yaml')).toBe('/srv/old_deployments');
  });

  it('leaves reading a backup alone: validate and the queries answer', async () => {
    const d = await withBackup('fixtures/v2/mid-run.yaml');
    expect((await cli(['validate', BACKUP], d.dir)).code).toBe(0);
    const history = await cli(['history', '-f', BACKUP], d.dir);
    expect(history.code).toBe(0);
    expect(history.out).toContain('RUN');
    expect((await cli(['phase', 'status', 'prepare_deployment', '-f', BACKUP], d.dir)).code).toBe(0);
    await expectUntouched(d);
  });

  it('leaves the live file alone: migrating state/ still writes its backup into old_deployments/', async () => {
    const d = await withBackup('fixtures/v1/e5-deployer.yaml');
    const result = await cli(['migrate', '--auto'], d.dir);
    expect(result.code).toBe(0);
    expect((await list(join(d.dir, 'old_deployments'))).length).toBe(2);
  });
});
