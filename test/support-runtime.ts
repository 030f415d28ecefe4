// Helpers of the runtime tests (runtime.test.ts, runtime-cli.test.ts, bash-adapter.test.ts): deployer-like
// working folders in a temp dir and the CLI run in-process. Not a test file itself.
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { memoryIO } from '../src/cli/io.js';
import { run } from '../src/cli/run.js';
import type { DeploymentStateV2 } from '../src/generated/deployment-state.v2.js';

/** The repository root. */
export const REPO = fileURLToPath(new URL('..', import.meta.url));
/** The CLI as installed (runs dist/: build first). */
export const BIN = join(REPO, 'bin/k0rdent-state.js');
/** The bash adapter. */
export const ADAPTER = join(REPO, 'shell/state-management.sh');
/** The state file inside a working folder, as the deployer names it. */
export const STATE_REL = 'state/deployment-state.yaml';

/** A run id as `run start` makes it. */
export const RUN_ID = /^\d{8}T\d{6}Z-[0-9a-f]{6}$/;

/** A deployer working folder: `<dir>/state/deployment-state.yaml` (+ `<dir>/terraform/` on request). */
export interface Workdir {
  dir: string;
  file: string;
}

/** The path of a fixture file. */
export function fixturePath(relative: string): string {
  return join(REPO, 'fixtures', relative);
}

/** Options of {@link makeWorkdir}. */
export interface WorkdirOptions {
  /** Copy fixtures/terraform/<name>/ (e.g. `local`) to `<dir>/terraform/`. */
  terraform?: string;
  /** Copy all of fixtures/terraform/ to `<dir>/tf/`. */
  allTerraform?: boolean;
}

/** Makes a working folder whose state file is a copy of `fixture` (relative to fixtures/). */
export async function makeWorkdir(fixture: string, options: WorkdirOptions = {}): Promise<Workdir> {
  const dir = await mkdtemp(join(tmpdir(), 'k0rdent-state-runtime-'));
  await mkdir(join(dir, 'state'));
  const file = join(dir, STATE_REL);
  await writeFile(file, await readFile(fixturePath(fixture)));
  if (options.terraform) {
    await cp(fixturePath(join('terraform', options.terraform)), join(dir, 'terraform'), { recursive: true });
  }
  if (options.allTerraform) await cp(fixturePath('terraform'), join(dir, 'tf'), { recursive: true });
  return { dir, file };
}

/** Removes a working folder. */
export function removeWorkdir(work: Workdir | undefined): Promise<void> {
  return work ? rm(work.dir, { recursive: true, force: true }) : Promise.resolve();
}

/** The state file's data. */
export async function loadState(file: string): Promise<DeploymentStateV2> {
  return parse(await readFile(file, 'utf8')) as DeploymentStateV2;
}

/** The names in `<dir>/old_deployments/` (none when the folder does not exist). */
export async function backups(dir: string): Promise<string[]> {
  return readdir(join(dir, 'old_deployments')).catch(() => []);
}

/** What one in-process run of the CLI produced. */
export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Runs the CLI in-process in `cwd`, with `env` as its whole environment. */
export async function cli(
  cwd: string,
  argv: string[],
  env: Record<string, string> = {},
  stdin?: string,
): Promise<CliResult> {
  const io = memoryIO({
    cwd,
    env,
    ...(stdin === undefined ? {} : { readStdin: () => Promise.resolve(stdin) }),
  });
  const code = await run(argv, io);
  return { code, out: io.out, err: io.err };
}
