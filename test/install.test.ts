// The README's Install and pre-commit sections, run as written: each fenced block marked
// `<!-- test: NAME -->` is taken from README.md and run by bash (or written as a pre-commit config)
// in a throwaway HOME, against a copy of this repository that git serves at the published URL
// (a url.insteadOf in that HOME's .gitconfig: the blocks' `git clone` and `repo:` lines stay as
// the README prints them). npm installs into a throwaway global prefix. Covered: npm install -g
// from a clone and from a packed tarball, npx from a clone, where the bash adapter is after each,
// first use in a deployer folder that has old_deployments/ (the Markdown report rendered by
// markdown-it), and the pre-commit hooks from the URL at a release tag and as local hooks.
// Needs git, npm with registry access (the dependencies), and for the hooks the pre-commit binary
// (Debian package pre-commit, installed by .ci/run).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, lstat, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import MarkdownIt from 'markdown-it';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cleanEnv, copyRepository, sh } from './helpers/repo-copy.js';
import { makeTempDir, removeTempDir, repoRoot } from './helpers.js';

const URL = 'https://github.com/randybias/k0rdent-state.git';
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  version: string;
  repository: { type: string; url: string };
  homepage: string;
  bugs: { url: string };
  files: string[];
};
const README = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const HAVE_GIT = spawnSync('git', ['--version']).status === 0;
const HAVE_PRE_COMMIT = spawnSync('pre-commit', ['--version']).status === 0;
const NO_PRE_COMMIT = HAVE_PRE_COMMIT
  ? ''
  : ' (SKIPPED: the pre-commit binary is not installed; apt-get install -y pre-commit, as .ci/run does)';

/** The README's tested blocks by name: `<!-- test: NAME -->` on the line before the fence. */
function readmeBlocks(): Map<string, { lang: string; body: string }> {
  const blocks = new Map<string, { lang: string; body: string }>();
  for (const match of README.matchAll(/^<!-- test: ([a-z-]+) -->\n```(\w+)\n([\s\S]*?)^```$/gm)) {
    blocks.set(match[1] ?? '', { lang: match[2] ?? '', body: match[3] ?? '' });
  }
  return blocks;
}
const BLOCKS = readmeBlocks();

function block(name: string): string {
  const found = BLOCKS.get(name);
  if (!found) throw new Error(`README.md has no block marked <!-- test: ${name} -->`);
  return found.body;
}

describe('what the README and package.json say about where the package comes from', () => {
  it('package.json names the repository, its page and its issues; the package ships SECURITY.md', () => {
    expect(pkg.repository).toEqual({ type: 'git', url: `git+${URL}` });
    expect(pkg.homepage).toBe('https://github.com/randybias/k0rdent-state#readme');
    expect(pkg.bugs).toEqual({ url: 'https://github.com/randybias/k0rdent-state/issues' });
    expect(pkg.files).toContain('SECURITY.md');
    expect(README).not.toMatch(/<URL of this repository>|<tag or commit>|npm install -g k0rdent-state\b/);
  });

  it('marks every install and pre-commit example, and the pre-commit rev is the release tag', () => {
    expect([...BLOCKS.keys()].sort()).toEqual(
      [
        'adapter-clone',
        'adapter-example',
        'adapter-global',
        'first-use',
        'install-clone',
        'install-tarball',
        'npx',
        'pre-commit-local',
        'pre-commit-url',
      ].sort(),
    );
    const config = parse(block('pre-commit-url')) as { repos: { repo: string; rev: string }[] };
    expect(config.repos[0]?.repo).toBe(URL);
    expect(config.repos[0]?.rev).toBe(`v${pkg.version}`);
  });

  it('the local hooks are the -system hooks of .pre-commit-hooks.yaml (same entry, files, exclude)', () => {
    type Hook = { id: string; entry: string; language: string; files: string; exclude?: string };
    const manifest = parse(readFileSync(join(repoRoot, '.pre-commit-hooks.yaml'), 'utf8')) as Hook[];
    const local = (parse(block('pre-commit-local')) as { repos: { repo: string; hooks: Hook[] }[] }).repos[0];
    expect(local?.repo).toBe('local');
    const pick = ({ entry, language, files, exclude }: Hook) => ({ entry, language, files, exclude });
    for (const hook of local?.hooks ?? []) {
      const system = manifest.find((entry) => entry.id === `${hook.id}-system`);
      expect(system, hook.id).toBeDefined();
      expect(pick(hook)).toEqual(pick(system as Hook));
    }
    expect(local?.hooks.map((hook) => hook.id)).toEqual([
      'validate-deployment-state',
      'check-deployment-state-migrated',
    ]);
    for (const hook of manifest) expect(hook.exclude, hook.id).toBe('(^|/)old_deployments/');
  });
});

