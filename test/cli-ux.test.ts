// The human side of the CLI: help with examples for every command, colour only on a terminal
// (NO_COLOR and --no-color honoured), --quiet and --verbose, errors that say how to fix them,
// progress over many files on a terminal only, and `schema v1|v2`.
import { spawnSync } from 'node:child_process';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliIO, memoryIO } from '../src/cli/io.js';
import { run } from '../src/cli/run.js';
import { lines, makeTempDir, removeTempDir, repoRoot, runCli } from './helpers.js';

const ESC = String.fromCharCode(27);
const ANSI = new RegExp(`${ESC}\\[`);
const PAINT = (code: string, word: string) => new RegExp(`: ${ESC}\\[1;${code}m${word}${ESC}\\[0m: `);

async function cli(argv: string[], overrides: Partial<CliIO> = {}) {
  const io = memoryIO({ cwd: repoRoot, ...overrides });
  const code = await run(argv, io);
  return { code, out: io.out, err: io.err };
}

/** The commands the top-level help lists (the hidden `update` is not one). */
async function listedCommands(): Promise<string[]> {
  const { out } = await cli(['--help']);
  const section = out.slice(out.indexOf('Commands:'), out.indexOf('Options:'));
  return [...section.matchAll(/^ {2}k0rdent-state ([a-z-]+)/gm)].map((match) => match[1] ?? '');
}

describe('--help', () => {
  it('lists every command, with the global options', async () => {
    const commands = await listedCommands();
    expect(commands).toEqual([
      'validate',
      'migrate',
      'rollback',
      'schema',
      'run',
      'phase',
      'runtime',
      'infra',
      'get',
      'vm',
      'history',
      'show-run',
      'compare-runs',
      'completion',
    ]);
    const { out } = await cli(['--help']);
    for (const option of ['--quiet', '--verbose', '--no-color', '--version', '--help'])
      expect(out).toContain(option);
  });

  it('every command has help with at least one example of itself, each with a description', async () => {
    for (const command of await listedCommands()) {
      const { code, out, err } = await cli([command, '--help']);
      expect(code, command).toBe(0);
      expect(err, command).toBe('');
      const examples = out.slice(out.indexOf('Examples:'));
      expect(out.includes('Examples:'), `${command} --help has no Examples`).toBe(true);
      expect(examples, command).toContain(`k0rdent-state ${command}`);
      // An example line with nothing after the command would leave the reader guessing.
      for (const line of lines(examples).slice(1))
        expect(line.trim().length, `${command}: ${line}`).toBeGreaterThan(0);
    }
  });

  it('-h works as --help, and the options of a command are listed', async () => {
    const { code, out } = await cli(['validate', '-h']);
    expect(code).toBe(0);
    for (const option of [
      '--format',
      '--require-latest',
      '--strict',
      '--max-size',
      'github',
      'sarif',
      'junit',
    ]) {
      expect(out).toContain(option);
    }
  });
});

