// The version check comes first (docs/state-format.md, end of section 3): a file whose
// schema_version is newer than this tool knows is refused with exit 4 and a message naming both
// versions, by every command, before any other check. The file below is a "v99" that moved or
// renamed every other key (no deployment_id, no config), so any check that ran before the version
// check would answer something else ("not a deployment state", a schema error, "nothing to roll
// back", an unknown phase or VM). Each command leaves the file, its folder and old_deployments/ as
// they were.
import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateStateFile } from '../src/index.js';
import { parseState } from '../src/parse/parse.js';
import { validateTextFast } from '../src/validate/fast.js';
import { cli, list, REPO, spawnCli } from './helpers/tmp-state.js';
import { makeTempDir, removeTempDir } from './helpers.js';

const STATE = 'state/deployment-state.yaml';
const FUTURE = [
  '# a format from a later k0rdent-state: every key but schema_version moved',
  'schema_version: 99',
  'deployment:',
  '  id: "k0rdent-q7x2m9pa"',
  '  settings: {location: "southeastasia"}',
  'runs: []',
  '',
].join('\n');
const REFUSAL = `${STATE}:2:1: error: schema_version 99 is newer than this tool knows (2); upgrade k0rdent-state [unsupported-version]`;

// Every command that reads a state file, with arguments that are valid on their own.
const COMMANDS: string[][] = [
  ['validate', STATE],
  ['validate', '--strict', '--format', 'json', STATE],
  ['validate', '--require-latest', STATE],
  ['migrate', '--dry-run', STATE],
  ['migrate', '--dry-run', '--format', 'markdown', STATE],
  ['migrate', STATE],
  ['migrate', '--auto', STATE],
  ['migrate', '--check', STATE],
  ['rollback', '--dry-run', STATE],
  ['rollback', STATE],
  ['run', 'start', '--kof', 'false'],
  ['run', 'complete', '--outcome', 'success'],
  ['phase', 'applicable', 'install_k0s'],
  ['phase', 'status', 'install_k0s'],
  ['phase', 'needs-run', 'install_k0s'],
  ['phase', 'set', 'install_k0s', 'completed'],
  ['phase', 'reset-from', 'install_k0s'],
  ['runtime', 'set', 'wireguard_config.vpn_connected', 'true'],
  ['infra', 'set', 'vnet_name', '"k0rdent-vnet"'],
  ['infra', 'sync', '--outputs', join(REPO, 'fixtures/terraform/outputs.json')],
  ['get', 'wireguard_config.vpn_connected'],
  ['get', 'wg_vpn_connected', '--default', 'false'],
  ['vm', 'info', 'k0rdent-q7x2m9pa-controller', 'public_ip'],
  ['vm', 'runtime', 'k0rdent-q7x2m9pa-controller'],
  ['vm', 'mark', 'k0rdent-q7x2m9pa-controller', 'ssh-verified'],
  ['history'],
  ['show-run', 'migrated-20251203T091244Z'],
  ['compare-runs', 'migrated-20251203T091244Z', '20251204T100000Z-a1b2c3'],
  ['update', 'wg_vpn_connected', 'true'],
];

describe('a schema_version newer than this tool: exit 4 first, from every command', () => {
  let dir = '';

  beforeAll(async () => {
    dir = await makeTempDir();
    await mkdir(join(dir, 'state'));
    await writeFile(join(dir, STATE), FUTURE);
  });
  afterAll(() => removeTempDir(dir));

  async function unchanged() {
    expect(await readFile(join(dir, STATE), 'utf8')).toBe(FUTURE);
    expect(await list(join(dir, 'state'))).toEqual(['deployment-state.yaml']);
    expect(await list(join(dir, 'old_deployments'))).toEqual([]);
  }

  it.each(COMMANDS.map((argv) => [argv.join(' '), argv]))('%s', async (_name, argv) => {
    const result = await cli(argv as string[], dir);
    const json = (argv as string[]).includes('json');
    if (json) {
      const report = JSON.parse(result.out) as { files: { error?: { code: string; message: string } }[] };
      expect(report.files[0]?.error?.code).toBe('unsupported-version');
      expect(report.files[0]?.error?.message).toBe(REFUSAL);
    } else {
      expect(`${result.out}${result.err}`).toContain(`${REFUSAL}\n`);
      // The refusal is the only error: no other check ran first or after.
      expect(`${result.out}${result.err}`.match(/error: /g)).toHaveLength(1);
    }
    expect(result.code).toBe(4);
    await unchanged();
  });

  it('the fast paths of the binary answer the same: validate FILE into a pipe, migrate --auto', async () => {
    for (const argv of [
      ['validate', STATE],
      ['migrate', '--auto', STATE],
      ['migrate', '--auto'],
    ]) {
      const result = await spawnCli(argv, { cwd: dir });
      expect(`${result.out}${result.err}`, argv.join(' ')).toContain(`${REFUSAL}\n`);
      expect(result.code, argv.join(' ')).toBe(4);
    }
    await unchanged();
  });

  it('the library: the fast validator leaves the file to the full path, which refuses it', async () => {
    expect(validateTextFast(FUTURE)).toBeUndefined();
    await expect(validateStateFile(join(dir, STATE))).rejects.toMatchObject({
      code: 'unsupported-version',
      exitCode: 4,
      message: 'schema_version 99 is newer than this tool knows (2); upgrade k0rdent-state',
    });
    expect(() => parseState(FUTURE, STATE)).not.toThrow();
  });

  it('a v3 file that still looks like v2 is refused the same way (fixtures/invalid/schema-version-3.yaml)', async () => {
    const text = readFileSync(join(REPO, 'fixtures/invalid/schema-version-3.yaml'), 'utf8');
    await writeFile(join(dir, 'v3.yaml'), text);
    const result = await cli(['migrate', '--dry-run', 'v3.yaml'], dir);
    expect(result.err).toMatch(
      /^v3\.yaml:\d+:1: error: schema_version 3 is newer than this tool knows \(2\)/,
    );
    expect(result.code).toBe(4);
  });
});