describe.skipIf(!HAVE_GIT)('the README install examples, run as written', () => {
  let dir = '';
  let home = '';
  let prefix = '';
  let deployer = '';
  let env: NodeJS.ProcessEnv = {};
  const md = new MarkdownIt({ html: true });

  /** Runs a README block with bash in `cwd`, stopping at the first failing line. */
  function runBlock(name: string, cwd: string, extra: NodeJS.ProcessEnv = {}) {
    return sh('bash', ['-euo', 'pipefail', '-c', block(name)], cwd, { ...env, ...extra }, 400_000);
  }

  async function put(source: string, target: string) {
    await mkdir(dirname(join(deployer, target)), { recursive: true });
    await copyFile(join(repoRoot, source), join(deployer, target));
  }

  beforeAll(async () => {
    dir = await makeTempDir();
    home = join(dir, 'home');
    prefix = join(dir, 'global');
    await mkdir(home);
    // What the real cache holds need not be downloaded again (the machine's, not the throwaway HOME's).
    const cache = sh('npm', ['config', 'get', 'cache'], repoRoot, cleanEnv()).stdout.trim();
    env = cleanEnv({
      HOME: home,
      PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}`,
      npm_config_prefix: prefix,
      npm_config_cache: cache,
      PRE_COMMIT_HOME: join(dir, 'pre-commit-cache'),
      NO_COLOR: '1',
    });
    // The published repository: this one's files, tagged as the release of package.json's version.
    const published = join(dir, 'published', 'k0rdent-state.git');
    await copyRepository(published, env, `v${pkg.version}`);
    await writeFile(
      join(home, '.gitconfig'),
      [`[url "${published}"]`, `\tinsteadOf = ${URL}`, '[advice]', '\tdetachedHead = false', ''].join('\n'),
    );
    // A deployer's working folder, a git repository with a state file and the archive of backups.
    deployer = join(dir, 'deployer');
    await mkdir(deployer);
    expect(sh('git', ['init', '-q'], deployer, env).code).toBe(0);
    await put('fixtures/v1/e5-deployer.yaml', 'state/deployment-state.yaml');
    await put(
      'fixtures/v1/e0-initial.yaml',
      'old_deployments/k0rdent-q7x2m9pa_2025-11-30_10-00-00_reset/deployment-state.yaml',
    );
    await put(
      'fixtures/v1/e5-deployer.yaml',
      'old_deployments/k0rdent-q7x2m9pa_2026-01-02_03-04-05_migration/deployment-state.yaml',
    );
  }, 60_000);

  afterAll(() => removeTempDir(dir));

  it('install-clone: git clone, npm ci, npm install -g . puts k0rdent-state on PATH', () => {
    const result = runBlock('install-clone', home);
    expect(result.code, result.out).toBe(0);
    expect(result.stdout.trim().split('\n').at(-1)).toBe(pkg.version);
    const which = sh('bash', ['-c', 'command -v k0rdent-state'], home, env);
    expect(which.out.trim()).toBe(join(prefix, 'bin', 'k0rdent-state'));
  }, 420_000);

  it('first-use: validate and a Markdown dry-run report in a folder with old_deployments/', async () => {
    const result = runBlock('first-use', deployer);
    expect(result.code, result.out).toBe(0);
    const report = await readFile(join(deployer, 'migration.md'), 'utf8');
    const html = md.render(report);
    expect(html).toMatch(
      /^<h3>Would migrate <code>state\/deployment-state\.yaml<\/code> from v1 to v2: \d+ changes/,
    );
    expect(html).not.toMatch(/<em>|<strong>|<b>/);
    expect(html).toContain('<details><summary>Diff (private keys masked)</summary>');
    expect(html).toContain('private_key: &lt;redacted&gt;');
    // A dry run: nothing written, no backup added.
    expect(await readFile(join(deployer, 'state/deployment-state.yaml'))).toEqual(
      await readFile(join(repoRoot, 'fixtures/v1/e5-deployer.yaml')),
    );
    expect(readdirSync(join(deployer, 'old_deployments'))).toHaveLength(2);
  });

  it('adapter-global: the adapter in npm root -g, calling the k0rdent-state on PATH', async () => {
    const result = runBlock('adapter-global', deployer);
    expect(result.code, result.out).toBe(0);
    expect(result.stdout.trim()).toBe('in_progress');
    expect(
      existsSync(join(prefix, 'lib', 'node_modules', 'k0rdent-state', 'shell', 'state-management.sh')),
    ).toBe(true);
  });

  it.skipIf(!HAVE_PRE_COMMIT)(
    `pre-commit-local: the local hooks skip old_deployments/ and fail a live v1 file${NO_PRE_COMMIT}`,
    async () => {
      await writeFile(join(deployer, '.pre-commit-config.yaml'), block('pre-commit-local'));
      await put('fixtures/v2/fresh.yaml', 'state/deployment-state.yaml');
      expect(sh('git', ['add', '-A'], deployer, env).code).toBe(0);
      const passed = sh('pre-commit', ['run', '--all-files', '--color', 'never'], deployer, env);
      expect(passed.out).toMatch(/validate deployment-state\.yaml\.+Passed/);
      expect(passed.out).toMatch(/check deployment-state\.yaml is migrated to v2\.+Passed/);
      expect(passed.code, passed.out).toBe(0);
      await put('fixtures/v1/e5-deployer.yaml', 'state/deployment-state.yaml');
      expect(sh('git', ['add', '-A'], deployer, env).code).toBe(0);
      const failed = sh('pre-commit', ['run', '--all-files', '--color', 'never'], deployer, env);
      expect(failed.code).toBe(1);
      expect(failed.out).toContain(
        'state/deployment-state.yaml:1:1: error: format v1 needs migrating to v2; run: k0rdent-state migrate state/deployment-state.yaml [needs-migration]',
      );
      expect(failed.out).not.toContain('old_deployments');
    },
    120_000,
  );

  it('install-tarball: npm pack, then npm install -g of the tarball (a copy, not a link)', async () => {
    const result = runBlock('install-tarball', home);
    expect(result.code, result.out).toBe(0);
    expect(result.stdout.trim().split('\n').at(-1)).toBe(pkg.version);
    const installed = join(prefix, 'lib', 'node_modules', 'k0rdent-state');
    expect((await lstat(installed)).isSymbolicLink()).toBe(false);
    for (const file of [
      'SECURITY.md',
      'shell/state-management.sh',
      'bin/k0rdent-state.js',
      'dist/src/index.d.ts',
    ]) {
      expect(existsSync(join(installed, file)), file).toBe(true);
    }
    const adapter = runBlock('adapter-global', deployer);
    expect(adapter.code, adapter.out).toBe(0);
    expect(adapter.stdout.trim()).toBe('in_progress');
  }, 420_000);

  it('npx and adapter-clone: the clone without a global install', async () => {
    await rm(join(prefix, 'bin', 'k0rdent-state'));
    await put('fixtures/v2/mid-run.yaml', 'state/deployment-state.yaml');
    const npx = runBlock('npx', deployer);
    expect(npx.code, npx.out).toBe(0);
    expect(npx.out).toContain('1 file checked: 1 valid, 0 invalid, 0 warnings');
    const adapter = runBlock('adapter-clone', deployer);
    expect(adapter.code, adapter.out).toBe(0);
    expect(adapter.stdout.trim()).toBe('in_progress');
  }, 180_000);

  it.skipIf(!HAVE_PRE_COMMIT)(
    `pre-commit-url: the hooks from the repository URL at the release tag${NO_PRE_COMMIT}`,
    async () => {
      await writeFile(join(deployer, '.pre-commit-config.yaml'), block('pre-commit-url'));
      await put('fixtures/v2/fresh.yaml', 'state/deployment-state.yaml');
      expect(sh('git', ['add', '-A'], deployer, env).code).toBe(0);
      const install = sh('pre-commit', ['install-hooks'], deployer, env, 400_000);
      expect(install.code, install.out).toBe(0);
      const passed = sh('pre-commit', ['run', '--all-files', '--color', 'never'], deployer, env);
      expect(passed.out).toMatch(/check deployment-state\.yaml is migrated to v2\.+Passed/);
      expect(passed.code, passed.out).toBe(0);
      await put('fixtures/v1/e5-deployer.yaml', 'state/deployment-state.yaml');
      expect(sh('git', ['add', '-A'], deployer, env).code).toBe(0);
      const failed = sh('pre-commit', ['run', '--all-files', '--color', 'never'], deployer, env);
      expect(failed.code).toBe(1);
      expect(failed.out).toContain('state/deployment-state.yaml:1:1: error: format v1 needs migrating to v2');
      expect(failed.out).not.toContain('old_deployments');
    },
    420_000,
  );
});