describe('colour', () => {
  const INVALID = 'fixtures/invalid/v1-several-problems.yaml';
  const WARNINGS = 'fixtures/invalid/v2-peer-ips.yaml';

  it('validate paints error and warning on a terminal only', async () => {
    const tty = await cli(['validate', INVALID, WARNINGS], { isTTY: true });
    expect(tty.out).toMatch(PAINT('31', 'error'));
    expect(tty.out).toMatch(PAINT('33', 'warning'));
    const pipe = await cli(['validate', INVALID, WARNINGS], { isTTY: false });
    expect(pipe.out).not.toMatch(ANSI);
    // Same text without the colour codes.
    expect(tty.out.replace(new RegExp(`${ESC}\\[[0-9;]*m`, 'g'), '')).toBe(pipe.out);
    expect(tty.code).toBe(pipe.code);
  });

  it('NO_COLOR (any non-empty value) and --no-color turn it off', async () => {
    expect((await cli(['validate', INVALID], { isTTY: true, env: { NO_COLOR: '1' } })).out).not.toMatch(ANSI);
    expect((await cli(['validate', '--no-color', INVALID], { isTTY: true })).out).not.toMatch(ANSI);
    expect((await cli(['--no-color', 'validate', INVALID], { isTTY: true })).out).not.toMatch(ANSI);
    expect((await cli(['validate', INVALID], { isTTY: true, env: { NO_COLOR: '' } })).out).toMatch(ANSI);
  });

  it('the migration report too', async () => {
    const args = ['migrate', '--dry-run', '--now', '2026-01-01T00:00:00Z', 'fixtures/v1/stale-kof.yaml'];
    expect((await cli(args, { isTTY: true })).out).toMatch(ANSI);
    expect((await cli(args, { isTTY: true, env: { NO_COLOR: 'yes' } })).out).not.toMatch(ANSI);
    expect((await cli(['--no-color', ...args], { isTTY: true })).out).not.toMatch(ANSI);
    expect((await cli(args, { isTTY: false })).out).not.toMatch(ANSI);
  });

  it('machine formats never carry colour', async () => {
    for (const format of ['json', 'github', 'sarif', 'junit']) {
      const result = await cli(['validate', '--format', format, INVALID, WARNINGS], { isTTY: true });
      expect(result.out, format).not.toMatch(ANSI);
    }
  });

  it('the installed CLI writing into a pipe has no colour', () => {
    const result = spawnSync(
      process.execPath,
      [join(repoRoot, 'bin/k0rdent-state.js'), 'validate', INVALID],
      {
        cwd: repoRoot,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '1' },
      },
    );
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('error:');
    expect(result.stdout).not.toMatch(ANSI);
    expect(result.stderr).not.toMatch(ANSI);
  });
});

