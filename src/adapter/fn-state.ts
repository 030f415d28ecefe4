/**
 * The state file as a whole, and its keys: init_deployment_state, archive_existing_state,
 * cleanup_deployment_state, state_file_exists, show_state_summary, get_state, update_state,
 * update_runtime_state, update_infra_cache, add_event, record_artifact, artifact_exists,
 * complete_deployment; and the adapter's own start-up calls.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir, rename, rmdir, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fastAuto } from '../cli/fast-auto.js';
import { ExitCode, StateError } from '../errors.js';
import { formatUtc } from '../migrate/times.js';
import { PHASES } from '../phases.js';
import { setCurrentPhase, setReportedStatus } from '../runtime/attempts.js';
import { initialState } from '../runtime/init.js';
import { getLegacyValue, setLegacyValue } from '../runtime/legacy.js';
import { setInfra, setRuntime } from '../runtime/values.js';
import { writeAtomic } from '../write/atomic.js';
import { acquireLock } from '../write/lock.js';
import { type AdapterFunction, Answer, type FunctionContext } from './call.js';
import { namedArgs, printShown, secretRefusal, shown, yqText } from './helpers.js';
import { eventOf, isFile, readView, stateExists, updateView, updateWithEvents } from './state-io.js';

/** `__phase_sequence`: the phase names, one per line (the adapter's PHASE_SEQUENCE). */
export const phaseSequence: AdapterFunction = (ctx) => {
  ctx.out.out(`${PHASES.join('\n')}\n`);
  return ExitCode.ok;
};

/** `__migrate_auto`: `k0rdent-state migrate --auto` on the state file, run when the adapter is sourced. */
export const migrateAuto: AdapterFunction = async (ctx) => {
  const quick = fastAuto(['migrate', '--auto', ctx.statePath], ctx.cwd);
  if (quick !== undefined) return quick;
  const { migrateCommand } = await import('../cli/migrate.js');
  return migrateCommand(
    {
      file: ctx.stateName,
      dryRun: false,
      auto: true,
      check: false,
      format: 'text',
      now: ctx.now,
      lockTimeoutMs: 30_000,
      maxBytes: 16 * 1024 * 1024,
      color: false,
    },
    { stdout: (text) => ctx.out.out(text), stderr: (text) => ctx.out.err(text), env: {}, cwd: ctx.cwd },
  );
};

