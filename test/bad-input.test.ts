// Bad input that is not a fixture file (issue 2, item 6): each gets one clear line, the right exit
// code and no stack trace, and the file is left exactly as it was.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lines, makeTempDir, removeTempDir, repoRoot, runCli, STACK_LINE } from './helpers.js';

const SUMMARY_ONE_INVALID = '1 file checked: 0 valid, 1 invalid, 0 warnings\n';

let dir: string;
let validText: string;

beforeAll(async () => {
  dir = await makeTempDir();
  validText = await readFile(join(repoRoot, 'fixtures/v1/e5-deployer.yaml'), 'utf8');
});
afterAll(async () => {
  await removeTempDir(dir);
});

/** Writes a file into the temporary folder and returns its name relative to it. */
async function put(name: string, content: string | Uint8Array): Promise<string> {
  await writeFile(join(dir, name), content);
  return name;
}

/** Content (as a sha256, files can be 17 MiB) and modification time of a file, or null when there is none. */
async function snapshot(name: string) {
  const path = join(dir, name);
  if (!existsSync(path)) return null;
  const info = await stat(path);
  return {
    sha256: info.isFile()
      ? createHash('sha256')
          .update(await readFile(path))
          .digest('hex')
      : null,
    mtimeMs: info.mtimeMs,
    size: info.size,
  };
}

/** Runs `validate` on a file of the temporary folder and checks it was not touched. */
async function validate(name: string, ...options: string[]) {
  const before = await snapshot(name);
  const result = await runCli(['validate', ...options, name], dir);
  expect(await snapshot(name)).toEqual(before);
  expect(result.out + result.err).not.toMatch(STACK_LINE);
  return result;
}

