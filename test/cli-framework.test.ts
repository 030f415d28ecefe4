// The command framework (src/cli/framework/, one module per command in src/cli/commands/): one
// flag style across commands (-f/--file, --format text|json, DEPLOYMENT_STATE_FILE), `--` and
// --name=VALUE for values that start with "-", deprecated spellings that still work with one
// line, help wrapped without breaking an example, the bash completion (sourced in bash), and no
// raw Node warning from the binary.
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { COMMANDS, listedCommands } from '../src/cli/commands/index.js';
import { commandHelp, helpWidth } from '../src/cli/framework/help.js';
import { memoryIO } from '../src/cli/io.js';
import { run } from '../src/cli/run.js';
import { warningLine } from '../src/cli/warnings.js';
import { lines, repoRoot } from './helpers.js';
import {
  BIN,
  type CliResult,
  cli,
  loadState,
  makeWorkdir,
  removeWorkdir,
  STATE_REL,
  type Workdir,
} from './support-runtime.js';

const NOW = '2026-03-04T05:06:07Z';
let work: Workdir | undefined;
afterEach(async () => {
  await removeWorkdir(work);
  work = undefined;
});

async function setup(fixture = 'v2/several-runs.yaml'): Promise<Workdir> {
  work = await makeWorkdir(fixture);
  return work;
}

function k(argv: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return cli((work as Workdir).dir, argv, { K0RDENT_STATE_NOW: NOW, ...env });
}

describe('values that start with "-"', () => {
  it('runtime set KEY -- VALUE stores the value as given', async () => {
    await setup();
    const value = '-bash: kubectl: command not found';
    expect(await k(['runtime', 'set', 'artifacts.last_error', '--', value])).toEqual({
      code: 0,
      out: '',
      err: '',
    });
    expect(await k(['get', 'artifacts.last_error'])).toEqual({ code: 0, out: `${value}\n`, err: '' });
    // Options may still come before `--`; after it everything is a value.
    expect((await k(['runtime', 'set', '--file', STATE_REL, 'artifacts.note', '--', '--file=x'])).code).toBe(
      0,
    );
    expect((await k(['get', 'artifacts.note'])).out).toBe('--file=x\n');
  });

  it('run complete --error-message=VALUE records a message that starts with "-"', async () => {
    await setup('v2/mid-run.yaml');
    const message = '-bash: kubectl: command not found';
    const result = await k([
      'run',
      'complete',
      '--outcome',
      'failed',
      '--error-phase',
      'install_k0s',
      `--error-message=${message}`,
      '--exit-code',
      '127',
    ]);
    expect(result).toEqual({ code: 0, out: '', err: '' });
    const state = await loadState((work as Workdir).file);
    const runs = state.deployment_runs;
    expect(runs[runs.length - 1]?.error).toEqual({ phase: 'install_k0s', message, exit_code: 127 });
  });

  it('the same value as a separate argument is refused with the fix, and nothing is written', async () => {
    await setup('v2/mid-run.yaml');
    const before = await readFile((work as Workdir).file, 'utf8');
    const result = await k(['run', 'complete', '--outcome', 'failed', '--error-message', '-bash: x']);
    expect(result).toEqual({
      code: 2,
      out: '',
      err: 'error: --error-message needs a value, and "-bash: x" looks like an option; to pass a value that starts with "-", write --error-message=VALUE; see: k0rdent-state run complete --help [usage]\n',
    });
    expect(await readFile((work as Workdir).file, 'utf8')).toBe(before);
  });

  it('phase set ... --reason=-q stores "-q"; a key after -- is looked up, not read as an option', async () => {
    await setup('v2/mid-run.yaml');
    expect(
      (await k(['phase', 'set', 'install_kof_mothership', 'skipped', '--reason=-q'])).code,
    ).toBeLessThanOrEqual(1);
    expect(await k(['get', '--', '--help'])).toEqual({ code: 1, out: '', err: '' });
    expect(await k(['get', '--default', '-1', 'no.such.key'])).toEqual({ code: 0, out: '-1\n', err: '' });
  });
});