// `date +%Y-%m-%d_%H-%M-%S`: local time, as the deployer names its archive folders.
function localStamp(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}_${pad(date.getHours())}-${pad(date.getMinutes())}-${pad(date.getSeconds())}`;
}

/** The other state files the deployer keeps in its state folder (archived with the state). */
function sideFiles(ctx: FunctionContext): string[] {
  const folder = dirname(ctx.statePath);
  return ['kof-state.yaml', 'kof-events.yaml', 'azure-state.yaml', 'azure-events.yaml'].map((name) =>
    join(folder, name),
  );
}

/** The deployment id recorded in the state file, as the old function read it. */
async function recordedId(ctx: FunctionContext): Promise<string> {
  if (!stateExists(ctx)) return '';
  try {
    const { state } = await readView(ctx, 'archive_existing_state');
    return state.deployment_id === undefined || state.deployment_id === null
      ? 'null'
      : String(state.deployment_id);
  } catch {
    return 'unknown';
  }
}

/**
 * archive_existing_state [REASON]: moves the state file, the events file and the other state
 * files to `old_deployments/<id>_<local time>_<reason>/` (under the state file's lock), as the
 * deployer did. Nothing to archive: returns 0 silently.
 */
export const archiveExistingState: AdapterFunction = async (ctx, args) => {
  const reason = args[0] || 'deployment';
  if (!stateExists(ctx) && !isFile(ctx.eventsPath)) return ExitCode.ok;
  const id = await recordedId(ctx);
  const root = resolve(dirname(dirname(ctx.statePath)), 'old_deployments');
  const safeId = id.replace(/[/\\]/g, '_').replace(/^\.+/, (dots) => '_'.repeat(dots.length));
  let folder = join(root, `${safeId}_${localStamp(ctx.now)}_${reason.replace(/[/\\]/g, '_')}`);
  if (existsSync(folder)) {
    for (let n = 2; existsSync(`${folder}-${n}`); n++) folder = `${folder}-${n + 1}`;
  }
  const lock = existsSync(dirname(ctx.statePath))
    ? await acquireLock(ctx.statePath, { command: 'state adapter: archive_existing_state' })
    : undefined;
  try {
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const label = shown(ctx, folder);
    for (const [path, name] of [
      [ctx.statePath, 'deployment-state.yaml'],
      [ctx.eventsPath, 'deployment-events.yaml'],
    ] as const) {
      if (!isFile(path)) continue;
      await rename(path, join(folder, basename(path)));
      ctx.out.print('info', `Archived ${name} to ${label}/`);
    }
    for (const path of sideFiles(ctx)) {
      if (!isFile(path)) continue;
      await rename(path, join(folder, basename(path)));
      ctx.out.print('info', `Archived ${basename(path)} to ${label}/`);
    }
    ctx.out.print('success', `State files archived to ${label}/`);
  } finally {
    await lock?.release();
  }
  ctx.cache?.delete(ctx.statePath);
  return ExitCode.ok;
};

/**
 * init_deployment_state ID: a new state file, v2 from birth (no migration, no backup, no
 * synthetic run: the first run is opened), and the events file with its first event. A state
 * file already there (the deployer re-initialises one it cannot read) is archived first, never
 * overwritten.
 */
export const initDeploymentState: AdapterFunction = async (ctx, args) => {
  const { named, rest } = namedArgs(args, [
    'deployer',
    'config_yaml',
    'azure_location',
    'controller_count',
    'worker_count',
    'wireguard_network',
    'terraform_dir',
  ]);
  const id = rest[0] ?? '';
  await mkdir(dirname(ctx.statePath), { recursive: true });
  if (stateExists(ctx) || isFile(ctx.eventsPath)) {
    const archived = await archiveExistingState(ctx, ['replaced']);
    if (archived !== ExitCode.ok) return archived;
  }
  const { state, events } = await initialState({
    deploymentId: id,
    deployer: named.deployer || 'unknown',
    sourceConfigFile: named.config_yaml ?? '',
    azureLocation: named.azure_location ?? '',
    controllerCount: named.controller_count ?? '',
    workerCount: named.worker_count ?? '',
    wireguardNetwork: named.wireguard_network ?? '',
    terraformDir: resolve(ctx.cwd, named.terraform_dir || './terraform'),
    now: ctx.now,
  });
  const lock = await acquireLock(ctx.statePath, { command: 'state adapter: init_deployment_state' });
  try {
    await writeAtomic(ctx.statePath, state, 0o600);
    await writeAtomic(ctx.eventsPath, events, 0o600);
  } finally {
    await lock.release();
  }
  ctx.cache?.delete(ctx.statePath);
  ctx.out.print('info', `Initialized deployment state: ${ctx.stateName}`);
  ctx.out.print(
    'info',
    `Initialized deployment events: ${ctx.call.eventsFile || shown(ctx, ctx.eventsPath)}`,
  );
  return ExitCode.ok;
};

/**
 * cleanup_deployment_state [REASON]: removes the state and events files (and the state folder
 * when it is left empty), as the deployer's reset does.
 */
export const cleanupDeploymentState: AdapterFunction = async (ctx) => {
  if (isFile(ctx.statePath)) {
    await unlink(ctx.statePath);
    ctx.out.print('info', 'Removed deployment state file');
  }
  if (isFile(ctx.eventsPath)) {
    await unlink(ctx.eventsPath);
    ctx.out.print('info', 'Removed deployment events file');
  }
  const folder = dirname(ctx.statePath);
  if (existsSync(folder) && statSync(folder).isDirectory() && (await readdir(folder)).length === 0) {
    await rmdir(folder);
    ctx.out.print('info', 'Removed empty state directory');
  }
  ctx.cache?.delete(ctx.statePath);
  ctx.out.print('success', 'Deployment state cleanup completed');
  return ExitCode.ok;
};

/** state_file_exists: 0 when the state file is there and readable as a state file. */
export const stateFileExists: AdapterFunction = async (ctx) => {
  if (!stateExists(ctx)) return Answer.no;
  try {
    await readView(ctx, 'state_file_exists');
    return Answer.yes;
  } catch (error) {
    if (!(error instanceof StateError)) throw error;
    // Say why, on standard error: the deployer treats an unreadable file as absent.
    ctx.out.err(`k0rdent-state: state_file_exists: ${error.file ?? ctx.stateName}: ${error.message}\n`);
    return Answer.no;
  }
};

/** show_state_summary: the deployment id, phase, status, creation time and VMs. */
export const showStateSummary: AdapterFunction = async (ctx) => {
  if ((await stateFileExists(ctx, [])) !== Answer.yes) {
    ctx.out.print('error', 'No deployment state found');
    return Answer.no;
  }
  const { state } = await readView(ctx, 'show_state_summary');
  const get = (key: string) => yqText(getLegacyValue(state, key)?.value);
  ctx.out.out('\n');
  ctx.out.print('info', '=== Deployment State Summary ===');
  ctx.out.out(
    `  Deployment ID: ${get('deployment_id')}\n  Phase: ${get('phase')}\n  Status: ${get('status')}\n  Created: ${get('created_at')}\n\n`,
  );
  const vms = (state.infrastructure_facts.outputs.vm_details ?? {}) as Record<
    string,
    Record<string, unknown>
  >;
  const names = typeof vms === 'object' && vms !== null ? Object.keys(vms) : [];
  if (names.length > 0) {
    ctx.out.print('info', '=== VM States ===');
    for (const name of names) {
      const vm = vms[name] ?? {};
      ctx.out.out(`  ${name}: ${yqText(vm.provisioning_state)} (${yqText(vm.public_ip)})\n`);
    }
    ctx.out.out('\n');
  }
  return ExitCode.ok;
};

/**
 * get_state KEY: the value at the key's v2 place, printed as `yq eval` printed it; `null` when
 * there is none; nothing and 1 when there is no state file. A private key is never printed.
 */
export const getState: AdapterFunction = async (ctx, args) => {
  if (!stateExists(ctx)) return Answer.no;
  const key = args[0] ?? '';
  const { state } = await readView(ctx, 'get_state');
  const found = getLegacyValue(state, key);
  if (found === undefined) {
    ctx.out.out(`${yqText(null)}\n`);
    return ExitCode.ok;
  }
  return printShown(ctx, state, found, yqText, secretRefusal(key));
};

function deprecatedUpdate(ctx: FunctionContext, where: string): void {
  ctx.out.deprecated(
    'update_state',
    `k0rdent-state: update_state is deprecated (said once per shell): call update_runtime_state KEY VALUE for runtime keys, update_infra_cache OUTPUT JSON for infrastructure facts; each v1 key is stored at its v2 place (this one at ${where})`,
  );
}

/**
 * update_state KEY VALUE: the old function, storing into the key's v2 place through the key map.
 * Prints its deprecation line once per shell.
 */
export const updateState: AdapterFunction = async (ctx, args) => {
  if (!stateExists(ctx)) {
    ctx.out.print('error', `State file not found: ${ctx.stateName}`);
    return Answer.no;
  }
  const [key = '', value = ''] = args;
  const { value: written } = await updateView(
    ctx,
    'update_state',
    (view) => setLegacyValue(view, key, value, ctx.now),
    { touch: true, dataOnly: true },
  );
  deprecatedUpdate(ctx, written.where);
  return ExitCode.ok;
};

/** update_runtime_state KEY VALUE [--json]: a value in the runtime layer (the proposal's function). */
export const updateRuntimeState: AdapterFunction = async (ctx, args) => {
  const [key = '', value = '', ...flags] = args;
  const { value: set } = await updateView(
    ctx,
    'update_runtime_state',
    (view) => setRuntime(view, key, value, flags.includes('--json')),
    { dataOnly: true },
  );
  if (set.legacy) ctx.out.err(`note: ${set.legacy} is ${set.path.join('.')} in v2\n`);
  return ExitCode.ok;
};

/** update_infra_cache OUTPUT JSON: a value in the Terraform cache (the proposal's function). */
export const updateInfraCache: AdapterFunction = async (ctx, args) => {
  const [key = '', value = ''] = args;
  await updateView(ctx, 'update_infra_cache', (view) => setInfra(view, key, value, ctx.now));
  return ExitCode.ok;
};

/**
 * add_event ACTION MESSAGE [PHASE]: appends to the events file when it exists (with `phase` when
 * given) and stamps the state file, under the state file's lock.
 */
export const addEvent: AdapterFunction = async (ctx, args) => {
  const [action = '', message = '', phase] = args;
  const event = eventOf(ctx, action, message, phase);
  if (stateExists(ctx)) {
    await updateWithEvents(ctx, 'add_event', () => undefined, [event]);
    return ExitCode.ok;
  }
  if (isFile(ctx.eventsPath)) {
    const { appendLogEvent } = await import('../write/event-log.js');
    const lock = await acquireLock(ctx.statePath, { command: 'state adapter: add_event' });
    try {
      await appendLogEvent(ctx.eventsPath, event);
    } finally {
      await lock.release();
    }
  }
  return ExitCode.ok;
};

/** record_artifact NAME PATH [METADATA]: artifacts.NAME.{path, updated_at, metadata}. */
export const recordArtifact: AdapterFunction = async (ctx, args) => {
  if (!stateExists(ctx)) return Answer.no;
  const [name = '', path = '', metadata = ''] = args;
  await updateView(ctx, 'record_artifact', ({ doc }) => {
    doc.setIn(['artifacts', name, 'path'], path);
    doc.setIn(['artifacts', name, 'updated_at'], formatUtc(ctx.now));
    if (metadata !== '') doc.setIn(['artifacts', name, 'metadata'], metadata);
  });
  return ExitCode.ok;
};

/** artifact_exists NAME: 0 when the artifact is recorded and its path exists (from the shell's folder). */
export const artifactExists: AdapterFunction = async (ctx, args) => {
  if (!stateExists(ctx)) return Answer.no;
  const { state } = await readView(ctx, 'artifact_exists');
  const artifacts = state.artifacts as Record<string, { path?: unknown }> | undefined;
  const name = args[0] ?? '';
  const entry = artifacts && Object.hasOwn(artifacts, name) ? artifacts[name] : undefined;
  const path = entry?.path;
  if (typeof path !== 'string' || path === '' || path === 'null') return Answer.no;
  return existsSync(resolve(ctx.cwd, path)) ? Answer.yes : Answer.no;
};

/**
 * complete_deployment [FINAL_PHASE]: what the deployer writes when k0rdent is installed: status
 * `completed` and the phase label on the current run, and a deployment_completed event. (The run
 * itself ends when the deployer records deployment_end_time.)
 */
export const completeDeployment: AdapterFunction = async (ctx, args) => {
  if (!stateExists(ctx)) {
    ctx.out.print('error', `State file not found: ${ctx.stateName}`);
    return Answer.no;
  }
  const finalPhase = args[0] || 'completed';
  await updateWithEvents(
    ctx,
    'complete_deployment',
    (view) => {
      setReportedStatus(view, 'completed', ctx.now);
      setCurrentPhase(view, finalPhase);
    },
    [eventOf(ctx, 'deployment_completed', 'Full k0rdent deployment completed successfully')],
  );
  return ExitCode.ok;
};
