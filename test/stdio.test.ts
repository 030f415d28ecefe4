// The binary's standard output and error (src/cli/stdio.ts): written with writeSync, so that a
// piped output does not build Node's stream; the stream takes over when the descriptor refuses.
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fdWriter, mayBeTerminal } from '../src/cli/stdio.js';
import { makeTempDir, removeTempDir, repoRoot } from './helpers.js';

const dir = await makeTempDir();
afterAll(() => removeTempDir(dir));

describe('fdWriter', () => {
  it('writes every byte, in order, multi-byte characters included', () => {
    const file = join(dir, 'out.txt');
    const fd = openSync(file, 'w');
    const write = fdWriter(
      fd,
      () => ({ write: () => expect.unreachable('no fallback') }),
      () => undefined,
    );
    const big = 'x'.repeat(200_000);
    write('✓ one\n');
    write(big);
    write('\nlast ✗\n');
    closeSync(fd);
    expect(readFileSync(file, 'utf8')).toBe(`✓ one\n${big}\nlast ✗\n`);
  });

  it('hands the rest to the stream when the descriptor refuses, and every later write too', () => {
    const file = join(dir, 'read-only.txt');
    closeSync(openSync(file, 'w'));
    const fd = openSync(file, 'r');
    const taken: string[] = [];
    let streams = 0;
    const write = fdWriter(
      fd,
      () => {
        streams++;
        return { write: (text) => taken.push(Buffer.from(text).toString('utf8')) };
      },
      () => expect.unreachable('not gone'),
    );
    write('first ✓\n');
    write('second\n');
    closeSync(fd);
    expect(taken).toEqual(['first ✓\n', 'second\n']);
    expect(streams).toBe(1);
  });

  it('a reader that stopped early: the CLI exits 0, silently', () => {
    // 300 KB of output: more than a pipe holds, so the writer meets the closed pipe (EPIPE).
    const file = join(dir, 'big-state.yaml');
    const text = readFileSync(join(repoRoot, 'fixtures/v2/several-runs.yaml'), 'utf8');
    expect(text).toContain('unrecognized: {}');
    writeFileSync(file, text.replace('unrecognized: {}', `unrecognized:\n  blob: ${'x'.repeat(300_000)}`));
    const result = spawnSync(
      'bash',
      [
        '-c',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash expansion, for bash
        'set -o pipefail; node "$1" get -f "$2" unrecognized.blob | head -c 10 >/dev/null; echo "${PIPESTATUS[0]}"',
        '_',
        join(repoRoot, 'bin/k0rdent-state.js'),
        file,
      ],
      { encoding: 'utf8' },
    );
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('0\n');
  });
});

describe('mayBeTerminal', () => {
  it('is false for a file or a pipe without asking; a character device asks', () => {
    const fd = openSync(join(dir, 'plain.txt'), 'w');
    expect(mayBeTerminal(fd, () => expect.unreachable('not asked'))).toBe(false);
    closeSync(fd);
    const nul = openSync('/dev/null', 'w');
    expect(mayBeTerminal(nul, () => true)).toBe(true);
    expect(mayBeTerminal(nul, () => false)).toBe(false);
    closeSync(nul);
    expect(mayBeTerminal(987_654, () => true)).toBe(false);
  });
});