describe('one flag style', () => {
  it('-f/--file on validate, migrate and rollback, the positional still works', async () => {
    const w = await setup('v1/e5-deployer.yaml');
    const byOption = await k(['validate', '-f', STATE_REL]);
    const byPositional = await k(['validate', STATE_REL]);
    expect(byOption).toEqual(byPositional);
    expect(byOption.code).toBe(0);
    expect((await k(['validate', '--file', STATE_REL, '--file', STATE_REL])).err).toContain(
      '2 files checked',
    );
    expect(await k(['migrate', '--check', '-f', STATE_REL])).toEqual(
      await k(['migrate', '--check', STATE_REL]),
    );
    expect((await k(['migrate', '-f', STATE_REL, '--quiet'])).code).toBe(0);
    expect(await readFile(w.file, 'utf8')).toContain('schema_version: 2');
    const dry = await k(['rollback', '--dry-run', '-f', STATE_REL]);
    expect(dry.code).toBe(0);
    expect(dry).toEqual(await k(['rollback', '--dry-run', STATE_REL]));
    expect((await k(['rollback', '-f', STATE_REL, STATE_REL])).err).toBe(
      'error: name the file once: as FILE or with --file; see: k0rdent-state rollback --help [usage]\n',
    );
  });

  it('DEPLOYMENT_STATE_FILE is the default of validate, migrate and rollback too', async () => {
    const w = await setup('v1/e5-deployer.yaml');
    // The working folder's default path does not exist under this name: only the variable can find it.
    const { rename, mkdir } = await import('node:fs/promises');
    await mkdir(join(w.dir, 'elsewhere'));
    await rename(w.file, join(w.dir, 'elsewhere', 'state.yaml'));
    const elsewhere = { DEPLOYMENT_STATE_FILE: 'elsewhere/state.yaml' };
    expect((await k(['validate'], elsewhere)).err).toBe('1 file checked: 1 valid, 0 invalid, 0 warnings\n');
    expect(await k(['migrate', '--check'], elsewhere)).toEqual({
      code: 1,
      out: 'elsewhere/state.yaml:1:1: error: format v1 needs migrating to v2; run: k0rdent-state migrate elsewhere/state.yaml [needs-migration]\n',
      err: '',
    });
    expect((await k(['migrate', '--quiet'], elsewhere)).code).toBe(0);
    expect((await k(['rollback', '--dry-run'], elsewhere)).out).toMatch(
      /^would restore elsewhere\/state\.yaml \(v1\)/,
    );
    // --file wins over it.
    expect(
      (await k(['validate', '-f', 'elsewhere/state.yaml'], { DEPLOYMENT_STATE_FILE: 'nope.yaml' })).code,
    ).toBe(0);
  });

  it('the installed migrate --auto (its fast path too) finds the file by -f, --file= or DEPLOYMENT_STATE_FILE', async () => {
    const w = await setup('v1/e5-deployer.yaml');
    const { mkdir, rename } = await import('node:fs/promises');
    await mkdir(join(w.dir, 'elsewhere'));
    const moved = join(w.dir, 'elsewhere', 'state.yaml');
    await rename(w.file, moved);
    const auto = (args: string[], env: Record<string, string> = {}) =>
      spawnSync(process.execPath, [BIN, 'migrate', '--auto', ...args], {
        cwd: w.dir,
        encoding: 'utf8',
        env: { ...process.env, K0RDENT_STATE_NOW: NOW, ...env },
      });
    // v1 named by the variable: migrated (one line); then v2: the fast path, silent.
    const first = auto([], { DEPLOYMENT_STATE_FILE: 'elsewhere/state.yaml' });
    expect(first.status).toBe(0);
    expect(first.stderr).toMatch(
      /^k0rdent-state: migrated elsewhere\/state\.yaml from v1 to v2; original saved in /,
    );
    expect(await readFile(moved, 'utf8')).toContain('schema_version: 2');
    for (const args of [['-f', 'elsewhere/state.yaml'], ['--file=elsewhere/state.yaml'], []]) {
      const again = auto(args, { DEPLOYMENT_STATE_FILE: 'elsewhere/state.yaml' });
      expect({ status: again.status, out: again.stdout, err: again.stderr }, args.join(' ')).toEqual({
        status: 0,
        out: '',
        err: '',
      });
    }
  });

  it('get --format json prints the value as JSON: text quoted, maps and lists as JSON', async () => {
    await setup();
    expect((await k(['get', 'location', '--format', 'json', '--max-age', '1000d'])).out).toBe('"eastus"\n');
    expect((await k(['get', 'location', '--max-age', '1000d'])).out).toBe('eastus\n');
    const peers = await k(['get', 'wireguard_config.peers', '--format', 'json']);
    const parsed = JSON.parse(peers.out) as Record<string, { private_key?: string }>;
    expect(parsed.mylaptop?.private_key).toBe('<redacted>');
    expect(peers.out).not.toContain('6fL1dFfg9e2QpQ3LGqEIesk0iS5zv2kWChlmH3OaPKM=');
    expect((await k(['get', 'no.such', '--default', 'x', '--format', 'json'])).out).toBe('"x"\n');
    expect(
      (await k(['vm', 'info', 'k0rdent-g9s4h2lm-controller', '--format', 'json', '--max-age', '1000d'])).out,
    ).toMatch(/^\{"public_ip":"52\.224\.18\.133",/);
    expect((await k(['get', 'location', '--format', 'yaml'])).err).toBe(
      'error: --format takes text or json, not "yaml"; see: k0rdent-state get --help [usage]\n',
    );
  });

  it('history --format json; --json still works, with one deprecation line (none with --quiet)', async () => {
    await setup();
    const json = await k(['history', '--format', 'json']);
    expect(json.err).toBe('');
    const old = await k(['history', '--json']);
    expect(old).toEqual({ ...json, err: 'k0rdent-state: deprecated: --json; use --format json\n' });
    expect(await k(['history', '--json', '-q'])).toEqual(json);
    expect(JSON.parse(json.out)).toHaveLength(3);
  });

  it('runtime set --value-json; --json still works, with one deprecation line', async () => {
    await setup();
    expect(await k(['runtime', 'set', 'artifacts.kubeconfig', '{"path":"a"}', '--value-json'])).toEqual({
      code: 0,
      out: '',
      err: '',
    });
    expect(await k(['runtime', 'set', 'artifacts.kubeconfig', '{"path":"b"}', '--json'])).toEqual({
      code: 0,
      out: '',
      err: 'k0rdent-state: deprecated: --json; use --value-json\n',
    });
    expect((await k(['get', 'artifacts.kubeconfig'])).out).toBe('{"path":"b"}\n');
  });

  it('show-run and compare-runs --format json: the same facts as the text, secrets redacted', async () => {
    await setup();
    const ids = (JSON.parse((await k(['history', '--format', 'json'])).out) as { run_id: string }[]).map(
      (row) => row.run_id,
    );
    const [a = '', , c = ''] = ids;
    const shown = await k(['show-run', c, '--format', 'json']);
    expect(shown.code).toBe(0);
    const details = JSON.parse(shown.out) as Record<string, unknown>;
    expect(details.run_id).toBe(c);
    expect(details.current).toBe(true);
    expect(Array.isArray(details.phases)).toBe(true);
    const text = (await k(['show-run', c])).out;
    for (const phase of details.phases as { name: string; status: string }[]) {
      expect(text).toMatch(new RegExp(`\\b${phase.name}\\s+${phase.status}\\b`));
    }
    const compared = await k(['compare-runs', a, c, '--format', 'json']);
    expect(compared.code).toBe(0);
    const comparison = JSON.parse(compared.out) as { a: { run_id: string }; phases: unknown[] };
    expect(comparison.a.run_id).toBe(a);
    const compareText = (await k(['compare-runs', a, c])).out;
    for (const row of comparison.phases as { key: string }[]) expect(compareText).toContain(row.key);
    expect((await k(['show-run', 'nope', '--format', 'json'])).code).toBe(1);
  });
});

describe('help', () => {
  it('wraps to the terminal width and never breaks an example command', async () => {
    const commands = await listedCommands();
    for (const columns of [40, 60, 80, 160]) {
      const width = helpWidth(columns);
      for (const command of commands) {
        for (const action of [undefined, ...(command.actions ?? [])]) {
          const text = commandHelp(command, action, width);
          const examples = action
            ? action.examples
            : (command.examples ?? command.actions?.flatMap((a) => a.examples) ?? []);
          for (const [example] of examples) {
            const line = `k0rdent-state ${example}`;
            expect(
              lines(text).some((l) => l.trimStart().startsWith(line)),
              `${command.name} ${action?.name ?? ''} at ${columns}: ${line}`,
            ).toBe(true);
          }
          for (const l of lines(text)) {
            if (l.trimStart().startsWith('k0rdent-state ') || l.startsWith('Usage: ')) continue;
            // Longer only when one word is longer than the room left for it.
            if (l.length > width) expect(l.trim(), `${command.name} at ${columns}: ${l}`).not.toContain(' ');
          }
        }
      }
    }
  });

  it('COLUMNS sets the width when standard output has none (a pipe)', async () => {
    const io = memoryIO({ cwd: repoRoot, env: { COLUMNS: '50' } });
    expect(await run(['phase', 'set', '--help'], io)).toBe(0);
    const long = lines(io.out).filter((l) => l.length > 50 && !l.trimStart().startsWith('k0rdent-state '));
    expect(long.filter((l) => l.trim().includes(' ') && !l.startsWith('Usage: '))).toEqual([]);
    expect(io.out).toContain('  NAME     phase name, e.g. install_k0s');
  });

  it('COMMAND ACTION --help shows that action; --help anywhere wins over other problems', async () => {
    const io = memoryIO({ cwd: repoRoot, columns: 100 });
    expect(await run(['phase', 'set', '--help'], io)).toBe(0);
    expect(io.out).toMatch(/^Usage: k0rdent-state phase set NAME STATUS \[options\]\n/);
    expect(io.out).toContain('--reason TEXT');
    const other = memoryIO({ cwd: repoRoot });
    expect(await run(['get', '--frob', '-h'], other)).toBe(0);
    expect(other.out).toMatch(/^Usage: k0rdent-state get KEY/);
    const version = memoryIO({ cwd: repoRoot });
    expect(await run(['--version'], version)).toBe(0);
    expect(version.out).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('hidden commands run but are not listed nor suggested', async () => {
    const hidden = COMMANDS.filter((entry) => entry.hidden).map((entry) => entry.name);
    expect(hidden).toEqual(['update']);
    const io = memoryIO({ cwd: repoRoot });
    await run(['--help'], io);
    expect(io.out).not.toMatch(/k0rdent-state update\b/);
    const typo = memoryIO({ cwd: repoRoot });
    expect(await run(['updat', 'a', 'b'], typo)).toBe(2);
    expect(typo.err).not.toContain('did you mean k0rdent-state update');
  });
});

describe('bash completion', () => {
  let script = '';

  async function complete(words: string[]): Promise<string[]> {
    if (script === '') {
      const io = memoryIO({ cwd: repoRoot });
      expect(await run(['completion', 'bash'], io)).toBe(0);
      script = io.out;
    }
    const dir = (await setup()).dir;
    const file = join(dir, 'completion.bash');
    await writeFile(file, script);
    const quoted = words.map((word) => `'${word.replace(/'/g, "'\\''")}'`).join(' ');
    const program = [
      `source ${JSON.stringify(file)}`,
      `COMP_WORDS=(${quoted})`,
      `COMP_CWORD=${words.length - 1}`,
      '_k0rdent_state_complete',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: bash, not a template.
      'printf "%s\\n" "${COMPREPLY[@]}"',
    ].join('\n');
    const result = spawnSync('bash', ['--norc', '--noprofile', '-c', program], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    return lines(result.stdout).filter((line) => line !== '');
  }

  it('completes commands, actions, phase names, statuses, options and their values', async () => {
    expect(await complete(['k0rdent-state', 'ph'])).toEqual(['phase']);
    expect(await complete(['k0rdent-state', 'u'])).toEqual([]);
    expect(await complete(['k0rdent-state', 'phase', ''])).toEqual([
      'applicable',
      'status',
      'needs-run',
      'set',
      'reset-from',
    ]);
    expect(await complete(['k0rdent-state', 'phase', 'set', 'install_k'])).toEqual([
      'install_k0s',
      'install_k0rdent',
      'install_kof_mothership',
      'install_kof_regional',
    ]);
    expect(await complete(['k0rdent-state', 'phase', 'set', 'install_k0s', ''])).toEqual([
      'pending',
      'in_progress',
      'completed',
      'skipped',
    ]);
    expect(
      await complete(['k0rdent-state', '-q', 'phase', '--file', 'x.yaml', 'set', 'install_k0s', 'c']),
    ).toEqual(['completed']);
    expect(await complete(['k0rdent-state', 'get', 'x', '--fo'])).toEqual(['--format']);
    expect(await complete(['k0rdent-state', 'get', 'x', '--format', ''])).toEqual(['text', 'json']);
    expect(await complete(['k0rdent-state', 'validate', '--format', '=', 's'])).toEqual(['sarif']);
    expect(await complete(['k0rdent-state', 'run', 'complete', '--outcome', ''])).toEqual([
      'success',
      'failed',
      'interrupted',
    ]);
    expect(await complete(['k0rdent-state', 'run', 'complete', '--error-phase', 'setup_'])).toEqual([
      'setup_network',
      'setup_vpn',
      'setup_azure_children',
    ]);
    expect(await complete(['k0rdent-state', 'get', 'x', '--file', 'sta'])).toEqual(['state']);
    expect(await complete(['k0rdent-state', '--no'])).toEqual(['--no-color']);
    expect(await complete(['k0rdent-state', 'completion', ''])).toEqual(['bash']);
  });
});

describe('process warnings', () => {
  it('become one line of ours; notices about Node or library APIs are left out', () => {
    const warning = new Error(
      'Keys with collection values will be stringified\ndue to JS Object restrictions',
    );
    warning.name = 'Warning';
    expect(warningLine(warning)).toBe(
      'k0rdent-state: warning: Keys with collection values will be stringified due to JS Object restrictions\n',
    );
    const deprecation = new Error('Buffer() is deprecated');
    deprecation.name = 'DeprecationWarning';
    expect(warningLine(deprecation)).toBeUndefined();
    expect(warningLine(deprecation, true)).toBe('k0rdent-state: warning: Buffer() is deprecated\n');
  });

  it('the binary never prints a raw Node warning', async () => {
    const w = await setup('v2/fresh.yaml');
    // A key that is a collection: the YAML library warns while turning it into data.
    await writeFile(w.file, `${await readFile(w.file, 'utf8')}? [a, b]\n: 1\n`);
    for (const args of [
      ['validate', STATE_REL],
      ['get', 'deployment_id'],
    ]) {
      const result = spawnSync(process.execPath, [BIN, ...args], { cwd: w.dir, encoding: 'utf8' });
      expect(result.stderr, args.join(' ')).not.toMatch(/\(node:\d+\)|--trace-warnings/);
    }
  });
});
