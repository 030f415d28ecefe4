// Shared helpers of the test suite (not a test file itself).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { memoryIO } from '../src/cli/io.js';
import { run } from '../src/cli/run.js';

/** The repository root (the folder holding package.json). */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** What one in-process run of the CLI produced. */
export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Runs the CLI in-process with `argv` and the working folder `cwd` (the repository root by default). */
export async function runCli(argv: string[], cwd: string = repoRoot): Promise<CliResult> {
  const io = memoryIO({ cwd });
  const code = await run(argv, io);
  return { code, out: io.out, err: io.err };
}

/** Splits output into lines, without the empty string after the final newline. */
export function lines(text: string): string[] {
  if (text === '') return [];
  return text.replace(/\n$/, '').split('\n');
}

/** Matches a line of a JavaScript stack trace, which the CLI must never print. */
export const STACK_LINE = /^ {4}at /m;

/** Creates a fresh temporary folder; remove it with {@link removeTempDir}. */
export function makeTempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'k0rdent-state-test-'));
}

/** Removes a folder made by {@link makeTempDir}. */
export function removeTempDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}