describe('--quiet and --verbose', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await makeTempDir();
  });
  afterAll(() => removeTempDir(dir));

  it('validate --quiet prints errors only: no warnings, no summary', async () => {
    const loud = await runCli([
      'validate',
      'fixtures/invalid/v2-peer-ips.yaml',
      'fixtures/invalid/v2-duplicate-run-ids.yaml',
    ]);
    const quiet = await runCli([
      'validate',
      '--quiet',
      'fixtures/invalid/v2-peer-ips.yaml',
      'fixtures/invalid/v2-duplicate-run-ids.yaml',
    ]);
    expect(quiet.code).toBe(loud.code);
    expect(loud.out).toContain(': warning: ');
    expect(quiet.out).not.toContain(': warning: ');
    expect(lines(quiet.out)).toEqual(lines(loud.out).filter((line) => line.includes(': error: ')));
    expect(lines(quiet.out).length).toBeGreaterThan(0);
    expect(loud.err).toContain('files checked');
    expect(quiet.err).toBe('');
    // -q is --quiet, and it is global: before the command too.
    expect(await runCli(['-q', 'validate', 'fixtures/invalid/v2-peer-ips.yaml'])).toEqual({
      code: 0,
      out: '',
      err: '',
    });
  });

  it('--quiet keeps the answer of a query, and errors, and drops notes and warnings', async () => {
    const state = join(dir, 'quiet.yaml');
    await copyFile(join(repoRoot, 'fixtures/v2/several-runs.yaml'), state);
    // An old cache: `get` warns on stderr, --quiet drops the warning, never the value.
    const loud = await runCli(['get', 'location', '--file', state, '--now', '2026-06-01T00:00:00Z']);
    const quiet = await runCli([
      'get',
      'location',
      '--quiet',
      '--file',
      state,
      '--now',
      '2026-06-01T00:00:00Z',
    ]);
    expect(loud.code).toBe(0);
    expect(loud.err).toContain('warning');
    expect(quiet).toEqual({ code: 0, out: loud.out, err: '' });
    const missing = await runCli(['--quiet', 'get', 'nope', '--file', join(dir, 'missing.yaml')]);
    expect(missing.code).toBe(3);
    expect(missing.err).toMatch(/error: no such file/);
  });

  it('migrate --quiet applies without printing the report; a v2 file gives no note', async () => {
    const folder = join(dir, 'deployment');
    await writeFile(join(dir, '.keep'), '');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(folder, 'state'), { recursive: true });
    const state = join(folder, 'state', 'deployment-state.yaml');
    await copyFile(join(repoRoot, 'fixtures/v1/e5-deployer.yaml'), state);
    const applied = await runCli(['migrate', '--quiet', '--now', '2026-01-01T00:00:00Z', state], folder);
    expect(applied).toEqual({ code: 0, out: '', err: '' });
    expect(await readFile(state, 'utf8')).toContain('schema_version: 2');
    expect(await runCli(['migrate', '-q', state], folder)).toEqual({ code: 0, out: '', err: '' });
    expect((await runCli(['migrate', state], folder)).err).toContain('already v2');
  });

  it('validate --verbose adds one line per file and timings on stderr, stdout unchanged', async () => {
    const files = [
      'fixtures/v2/fresh.yaml',
      'fixtures/invalid/v2-peer-ips.yaml',
      'fixtures/invalid/v2-duplicate-run-ids.yaml',
    ];
    const plain = await runCli(['validate', ...files]);
    const verbose = await runCli(['validate', '--verbose', ...files]);
    expect(verbose.out).toBe(plain.out);
    expect(verbose.code).toBe(plain.code);
    const err = lines(verbose.err);
    expect(err[0]).toMatch(/^fixtures\/v2\/fresh\.yaml: ok \(v2, [0-9.]+ ms\)$/);
    expect(err[1]).toMatch(/^fixtures\/invalid\/v2-peer-ips\.yaml: ok with 3 warnings \(v2, [0-9.]+ ms\)$/);
    expect(err[2]).toMatch(
      /^fixtures\/invalid\/v2-duplicate-run-ids\.yaml: invalid: 1 error \(v2, [0-9.]+ ms\)$/,
    );
    expect(err[3]).toMatch(/^3 files checked: 2 valid, 1 invalid, 3 warnings in [0-9.]+ ms$/);
  });

  it('--verbose on other commands says how long they took', async () => {
    const result = await runCli(['--verbose', 'migrate', '--check', 'fixtures/v2/fresh.yaml']);
    expect(result.code).toBe(0);
    expect(result.err).toMatch(/^k0rdent-state migrate: exit 0 after \d+ ms\n$/);
  });

  it('--quiet and --verbose together are a usage error', async () => {
    const result = await runCli(['validate', '--quiet', '--verbose', 'fixtures/v2/fresh.yaml']);
    expect(result.code).toBe(2);
    expect(result.err).toContain('mutually exclusive');
  });
});

describe('progress over many files', () => {
  const many = Array.from({ length: 25 }, (_, i) =>
    i % 2 === 0 ? 'fixtures/v2/fresh.yaml' : 'fixtures/v1/e5-deployer.yaml',
  );

  it('validate shows "validated N/M" on stderr in place on a terminal, then clears it', async () => {
    const result = await cli(['validate', ...many], { isTTY: true, stderrIsTTY: true });
    expect(result.code).toBe(0);
    expect(result.err).toContain('\rvalidated 1/25');
    expect(result.err).toContain('\rvalidated 25/25');
    expect(result.err).toContain('\r\u001b[K25 files checked: 25 valid');
    expect(result.out).not.toContain('validated');
  });

  it('never when standard error is not a terminal, with --quiet, or for a few files', async () => {
    for (const overrides of [
      { isTTY: false },
      { isTTY: true, stderrIsTTY: false },
      { isTTY: false, stderrIsTTY: false },
    ]) {
      const result = await cli(['validate', ...many], overrides);
      expect(result.err, JSON.stringify(overrides)).not.toContain('\r');
      expect(result.err).toBe('25 files checked: 25 valid, 0 invalid, 0 warnings\n');
    }
    expect((await cli(['validate', '--quiet', ...many], { isTTY: true, stderrIsTTY: true })).err).toBe('');
    expect((await cli(['validate', ...many.slice(0, 5)], { isTTY: true })).err).not.toContain('\r');
  });

  it('migrate --check too', async () => {
    const result = await cli(['migrate', '--check', ...many], { isTTY: true, stderrIsTTY: true });
    expect(result.code).toBe(1);
    expect(result.err).toContain('\rchecked 25/25');
    expect((await cli(['migrate', '--check', ...many], { isTTY: false })).err).not.toContain('\r');
  });
});

