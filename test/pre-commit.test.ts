// .pre-commit-hooks.yaml with the real pre-commit framework: this repository (its current files,
// committed into a temporary hook repository) used by a temporary project repository. A valid
// state file passes, a broken one fails with the FILE:LINE:COL message, a v1 file fails the
// migrated check. Needs the `pre-commit` binary (Debian package pre-commit, installed by
// .ci/run) and npm with registry access: pre-commit installs the hooks' package (language: node).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, copyRepository, sh } from './helpers/repo-copy.js';
import { lines, makeTempDir, removeTempDir, repoRoot } from './helpers.js';

const HAVE_PRE_COMMIT = spawnSync('pre-commit', ['--version'], { encoding: 'utf8' }).status === 0;
const HAVE_GIT = spawnSync('git', ['--version'], { encoding: 'utf8' }).status === 0;
const REASON = HAVE_PRE_COMMIT
  ? ''
  : ' (SKIPPED: the pre-commit binary is not installed; apt-get install -y pre-commit, as .ci/run does)';

describe.skipIf(!HAVE_PRE_COMMIT || !HAVE_GIT)(`pre-commit hooks${REASON}`, () => {
  let dir = '';
  let project = '';
  let env: NodeJS.ProcessEnv = {};
  const STATE = 'state/deployment-state.yaml';

  /** Runs pre-commit on every file of the project, after staging them. */
  function preCommit(...hooks: string[]) {
    expect(sh('git', ['add', '-A'], project, env).code).toBe(0);
    return sh('pre-commit', ['run', '--all-files', '--color', 'never', ...hooks], project, env);
  }

  async function writeState(source: string, target = STATE) {
    await mkdir(dirname(join(project, target)), { recursive: true });
    await copyFile(join(repoRoot, source), join(project, target));
  }

  beforeAll(async () => {
    dir = await makeTempDir();
    env = cleanEnv({ PRE_COMMIT_HOME: join(dir, 'cache') });
    // The hook repository: this repository's files in one commit.
    const hooks = join(dir, 'hooks');
    const rev = await copyRepository(hooks, env);
    // The project that uses the hooks.
    project = join(dir, 'project');
    await mkdir(project);
    expect(sh('git', ['init', '-q'], project, env).code).toBe(0);
    const shim = join(dir, 'bin', 'k0rdent-state');
    await mkdir(dirname(shim));
    await writeFile(
      shim,
      `#!/bin/sh\nexec "${process.execPath}" "${join(repoRoot, 'bin', 'k0rdent-state.js')}" "$@"\n`,
    );
    await chmod(shim, 0o755);
    env = { ...env, PATH: `${dirname(shim)}:${env.PATH ?? ''}` };
    await writeFile(
      join(project, '.pre-commit-config.yaml'),
      [
        'repos:',
        `  - repo: ${hooks}`,
        `    rev: ${rev}`,
        '    hooks:',
        '      - id: validate-deployment-state',
        '      - id: check-deployment-state-migrated',
        '      - id: validate-deployment-state-system',
        '        stages: [manual]',
        '',
      ].join('\n'),
    );
    await writeState('fixtures/v2/fresh.yaml');
    expect(sh('git', ['add', '-A'], project, env).code).toBe(0);
    // Builds and installs the package into pre-commit's own environment (npm install, npm pack).
    const install = sh('pre-commit', ['install-hooks'], project, env);
    expect(install.code, install.out).toBe(0);
  }, 300_000);

  afterAll(() => removeTempDir(dir));

  it('the hooks file defines both hooks on deployment-state.yaml / .yml', () => {
    const text = readFileSync(join(repoRoot, '.pre-commit-hooks.yaml'), 'utf8');
    for (const id of ['validate-deployment-state', 'check-deployment-state-migrated']) {
      expect(text).toContain(`- id: ${id}\n`);
    }
    expect(text.match(/files: deployment-state\\\.ya\?ml\$/g)?.length).toBeGreaterThanOrEqual(2);
  });

  it('a valid v2 file passes both hooks', async () => {
    await writeState('fixtures/v2/fresh.yaml');
    const result = preCommit();
    expect(result.out).toMatch(/validate deployment-state\.yaml\.+Passed/);
    expect(result.out).toMatch(/check deployment-state\.yaml is migrated to v2\.+Passed/);
    expect(result.code, result.out).toBe(0);
  });

  it('a broken file fails validate-deployment-state with FILE:LINE:COL, error and code', async () => {
    await writeState('fixtures/invalid/v2-dangling-current-run.yaml');
    const result = preCommit('validate-deployment-state');
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/validate deployment-state\.yaml\.+Failed/);
    const [, ...expected] = lines(
      readFileSync(join(repoRoot, 'fixtures/invalid/v2-dangling-current-run.expected.txt'), 'utf8'),
    );
    expect(expected.length).toBeGreaterThan(0);
    for (const line of expected) {
      const ours = line.replace('fixtures/invalid/v2-dangling-current-run.yaml', STATE);
      expect(ours).toMatch(/^state\/deployment-state\.yaml:\d+:\d+: error: .+ \[[a-z-]+\]/);
      expect(result.out).toContain(ours);
    }
  });

  it('YAML that does not parse fails with its line and column', async () => {
    await writeState('fixtures/invalid/malformed-yaml.yaml');
    const result = preCommit('validate-deployment-state');
    // pre-commit exits 1 for any failed hook and shows the hook's own code.
    expect(result.code).toBe(1);
    expect(result.out).toContain('- exit code: 3');
    expect(result.out).toContain(`${STATE}:17:4: error: is not valid YAML`);
  });

  it('a v1 file is valid, but fails check-deployment-state-migrated with the migrate hint', async () => {
    await writeState('fixtures/v1/e5-deployer.yaml');
    const validate = preCommit('validate-deployment-state');
    expect(validate.code, validate.out).toBe(0);
    const result = preCommit('check-deployment-state-migrated');
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/check deployment-state\.yaml is migrated to v2\.+Failed/);
    expect(result.out).toContain(
      `${STATE}:1:1: error: format v1 needs migrating to v2; run: k0rdent-state migrate ${STATE} [needs-migration]`,
    );
  });

  it('checks every matching file (.yaml and .yml, any folder) and nothing else', async () => {
    await writeState('fixtures/v2/fresh.yaml');
    await writeState('fixtures/v1/e0-initial.yaml', 'old/deployment-state.yml');
    await writeFile(join(project, 'notes.yaml'), 'this: [is not, a state file\n');
    const result = preCommit('check-deployment-state-migrated');
    expect(result.code).toBe(1);
    expect(result.out).toContain('old/deployment-state.yml:1:1: error: format v1 needs migrating');
    expect(result.out).not.toContain(`${STATE}:`);
    expect(result.out).not.toContain('notes.yaml');
    await rm(join(project, 'old'), { recursive: true });
    await rm(join(project, 'notes.yaml'));
  });

  it('skips old_deployments/: v1 backups and a broken archived file fail neither hook', async () => {
    await writeState('fixtures/v2/fresh.yaml');
    const archive = 'old_deployments/k0rdent-q7x2m9pa_2026-01-02_03-04-05_migration';
    await writeState('fixtures/v1/e5-deployer.yaml', `${archive}/deployment-state.yaml`);
    await writeState('fixtures/invalid/malformed-yaml.yaml', 'old_deployments/x/deeper/deployment-state.yml');
    const result = preCommit();
    expect(result.out).toMatch(/validate deployment-state\.yaml\.+Passed/);
    expect(result.out).toMatch(/check deployment-state\.yaml is migrated to v2\.+Passed/);
    expect(result.out).not.toContain('old_deployments');
    expect(result.code, result.out).toBe(0);
    // The same files outside old_deployments/ do fail: the exclusion, not the files, let them pass.
    await writeState('fixtures/v1/e5-deployer.yaml', 'archive/deployment-state.yaml');
    const live = preCommit('check-deployment-state-migrated');
    expect(live.code).toBe(1);
    expect(live.out).toContain('archive/deployment-state.yaml:1:1: error: format v1 needs migrating');
    await rm(join(project, 'old_deployments'), { recursive: true });
    await rm(join(project, 'archive'), { recursive: true });
  });

  it('the -system variant runs a k0rdent-state found on PATH', async () => {
    await writeState('fixtures/invalid/v2-dangling-current-run.yaml');
    const result = sh(
      'pre-commit',
      [
        'run',
        '--all-files',
        '--color',
        'never',
        '--hook-stage',
        'manual',
        'validate-deployment-state-system',
      ],
      project,
      env,
    );
    expect(result.code).toBe(1);
    expect(result.out).toContain(`${STATE}:`);
    expect(result.out).toContain('[current-run-missing]');
  });
});