describe('files that cannot be read or decoded (exit 3, one line on stdout)', () => {
  it('a missing file', async () => {
    const result = await validate('missing.yaml');
    expect(result.out).toBe(
      'missing.yaml: error: no such file; check the path (the default is state/deployment-state.yaml) [file-not-found]\n',
    );
    expect(result.err).toBe(SUMMARY_ONE_INVALID);
    expect(result.code).toBe(3);
    expect(existsSync(join(dir, 'missing.yaml'))).toBe(false);
  });

  it('the default file, when there is none', async () => {
    const result = await runCli(['validate'], dir);
    expect(result.out).toBe(
      'state/deployment-state.yaml: error: no such file; check the path (the default is state/deployment-state.yaml) [file-not-found]\n',
    );
    expect(result.code).toBe(3);
  });

  it('a directory', async () => {
    await mkdir(join(dir, 'state-dir'));
    const result = await validate('state-dir');
    expect(result.out).toBe(
      'state-dir: error: is a directory, not a state file; pass the path of a deployment-state.yaml [is-directory]\n',
    );
    expect(result.err).toBe(SUMMARY_ONE_INVALID);
    expect(result.code).toBe(3);
  });

  it.skipIf(!existsSync('/dev/null'))('a device, not a regular file', async () => {
    const result = await runCli(['validate', '/dev/null'], dir);
    expect(result.out).toBe(
      '/dev/null: error: is not a regular file; pass the path of a deployment-state.yaml [not-a-regular-file]\n',
    );
    expect(result.code).toBe(3);
  });

  it('an empty file', async () => {
    const result = await validate(await put('empty.yaml', ''));
    expect(result.out).toBe(
      'empty.yaml: error: is empty; restore it from old_deployments/ or remove it so the deployer starts afresh [empty-file]\n',
    );
    expect(result.err).toBe(SUMMARY_ONE_INVALID);
    expect(result.code).toBe(3);
  });

  it('a file of white space only', async () => {
    const result = await validate(await put('blank.yaml', '  \n\n\t\r\n   \n'));
    expect(result.out).toBe(
      'blank.yaml: error: holds only white space; restore it from old_deployments/ or remove it so the deployer starts afresh [empty-file]\n',
    );
    expect(result.code).toBe(3);
  });

  it('a file of comments only', async () => {
    const result = await validate(await put('comments.yaml', '# k0rdent Deployment State\n# (emptied)\n'));
    expect(result.out).toBe(
      'comments.yaml:1:1: error: holds nothing but comments; restore it from old_deployments/ or remove it so the deployer starts afresh [empty-file]\n',
    );
    expect(result.code).toBe(3);
  });

  it('bytes that are not UTF-8, in the middle of the file', async () => {
    // Line 3 is `deployer: "alice@example.com"`; 0xC3 0x28 is a broken two-byte sequence.
    const textLines = validText.split('\n');
    const head = `${textLines.slice(0, 2).join('\n')}\ndeployer: "ali`;
    const bytes = Buffer.concat([
      Buffer.from(head, 'utf8'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from(`ce@example.com"\n${textLines.slice(3).join('\n')}`, 'utf8'),
    ]);
    const offset = Buffer.byteLength(head);
    const result = await validate(await put('latin1.yaml', bytes));
    expect(result.out).toBe(
      `latin1.yaml:3:15: error: byte 0xc3 at offset ${offset} is not valid UTF-8; the file must be UTF-8 text: convert it with iconv -t UTF-8 [not-utf8]\n`,
    );
    expect(result.code).toBe(3);
  });

  it('a UTF-16 LE file with its byte-order mark', async () => {
    const bytes = Buffer.from(`\ufeff${validText}`, 'utf16le');
    expect([...bytes.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    const result = await validate(await put('utf16.yaml', bytes));
    expect(result.out).toBe(
      'utf16.yaml:1:1: error: is UTF-16 (it starts with a UTF-16 byte-order mark); convert it: iconv -f UTF-16 -t UTF-8 [not-utf8]\n',
    );
    expect(result.code).toBe(3);
  });

  it('a NUL byte', async () => {
    const result = await validate(await put('nul.yaml', validText.replace('deployer: "', 'deployer: "\0')));
    expect(result.out).toBe(
      'nul.yaml:3:12: error: contains a NUL byte, so it is binary, not a YAML state file; restore it from old_deployments/ [nul-byte]\n',
    );
    expect(result.code).toBe(3);
  });
});

describe('the size cap', () => {
  // A valid state file padded with a trailing comment to exactly 1.5 KiB.
  const padded = (text: string, size: number) => {
    const body = `${text}#`;
    return `${body}${'x'.repeat(size - Buffer.byteLength(body) - 1)}\n`;
  };

  it('--max-size 1k refuses a 1.5 KiB file (exit 3)', async () => {
    const name = await put('small.yaml', padded(validText.slice(0, 1000), 1536));
    expect((await stat(join(dir, name))).size).toBe(1536);
    const result = await validate(name, '--max-size', '1k');
    expect(result.out).toBe(
      'small.yaml: error: is 1.5 KiB, over the 1 KiB limit; a real state file stays under 3 MB: check the path, or raise the limit with --max-size [file-too-large]\n',
    );
    expect(result.err).toBe(SUMMARY_ONE_INVALID);
    expect(result.code).toBe(3);
  });

  it('--max-size 4k lets a valid 3.5 KiB file through', async () => {
    const name = await put('fits.yaml', padded(validText, 3584));
    expect((await stat(join(dir, name))).size).toBe(3584);
    const result = await validate(name, '--max-size', '4k');
    expect(result.out).toBe('');
    expect(result.err).toBe('1 file checked: 1 valid, 0 invalid, 0 warnings\n');
    expect(result.code).toBe(0);
  });

  it('the default cap (16 MiB) refuses a 17 MiB file', async () => {
    const name = await put('huge.yaml', padded(validText, 17 * 1024 * 1024));
    const result = await validate(name);
    expect(result.out).toBe(
      'huge.yaml: error: is 17 MiB, over the 16 MiB limit; a real state file stays under 3 MB: check the path, or raise the limit with --max-size [file-too-large]\n',
    );
    expect(result.code).toBe(3);
  });

  it.each([['bogus'], ['0'], ['-1k'], ['12 parsecs'], ['']])(
    '--max-size=%s is a usage error (exit 2)',
    async (size) => {
      const name = await put('any.yaml', validText);
      const result = await validate(name, `--max-size=${size}`);
      expect(result.out).toBe('');
      expect(result.err).toBe(
        `error: --max-size ${JSON.stringify(size)} is not a size; write e.g. 16MiB, 512k or 1048576 [usage]\n`,
      );
      expect(result.code).toBe(2);
    },
  );
});

describe('usage errors (exit 2, one line on stderr)', () => {
  it.each([
    [['frobnicate'], 'error: unknown command "frobnicate"; see the commands: k0rdent-state --help [usage]'],
    [
      ['validate', '--frob', 'x.yaml'],
      'error: unknown option --frob; see: k0rdent-state validate --help [usage]',
    ],
    [
      ['validate', '--schema', 'v3', 'x.yaml'],
      'error: --schema takes v1 or v2, not "v3"; see: k0rdent-state validate --help [usage]',
    ],
    [
      ['validate', '--format', 'xml', 'x.yaml'],
      'error: --format takes text, json, github, sarif or junit, not "xml"; see: k0rdent-state validate --help [usage]',
    ],
  ])('%j', async (argv, message) => {
    const result = await runCli(argv, dir);
    expect(result.out).toBe('');
    expect(result.err).toBe(`${message}\n`);
    expect(result.code).toBe(2);
  });

  it('no command at all', async () => {
    const result = await runCli([], dir);
    expect(result.out).toBe('');
    expect(result.err).toMatch(/^error: name a command\b[^\n]*\[usage\]\n$/);
    expect(result.code).toBe(2);
  });
});

describe('several files', () => {
  beforeAll(async () => {
    for (const name of ['schema-version-3', 'v1-legacy-bool-maybe', 'v2-peer-ips', 'duplicate-keys']) {
      await copyFile(join(repoRoot, 'fixtures/invalid', `${name}.yaml`), join(dir, `${name}.yaml`));
    }
    await copyFile(join(repoRoot, 'fixtures/v2/fresh.yaml'), join(dir, 'fresh.yaml'));
  });

  it.each([
    [['fresh.yaml', 'v2-peer-ips.yaml'], 0],
    [['fresh.yaml', 'v1-legacy-bool-maybe.yaml'], 1],
    [['v1-legacy-bool-maybe.yaml', 'fresh.yaml'], 1],
    [['v1-legacy-bool-maybe.yaml', 'missing.yaml', 'fresh.yaml'], 3],
    [['duplicate-keys.yaml', 'v1-legacy-bool-maybe.yaml'], 3],
    [['missing.yaml', 'schema-version-3.yaml', 'v1-legacy-bool-maybe.yaml'], 4],
    [['schema-version-3.yaml', 'missing.yaml'], 4],
  ])('%j exits with the highest code: %i', async (files, code) => {
    const result = await runCli(['validate', ...files], dir);
    expect(result.code).toBe(code);
    expect(result.out + result.err).not.toMatch(STACK_LINE);
    // Every file is reported, in order, even after one that cannot be read.
    const named = lines(result.out).map((line) => line.split(':', 1)[0]);
    const reported = files.filter((file) => file !== 'fresh.yaml');
    expect([...new Set(named)]).toEqual(reported);
    expect(result.err).toMatch(new RegExp(`^${files.length} files checked: `));
  });
});

describe('the built binary', () => {
  const bin = join(repoRoot, 'bin', 'k0rdent-state.js');
  const built = existsSync(join(repoRoot, 'dist', 'src', 'cli', 'main.js'));

  it('is built (npm test builds before running vitest)', () => {
    expect(built, 'dist/ is missing: run npx tsc -p tsconfig.build.json').toBe(true);
  });

  it.runIf(built)('prints one line, no stack trace, and exits 3 for a missing file', () => {
    const result = spawnSync(process.execPath, [bin, 'validate', 'missing.yaml'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(result.status).toBe(3);
    expect(result.stdout).toBe(
      'missing.yaml: error: no such file; check the path (the default is state/deployment-state.yaml) [file-not-found]\n',
    );
    expect(result.stderr).toBe(SUMMARY_ONE_INVALID);
    expect(result.stdout + result.stderr).not.toMatch(STACK_LINE);
  });

  it.runIf(built)('exits 2 for a usage error and 0 for valid fixtures', () => {
    const usage = spawnSync(process.execPath, [bin, 'validate', '--schema', 'v3'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(usage.status).toBe(2);
    expect(usage.stderr).not.toMatch(STACK_LINE);
    const ok = spawnSync(process.execPath, [bin, 'validate', 'fixtures/v2/fresh.yaml'], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(ok.status).toBe(0);
  });
});