describe('errors say how to fix them', () => {
  it.each([
    [['valdate', 'x.yaml'], 'unknown command "valdate"; did you mean k0rdent-state validate?'],
    [['migrat'], 'did you mean k0rdent-state migrate?'],
    [['validate', '--frob'], 'unknown option --frob; see: k0rdent-state validate --help'],
    [['validate', '--requre-latest'], 'unknown option --requre-latest (did you mean --require-latest?)'],
    [
      ['phase', 'frob', 'x'],
      'unknown action "frob" for phase; the actions are: applicable, status, needs-run, set, reset-from; see: k0rdent-state phase --help',
    ],
    [['phase', 'stauts', 'x'], '(did you mean phase status?)'],
    [
      ['phase'],
      'phase needs an action: applicable, status, needs-run, set or reset-from; see: k0rdent-state phase --help',
    ],
    [
      ['phase', 'set', 'install_k0s'],
      'phase set needs STATUS (pending, in_progress, completed or skipped): k0rdent-state phase set NAME STATUS; see: k0rdent-state phase set --help',
    ],
    [['get', 'a', 'b'], 'unexpected argument "b": get takes KEY; see: k0rdent-state get --help'],
    [['get', 'a', '--file'], '--file needs a value: --file FILE; see: k0rdent-state get --help'],
    [
      ['phase', 'set', 'a', 'skipped', '--reason', '-q'],
      '--reason needs a value, and "-q" looks like an option; to pass a value that starts with "-", write --reason=VALUE',
    ],
    [['get', 'a', '--require-fresh=yes'], '--require-fresh takes no value (--require-fresh=yes was given)'],
    [
      ['run', 'start', '--outcome', 'failed'],
      'unknown option --outcome; see: k0rdent-state run start --help',
    ],
    [
      ['migrate', '--dry-run', '--auto'],
      '--dry-run and --auto cannot be used together; use one of them; see: k0rdent-state migrate --help',
    ],
    [
      ['--file', 'x', 'get', 'KEY'],
      'unknown option --file; only -q, --quiet, --verbose and --no-color go before the command, the others after it',
    ],
    [['completion', 'zsh'], 'SHELL is bash, not "zsh"; see: k0rdent-state completion --help'],
    [['migrate', 'a.yaml', 'b.yaml'], 'migrate takes one file; only migrate --check takes several'],
    [['schema', 'v7'], 'no schema for "v7"; the versions are v1, v2 (latest: v2)'],
    [['validate', 'fixtures/no-such.yaml'], 'no such file; check the path'],
    [
      ['validate', '--require-latest', 'fixtures/v1/e5-deployer.yaml'],
      'run: k0rdent-state migrate fixtures/v1/e5-deployer.yaml',
    ],
    [
      ['migrate', '--check', 'fixtures/v1/e5-deployer.yaml'],
      'run: k0rdent-state migrate fixtures/v1/e5-deployer.yaml',
    ],
  ])('%j', async (argv, hint) => {
    const result = await runCli(argv);
    expect(result.code).toBeGreaterThan(0);
    expect(`${result.out}${result.err}`).toContain(hint);
  });
});

describe('schema', () => {
  it.each([
    ['v1', 1],
    ['v2', 2],
    ['1', 1],
    ['latest', 2],
  ])('schema %s prints schemas/deployment-state.v%i.schema.json as JSON', async (argument, version) => {
    const result = await runCli(['schema', argument]);
    expect(result.code).toBe(0);
    expect(result.err).toBe('');
    const file = JSON.parse(
      await readFile(join(repoRoot, `schemas/deployment-state.v${version}.schema.json`), 'utf8'),
    );
    expect(JSON.parse(result.out)).toEqual(file);
  });

  it('defaults to the latest version', async () => {
    expect((await runCli(['schema'])).out).toBe((await runCli(['schema', 'v2'])).out);
  });
});
