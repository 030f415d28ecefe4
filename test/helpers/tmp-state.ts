// Helpers of the migrate/rollback/concurrency/fault tests: deployer-like working folders in a
// temp dir, the CLI run in-process or as a child process, and checks on the result.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { memoryIO } from '../../src/cli/io.js';
import { run } from '../../src/cli/run.js';
import { parseState } from '../../src/parse/parse.js';
import { validateParsed } from '../../src/validate/validate.js';

/** The repository root. */
export const REPO = fileURLToPath(new URL('../..', import.meta.url));
/** The CLI as installed (runs dist/). */
export const BIN = join(REPO, 'bin/k0rdent-state.js');
/** The pinned clock of these tests and the archive stamp it gives (UTC). */
export const NOW = '2026-03-04T05:06:07Z';
export const STAMP = '2026-03-04_05-06-07';
/** The six step ids of the v1 → v2 chain, in order (docs/state-format.md section 3). */
export const STEP_IDS = [
  'normalize-v1',
  'infra-to-terraform-cache',
  'group-runtime-state',
  'prune-stale-keys',
  'wrap-phases-in-synthetic-run',
  'finalize-v2',
];
/** A line of a JavaScript stack trace. */
export const STACK_LINE = /^\s+at .+[:(]/m;
/** A temp file of an atomic write. */
export const TEMP_FILE = /\.k0rdent-state-tmp-/;

/** A deployer working folder: `<dir>/state/deployment-state.yaml`, `<dir>/old_deployments/`. */
export interface Deployment {
  dir: string;
  stateDir: string;
  stateFile: string;
  eventsFile: string;
  archive: string;
  /** The state file's bytes as written by {@link makeDeployment}. */
  original: Buffer;
}

/** Options of {@link makeDeployment}. */
export interface DeploymentOptions {
  /** Content of state/deployment-events.yaml; none when omitted. */
  events?: string;
  /** Mode of the state file (default 0644). */
  mode?: number;
  /** Content of the state file instead of the fixture's bytes. */
  content?: string | Buffer;
}

/** An events file as the deployer writes it. */
export const EVENTS_TEXT =
  'events:\n  - {timestamp: "2025-12-03T09:12:44Z", action: "deployment_started", message: "Deployment started"}\n';

const made: string[] = [];

/** Creates a deployer working folder holding `fixtures/v1/<fixture>` as its state file. */
export async function makeDeployment(fixture: string, options: DeploymentOptions = {}): Promise<Deployment> {
  const dir = await mkdtemp(join(tmpdir(), 'k0rdent-state-mig-'));
  made.push(dir);
  const stateDir = join(dir, 'state');
  await mkdir(stateDir);
  const stateFile = join(stateDir, 'deployment-state.yaml');
  const eventsFile = join(stateDir, 'deployment-events.yaml');
  const original = options.content
    ? Buffer.from(options.content)
    : await readFile(join(REPO, 'fixtures/v1', fixture));
  await writeFile(stateFile, original);
  await chmod(stateFile, options.mode ?? 0o644);
  if (options.events !== undefined) await writeFile(eventsFile, options.events);
  return { dir, stateDir, stateFile, eventsFile, archive: join(dir, 'old_deployments'), original };
}

/** Removes every folder {@link makeDeployment} created. */
export async function cleanupDeployments(): Promise<void> {
  const dirs = made.splice(0);
  await Promise.all(
    dirs.map(async (dir) => {
      // A test may have made folders read-only; the owner (or root) can make them writable again.
      await chmodTree(dir).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }),
  );
}

async function chmodTree(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) await chmodTree(join(dir, entry.name));
  }
}

/** What one run of the CLI produced. */
export interface Outcome {
  code: number | null;
  out: string;
  err: string;
  signal?: NodeJS.Signals | null;
}

/** Runs the CLI in-process (src/, through `run`) in `cwd`, with the clock pinned. */
export async function cli(argv: string[], cwd: string, env: Record<string, string> = {}): Promise<Outcome> {
  const io = memoryIO({ cwd, env: { K0RDENT_STATE_NOW: NOW, ...env } });
  const code = await run(argv, io);
  return { code, out: io.out, err: io.err };
}

/** Options of {@link spawnCli}. */
export interface SpawnOptions {
  cwd: string;
  env?: Record<string, string>;
  /** Command and arguments put before `node` (e.g. setpriv to drop root). */
  prefix?: string[];
}

/** Runs `node bin/k0rdent-state.js ARGV` as a child process (what deployer scripts run). */
export function spawnCli(argv: string[], options: SpawnOptions): Promise<Outcome> {
  const child = startCli(argv, options);
  return finished(child);
}

/** Starts the CLI as a child process; see {@link finished}. */
export function startCli(argv: string[], options: SpawnOptions) {
  const command = [...(options.prefix ?? []), process.execPath, BIN, ...argv];
  const env: Record<string, string | undefined> = { ...process.env, K0RDENT_STATE_NOW: NOW, ...options.env };
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  return spawn(command[0] as string, command.slice(1), {
    cwd: options.cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Waits for a child started by {@link startCli}. */
export function finished(child: ReturnType<typeof startCli>): Promise<Outcome> {
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, out, err, signal }));
  });
}

