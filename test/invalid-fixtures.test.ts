// Every fixtures/invalid/NAME.yaml prints exactly the lines of NAME.expected.txt and exits with
// the code on its first line (`# exit: N`); NAME.args holds extra arguments. See fixtures/invalid/README.md.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lines, repoRoot, runCli, STACK_LINE } from './helpers.js';

const folder = 'fixtures/invalid';

interface Case {
  name: string;
  file: string;
  args: string[];
  exit: number;
  expected: string[];
}

function readCase(name: string): Case {
  const base = join(repoRoot, folder, name);
  const [header = '', ...expected] = lines(readFileSync(`${base}.expected.txt`, 'utf8'));
  const exit = /^# exit: (\d+)$/.exec(header);
  if (!exit)
    throw new Error(`${name}.expected.txt must start with "# exit: N", not ${JSON.stringify(header)}`);
  const args = existsSync(`${base}.args`)
    ? lines(readFileSync(`${base}.args`, 'utf8')).filter((line) => line.trim() !== '')
    : [];
  return { name, file: `${folder}/${name}.yaml`, args, exit: Number(exit[1]), expected };
}

const entries = readdirSync(join(repoRoot, folder));
const names = entries
  .filter((entry) => entry.endsWith('.yaml'))
  .map((entry) => entry.slice(0, -'.yaml'.length))
  .sort();
const cases = names.map(readCase);

describe('fixtures/invalid', () => {
  it('pairs every NAME.yaml with NAME.expected.txt, and every other file with a NAME.yaml', () => {
    expect(names.length).toBeGreaterThan(0);
    for (const entry of entries) {
      if (entry === 'README.md') continue;
      const match = /^(.+?)\.(yaml|expected\.txt|args)$/.exec(entry);
      expect(match, `unexpected file ${entry}`).not.toBeNull();
      expect(names, `${entry} has no ${match?.[1]}.yaml`).toContain(match?.[1]);
    }
    for (const name of names) expect(entries).toContain(`${name}.expected.txt`);
  });

  it('covers every case the issue asks for', () => {
    expect(names).toEqual(
      expect.arrayContaining([
        'v1-legacy-bool-maybe',
        'v1-wireguard-port-abc',
        'v1-bad-phase-status',
        'v1-missing-created-at',
        'v2-unknown-top-level-key',
        'v2-dangling-current-run',
        'v2-duplicate-run-ids',
        'v2-two-in-progress-runs',
        'v2-phase-not-applicable',
        'v2-unknown-phase',
        'v2-ended-before-started',
        'v2-ended-before-started-strict',
        'v1-peer-ips',
        'v2-peer-ips',
        'v2-bad-timestamp',
        'schema-version-string',
        'schema-version-3',
        'malformed-yaml',
        'duplicate-keys',
        'root-is-list',
        'alias-bomb',
        'events-file',
        'k0rdent-config',
        'v1-require-latest',
      ]),
    );
  });

  it.each(cases)('$name', async ({ file, args, exit, expected }) => {
    const result = await runCli(['validate', ...args, file]);
    expect(lines(result.out)).toEqual(expected);
    expect(result.code).toBe(exit);
    expect(result.out + result.err).not.toMatch(STACK_LINE);
    const invalid = exit === 0 ? 0 : 1;
    expect(result.err).toMatch(
      new RegExp(`^1 file checked: ${1 - invalid} valid, ${invalid} invalid, \\d+ warnings?\\n$`),
    );
  });

  it('every expected line names its file and has the documented shape', () => {
    const problem = /^(\S+):(\d+):(\d+): (error|warning): .+ \[[a-z0-9-]+\] \(at \/\S*\)$/;
    const fileError = /^(\S+?)(:\d+:\d+)?: error: .+ \[[a-z0-9-]+\]$/;
    for (const { name, file, expected, exit } of cases) {
      expect(expected.length, `${name} prints nothing`).toBeGreaterThan(0);
      for (const line of expected) {
        expect(line.startsWith(`${file}:`), line).toBe(true);
        expect(problem.test(line) || fileError.test(line), line).toBe(true);
      }
      if (exit === 0) expect(expected.every((line) => line.includes(': warning: '))).toBe(true);
    }
  });

  it('never quotes a private key', () => {
    for (const { name, expected } of cases) {
      const source = readFileSync(join(repoRoot, folder, `${name}.yaml`), 'utf8');
      for (const key of source.matchAll(/private_key: "([^"]+)"/g)) {
        expect(expected.join('\n')).not.toContain(key[1]);
      }
    }
  });
});
