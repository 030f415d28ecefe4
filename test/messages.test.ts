// Messages that used to mislead (issue 12): a runtime write in a folder without state/ said
// `lock-failed … ENOENT … run the command again`; a mapping key that is a list or a mapping let
// the YAML library print a raw Node warning ("Keys with collection values will be stringified").
// Each now gets one line that says what is wrong and what to do, with nothing else printed.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, list, REPO, spawnCli } from './helpers/tmp-state.js';
import { makeTempDir, removeTempDir } from './helpers.js';

let dir = '';
beforeAll(async () => {
  dir = await makeTempDir();
});
afterAll(() => removeTempDir(dir));

describe('a runtime write where the state folder does not exist', () => {
  it.each([
    [['run', 'start', '--kof', 'false']],
    [['phase', 'set', 'install_k0s', 'completed']],
    [['runtime', 'set', 'wireguard_config.vpn_connected', 'true']],
    [['vm', 'mark', 'k0rdent-q7x2m9pa-controller', 'ssh-verified']],
  ])('%j says the file and its folder do not exist, and what to do (exit 3)', async (argv) => {
    const result = await cli(argv, dir);
    expect(result.err).toBe(
      `state/deployment-state.yaml: error: no such file: its folder ${join(dir, 'state')} does not exist; run the command in the deployer's working directory (the one holding state/), or name the file with --file or DEPLOYMENT_STATE_FILE; the deployer creates the file when it prepares a deployment [file-not-found]\n`,
    );
    expect(result.out).toBe('');
    expect(result.code).toBe(3);
    expect(existsSync(join(dir, 'state'))).toBe(false);
  });

  it('names the file DEPLOYMENT_STATE_FILE points to', async () => {
    const result = await cli(['runtime', 'set', 'wireguard_config.vpn_connected', 'true'], dir, {
      DEPLOYMENT_STATE_FILE: 'elsewhere/state.yaml',
    });
    expect(result.err).toMatch(
      new RegExp(
        `^elsewhere/state\\.yaml: error: no such file: its folder ${join(dir, 'elsewhere')} does not exist;`,
      ),
    );
    expect(result.code).toBe(3);
  });
});

describe('a mapping key that is a list or a mapping', () => {
  const fixture = 'fixtures/invalid/collection-key.yaml';

  it.each([
    [['validate', 'state/deployment-state.yaml']],
    [['migrate', '--dry-run', 'state/deployment-state.yaml']],
    [['migrate', 'state/deployment-state.yaml']],
    [['history']],
    [['runtime', 'set', 'wireguard_config.vpn_connected', 'true']],
  ])('%j: one line, exit 3, no raw Node warning, the file unchanged', async (argv) => {
    await mkdir(join(dir, 'state'), { recursive: true });
    const text = readFileSync(join(REPO, fixture), 'utf8');
    await writeFile(join(dir, 'state/deployment-state.yaml'), text);
    const result = await spawnCli(argv, { cwd: dir });
    const errors = `${result.out}${result.err}`
      .split('\n')
      .filter((line) => /error: |warning: |Warning/.test(line));
    expect(errors).toEqual([
      'state/deployment-state.yaml:17:5: error: has a mapping key that is a list or a mapping (e.g. `? [a, b]`), which a state file cannot hold; write the key as plain text [collection-key]',
    ]);
    expect(result.err).not.toMatch(/stringified|\(node:\d+\)|trace-warnings/);
    expect(result.code).toBe(3);
    expect(readFileSync(join(dir, 'state/deployment-state.yaml'), 'utf8')).toBe(text);
    expect(await list(join(dir, 'state'))).toEqual(['deployment-state.yaml']);
  });
});
