// A copy of this repository as a fresh git repository (its current files, committed files and
// files not committed yet alike, as a clean clone of this work would have them), and a child
// environment without what a parent npm, git or pre-commit exports. For the tests that run the
// real tools on the repository as a user would get it: pre-commit, git clone, npm install.
import { spawnSync } from 'node:child_process';
import { copyFile, lstat, mkdir, readlink, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { repoRoot } from '../helpers.js';

/** The environment without what a parent npm or git exports (npm_config_prefix, GIT_DIR, ...). */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|GIT_|PRE_COMMIT)/i.test(key) && key !== 'INIT_CWD') env[key] = value;
  }
  return {
    ...env,
    GIT_AUTHOR_NAME: 'test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
    GIT_CONFIG_NOSYSTEM: '1',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    ...extra,
  };
}

/** Runs a command to its end (at most `timeoutMs`); stdout and stderr together in `out`. */
export function sh(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutMs = 280_000,
) {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: timeoutMs });
  if (result.error) throw result.error;
  return {
    code: result.status,
    out: `${result.stdout ?? ''}${result.stderr ?? ''}`,
    stdout: result.stdout ?? '',
  };
}

/** The files of this repository as a clean clone would have them, plus the ones not committed yet. */
export function repositoryFiles(): string[] {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: cleanEnv(),
  });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  return listed.stdout.split('\0').filter((file) => file !== '');
}

/**
 * Copies this repository's files into `target`, a new git repository with one commit (tagged
 * `tag` when given), and returns the commit.
 */
export async function copyRepository(target: string, env: NodeJS.ProcessEnv, tag?: string): Promise<string> {
  for (const file of repositoryFiles()) {
    const from = join(repoRoot, file);
    const info = await lstat(from).catch(() => undefined);
    if (!info) continue; // deleted, not committed yet
    await mkdir(dirname(join(target, file)), { recursive: true });
    if (info.isSymbolicLink()) {
      if (file.split('/')[0] !== 'node_modules') await symlink(await readlink(from), join(target, file));
    } else if (info.isFile()) {
      await copyFile(from, join(target, file));
    }
  }
  for (const args of [
    ['init', '-q'],
    ['add', '-A'],
    ['commit', '-q', '--no-verify', '-m', 'k0rdent-state'],
    ...(tag ? [['tag', tag]] : []),
  ]) {
    const result = sh('git', args, target, env);
    expect(result.code, result.out).toBe(0);
  }
  return sh('git', ['rev-parse', 'HEAD'], target, env).out.trim();
}