/** sha256 (hex) of bytes. */
export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Entries of a folder, sorted; [] when it does not exist. */
export async function list(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  return (await readdir(dir)).sort();
}

/** Bytes, mode and mtime of a file. */
export async function snapshot(file: string) {
  const info = await stat(file);
  return { bytes: await readFile(file), mode: info.mode & 0o7777, mtimeMs: info.mtimeMs };
}

/** Parses and validates a state file's text as v2: the parsed data and the errors found. */
export function checkV2(text: string) {
  const parsed = parseState(text, 'state.yaml');
  const result = validateParsed(parsed, { version: 2 });
  return {
    data: parsed.data,
    errors: result.problems.filter((problem) => problem.severity === 'error'),
  };
}

/** Whether the tests run as root, where file modes do not stop writes. */
export const IS_ROOT = process.getuid?.() === 0;

/**
 * A command prefix that runs a child as an unprivileged user (`setpriv` to nobody when the
 * tests run as root), or undefined when that is not possible. Without root, no prefix is needed.
 */
export async function unprivilegedPrefix(): Promise<string[] | undefined> {
  if (!IS_ROOT) return [];
  for (const setpriv of ['/usr/bin/setpriv', '/bin/setpriv']) {
    if (existsSync(setpriv)) {
      const prefix = [setpriv, '--reuid=65534', '--regid=65534', '--clear-groups'];
      // Check that the user can run node and read the package (it may sit in a private folder).
      const probe = await spawnCli(['--version'], { cwd: tmpdir(), prefix }).catch(() => undefined);
      if (probe?.code === 0) return prefix;
    }
  }
  return undefined;
}

/**
 * A v1 state file (E5 era) with `count` VMs and as many WireGuard peers: large enough that
 * migrating it takes a while and writing it more than one write() call.
 */
export function largeV1(count: number): string {
  const id = 'k0rdent-big00001';
  const lines = [
    '# k0rdent Deployment State',
    `deployment_id: "${id}"`,
    'deployer: "load@example.com"',
    'created_at: "2025-12-01T10:00:00Z"',
    'last_updated: "2025-12-01T12:00:00Z"',
    'phase: "install_k0s"',
    'status: "in_progress"',
    'deployment_flags:',
    '  azure_children: false',
    '  kof: false',
    'source_config_file: "config/k0rdent-scale.yaml"',
    'config:',
    '  azure_location: "southeastasia"',
    `  resource_group: "${id}-resgrp"`,
    '  controller_count: 3',
    `  worker_count: ${count - 3}`,
    '  wireguard_network: "172.24.0.0/16"',
    '  wireguard_port: "51846"',
    'azure_rg_status: "created"',
    'azure_network_status: "created"',
    'azure_ssh_key_status: "created"',
    'vm_states:',
  ];
  const name = (i: number) => (i < 3 ? `${id}-controller-${i + 1}` : `${id}-worker-${i - 2}`);
  for (let i = 0; i < count; i++) {
    lines.push(
      `  ${name(i)}:`,
      `    public_ip: "20.${100 + Math.floor(i / 250)}.${i % 250}.${(i * 7) % 250}"`,
      `    private_ip: "10.240.${Math.floor(i / 250)}.${(i % 250) + 4}"`,
      '    state: "Succeeded"',
      '    last_checked: "2025-12-01T11:00:00Z"',
    );
  }
  lines.push(
    'wg_keys_generated: true',
    'wg_laptop_config_created: true',
    'wg_vpn_connected: true',
    'wireguard_peers:',
  );
  for (let i = 0; i < count; i++) {
    const key = (salt: string) => createHash('sha256').update(`${salt}${i}`).digest('base64');
    lines.push(
      `  ${name(i)}:`,
      `    ip: "172.24.${Math.floor((i + 11) / 250)}.${((i + 11) % 250) + 1}"`,
      `    role: "${i < 3 ? 'controller' : 'worker'}"`,
      `    private_key: "${key('private')}"`,
      `    public_key: "${key('public')}"`,
      '    keys_generated: true',
      '    keys_generated_at: "2025-12-01T10:05:00Z"',
    );
  }
  lines.push(
    'k0s_config_generated: true',
    'phases:',
    '  prepare_deployment: {status: "completed", updated_at: "2025-12-01T10:01:00Z"}',
    '  setup_network: {status: "completed", updated_at: "2025-12-01T10:10:00Z"}',
    '  create_vms: {status: "completed", updated_at: "2025-12-01T11:00:00Z"}',
    '  setup_vpn: {status: "completed", updated_at: "2025-12-01T11:10:00Z"}',
    '  connect_vpn: {status: "completed", updated_at: "2025-12-01T11:20:00Z"}',
    '  install_k0s: {status: "in_progress", updated_at: "2025-12-01T11:30:00Z"}',
    '  install_k0rdent: {status: "pending", updated_at: "2025-12-01T10:00:00Z"}',
    'artifacts: {}',
    '',
  );
  return lines.join('\n');
}

/** Awaits a CLI run and checks it exited 0 (showing its stderr when not). */
export async function ok(outcome: Promise<Outcome>): Promise<Outcome> {
  const result = await outcome;
  expect(result.code, result.err).toBe(0);
  return result;
}
