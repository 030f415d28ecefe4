/**
 * The infrastructure functions: VM facts (update_vm_state, get_vm_info, refresh_all_vm_data),
 * VM runtime checks, and the Terraform cache (sync_terraform_to_state, cache_terraform_outputs,
 * get_terraform_output, get_cached_infra, cache_invalidate). VM facts live at
 * infrastructure_facts.outputs.vm_details; `terraform output -json` is run by the library
 * itself, in TERRAFORM_DIR, with the local state file as the fallback. The Terraform modules are
 * imported by the functions that use them: a call of another function in a process of its own
 * (the adapter's fallback) does not load them.
 */
import { resolve } from 'node:path';
import { ExitCode, StateError } from '../errors.js';
import type { DeploymentStateV2 } from '../generated/deployment-state.v2.js';
import { OUTPUTS_PATH, VM_DETAILS, VM_FIELD_MAP } from '../keymap.js';
import { formatUtc } from '../migrate/times.js';
import { DEFAULT_MAX_BYTES } from '../read/read-file.js';
import {
  formatValue,
  freshnessWarning,
  getValue,
  markVm,
  parseDuration,
  setInfraValue,
} from '../runtime/values.js';
import type { TerraformSnapshot } from '../terraform/common.js';
import { type AdapterFunction, Answer, type FunctionContext } from './call.js';
import { namedArgs, printShown, secretRefusal } from './helpers.js';
import { appendEvents, readView, stateExists, updateView } from './state-io.js';

function vmField(state: DeploymentStateV2, vm: string, field: string): { path: string[]; value: unknown } {
  const vms = state.infrastructure_facts?.outputs?.[VM_DETAILS] as
    | Record<string, Record<string, unknown>>
    | undefined;
  const entry = vms && typeof vms === 'object' && Object.hasOwn(vms, vm) ? vms[vm] : undefined;
  const name = VM_FIELD_MAP[field] ?? field;
  const value = entry && typeof entry === 'object' && Object.hasOwn(entry, name) ? entry[name] : undefined;
  return { path: [...OUTPUTS_PATH, VM_DETAILS, vm, name], value };
}

function vmRecord(publicIp: string, privateIp: string, state: string, now: Date): Record<string, string> {
  return {
    public_ip: publicIp,
    private_ip: privateIp,
    provisioning_state: state,
    last_checked: formatUtc(now),
  };
}

/** update_vm_state VM PUBLIC_IP PRIVATE_IP STATE: the VM's facts, replaced as a whole. */
export const updateVmState: AdapterFunction = async (ctx, args) => {
  if (!stateExists(ctx)) {
    ctx.out.err(
      `k0rdent-state: update_vm_state: ${ctx.stateName}: no state file; run init_deployment_state first\n`,
    );
    return Answer.no;
  }
  const [vm = '', publicIp = '', privateIp = '', state = ''] = args;
  await updateView(ctx, 'update_vm_state', (view) =>
    setInfraValue(view, [VM_DETAILS, vm], vmRecord(publicIp, privateIp, state, ctx.now)),
  );
  return ExitCode.ok;
};

/** get_vm_info VM FIELD: a VM fact (`state` is provisioning_state in v2), `null` when unknown. */
export const getVmInfo: AdapterFunction = async (ctx, args) => {
  if (!stateExists(ctx)) return Answer.no;
  const { state } = await readView(ctx, 'get_vm_info');
  const found = vmField(state, args[0] ?? '', args[1] ?? '');
  if (found.value === undefined || found.value === null) {
    ctx.out.out('null\n');
    return ExitCode.ok;
  }
  return printShown(ctx, state, found, formatValue, secretRefusal(args[1] ?? ''));
};

/**
 * The Terraform settings the adapter passes in front of a function's own arguments:
 * `terraform_dir=DIR` (TERRAFORM_DIR), `terraform_bin=BIN` (K0RDENT_STATE_TERRAFORM_BIN, default
 * `terraform` on PATH) and `no_terraform=…` (K0RDENT_STATE_NO_TERRAFORM: when set, terraform is
 * never run and the local state file is read).
 */
function terraformSettings(args: readonly string[]): { dir: string; bin: string; rest: string[] } {
  const { named, rest } = namedArgs(args, ['terraform_dir', 'terraform_bin', 'no_terraform']);
  const bin = named.no_terraform ? '' : (named.terraform_bin ?? '');
  return { dir: named.terraform_dir || './terraform', bin, rest };
}

/**
 * Reads Terraform: `terraform output -json` when the binary is there and the folder initialised,
 * with the backend and the local state file for the checksum; else the state file the backend
 * points to. Throws a one-line error naming the folder when neither works.
 */
async function readTerraformFor(ctx: FunctionContext, dir: string, bin: string): Promise<TerraformSnapshot> {
  const [{ isInitialised, terraformOutputJson }, { readTerraform }, { outputsCap }] = await Promise.all([
    import('../terraform/run.js'),
    import('../terraform/read.js'),
    import('../terraform/sync.js'),
  ]);
  let outputsText: string | undefined;
  let why = '';
  if (bin !== '' && isInitialised(resolve(ctx.cwd, dir))) {
    const run = await terraformOutputJson(bin, resolve(ctx.cwd, dir));
    if (run.ok) outputsText = run.text;
    else why = `${run.reason}; `;
  } else if (bin !== '') {
    why = `${dir} is not initialised (no .terraform/); `;
  }
  try {
    return await readTerraform(
      outputsText === undefined
        ? { terraformDir: dir }
        : {
            terraformDir: dir,
            outputsText,
            outputsFile: '-',
            watchOutputs: outputsCap(DEFAULT_MAX_BYTES, false),
          },
      ctx.cwd,
    );
  } catch (error) {
    if (error instanceof StateError && outputsText === undefined && why !== '') {
      throw new StateError(
        error.code,
        `${why}and the local state file cannot be used either: ${error.message}; run terraform init and terraform apply in ${dir}`,
        { exitCode: error.exitCode, file: error.file },
      );
    }
    throw error;
  }
}

/** Caches Terraform's outputs in the state file and logs a backend migration; returns the summary text. */
async function syncFromTerraform(
  ctx: FunctionContext,
  dir: string,
  bin: string,
  command: string,
  force = false,
): Promise<string> {
  const snapshot = await readTerraformFor(ctx, dir, bin);
  const { applyTerraformSync, backendMigrationEvent, describeSync } = await import('../terraform/sync.js');
  let event: ReturnType<typeof backendMigrationEvent>;
  const { value } = await updateView(
    ctx,
    command,
    ({ doc }) => {
      const summary = applyTerraformSync(doc, snapshot, { now: ctx.now, force, maxBytes: DEFAULT_MAX_BYTES });
      event = backendMigrationEvent(summary, ctx.now);
      return summary;
    },
    { afterWrite: async () => appendEvents(ctx, event ? [event] : []) },
  );
  return describeSync(snapshot, value);
}

/**
 * sync_terraform_to_state [TERRAFORM_DIR] [--force]: caches Terraform's outputs (the proposal's
 * function). A state of another lineage (another workspace, a recreated state) or an older serial
 * is refused unless --force, as `infra sync` refuses it.
 */
export const syncTerraformToState: AdapterFunction = async (ctx, args) => {
  const settings = terraformSettings(args);
  const force = settings.rest.includes('--force');
  const rest = settings.rest.filter((arg) => arg !== '--force');
  if (rest.length > 1 || rest.some((arg) => arg.startsWith('-'))) {
    throw new StateError(
      'usage',
      `sync_terraform_to_state takes a Terraform folder and --force, not ${JSON.stringify(rest.join(' '))}`,
      {
        exitCode: ExitCode.usage,
      },
    );
  }
  const dir = rest[0] || settings.dir;
  ctx.out.err(`${await syncFromTerraform(ctx, dir, settings.bin, 'sync_terraform_to_state', force)}\n`);
  return ExitCode.ok;
};

/** cache_terraform_outputs [TERRAFORM_DIR]: the same as sync_terraform_to_state. */
export const cacheTerraformOutputs = syncTerraformToState;

/**
 * refresh_all_vm_data: VM facts from Terraform when its folder is initialised; otherwise from the
 * `az vm list` table the adapter passes (one line per VM: name, public IPs, private IPs, state).
 */
export const refreshAllVmData: AdapterFunction = async (ctx, args) => {
  const { dir, bin, rest } = terraformSettings(args);
  const table = rest[0] ?? '';
  const { isInitialised } = await import('../terraform/run.js');
  if (bin !== '' && isInitialised(resolve(ctx.cwd, dir))) {
    ctx.out.print('info', 'Refreshing VM data from Terraform...');
    ctx.out.err(`${await syncFromTerraform(ctx, dir, bin, 'refresh_all_vm_data')}\n`);
    ctx.out.print('info', 'VM data refreshed from Terraform');
    return ExitCode.ok;
  }
  ctx.out.print('info', 'Refreshing VM data from Azure...');
  const rows = table
    .split('\n')
    .map((line) => line.split('\t'))
    .filter((fields) => (fields[0] ?? '') !== '');
  if (rows.length === 0 || !stateExists(ctx)) {
    ctx.out.print('warning', 'Could not refresh VM data from Azure');
    return ExitCode.ok;
  }
  await updateView(ctx, 'refresh_all_vm_data', (view) => {
    for (const [name = '', publicIp = '', privateIp = '', state = ''] of rows) {
      setInfraValue(view, [VM_DETAILS, name], vmRecord(publicIp, privateIp, state, ctx.now));
    }
  });
  ctx.out.print('info', 'VM data refreshed from Azure');
  return ExitCode.ok;
};

/** get_vm_runtime_status VM FIELD: a runtime check of a VM (ssh_verified, cloud_init_complete, …). */
export const getVmRuntimeStatus: AdapterFunction = async (ctx, args) => {
  if (!stateExists(ctx)) return Answer.no;
  const { state } = await readView(ctx, 'get_vm_runtime_status');
  const found = getValue(
    state,
    ['vm_runtime_status', args[0] ?? '', ...(args[1] ? [args[1]] : [])].join('.'),
  );
  if (found === undefined) {
    ctx.out.out('null\n');
    return ExitCode.ok;
  }
  return printShown(ctx, state, found, formatValue, secretRefusal(args[1] ?? args[0] ?? ''));
};

/** mark_vm_ssh_verified VM / mark_vm_cloud_init_complete VM: a VM check done, with its time. */
function vmMark(check: 'ssh-verified' | 'cloud-init-complete'): AdapterFunction {
  return async (ctx, args) => {
    await updateView(ctx, `vm mark ${check}`, (view) => markVm(view, args[0] ?? '', check, ctx.now));
    return ExitCode.ok;
  };
}

/** mark_vm_ssh_verified VM. */
export const markVmSshVerified = vmMark('ssh-verified');
/** mark_vm_cloud_init_complete VM. */
export const markVmCloudInitComplete = vmMark('cloud-init-complete');

/** Options the cache readers take after the key: --require-fresh, --max-age D. */
function cacheOptions(args: readonly string[]): { requireFresh: boolean; maxAge: number } {
  let requireFresh = false;
  let maxAge = 3600;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--require-fresh') requireFresh = true;
    else if (arg === '--max-age' || arg.startsWith('--max-age=')) {
      const text = arg === '--max-age' ? (args[++i] ?? '') : arg.slice('--max-age='.length);
      const seconds = parseDuration(text);
      if (seconds === undefined) {
        throw new StateError(
          'usage',
          `--max-age ${JSON.stringify(text)} is not a duration; write e.g. 90s, 15m, 1h, 2d`,
          {
            exitCode: ExitCode.usage,
          },
        );
      }
      maxAge = seconds;
    } else {
      throw new StateError(
        'usage',
        `unknown option ${JSON.stringify(arg)}; the options are --require-fresh and --max-age D`,
        {
          exitCode: ExitCode.usage,
        },
      );
    }
  }
  return { requireFresh, maxAge };
}

function cachedOutput(state: DeploymentStateV2, key: string): { value: unknown; path: string[] } | undefined {
  const path = key.split('.').filter((segment) => segment !== '');
  let node: unknown = state.infrastructure_facts?.outputs;
  for (const segment of path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, segment)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return { value: node, path: [...OUTPUTS_PATH, ...path] };
}

// The refusal of get_cached_infra and get_terraform_output asked for a secret.
function sensitiveRefusal(key: string): string {
  return `refused: ${key} is a sensitive Terraform output and is never printed`;
}

/**
 * get_cached_infra KEY [--require-fresh] [--max-age D]: an output from the Terraform cache; a
 * warning on standard error when the cache is stale or older than D (default 1h), or exit 1 with
 * --require-fresh. Nothing and exit 1 when the output is not cached.
 */
export const getCachedInfra: AdapterFunction = async (ctx, args) => {
  const [key = '', ...rest] = args;
  const { requireFresh, maxAge } = cacheOptions(rest);
  const { state } = await readView(ctx, 'get_cached_infra');
  const found = cachedOutput(state, key);
  if (!found) return Answer.no;
  const warning = freshnessWarning(state, ctx.now, maxAge);
  if (warning && requireFresh) {
    throw new StateError('cache-stale', `refused (--require-fresh): ${warning}`, {
      exitCode: ExitCode.invalid,
    });
  }
  if (warning) ctx.out.err(`warning: ${warning}\n`);
  return printShown(ctx, state, found, formatValue, sensitiveRefusal(key));
};

/**
 * get_terraform_output KEY: the output from `terraform output -json` when Terraform is installed
 * and its folder initialised, else from the cache (as get_cached_infra). A sensitive output is
 * never printed.
 */
export const getTerraformOutput: AdapterFunction = async (ctx, args) => {
  const { dir, bin, rest: given } = terraformSettings(args);
  const [key = '', ...rest] = given;
  const { isInitialised, terraformOutputJson } = await import('../terraform/run.js');
  if (bin !== '' && isInitialised(resolve(ctx.cwd, dir))) {
    const run = await terraformOutputJson(bin, resolve(ctx.cwd, dir));
    if (run.ok) {
      const { parseOutputsJson } = await import('../terraform/outputs.js');
      const outputs = parseOutputsJson(run.text, `terraform output -json (${dir})`);
      const [name = '', ...deeper] = key.split('.');
      const output = Object.hasOwn(outputs, name) ? outputs[name] : undefined;
      if (!output) return Answer.no;
      if (output.sensitive)
        throw new StateError('secret-refused', sensitiveRefusal(key), { exitCode: ExitCode.invalid });
      let value: unknown = output.value;
      for (const segment of deeper) {
        if (value === null || typeof value !== 'object' || !Object.hasOwn(value, segment)) return Answer.no;
        value = (value as Record<string, unknown>)[segment];
      }
      // Terraform's outputs as the cache holds them, for the secret rule (a secret key inside).
      const live = Object.fromEntries(
        Object.entries(outputs).map(([output, entry]) => [
          output,
          entry.sensitive ? { sensitive: true } : entry.value,
        ]),
      );
      return printShown(ctx, live, { path: [name, ...deeper], value }, formatValue, sensitiveRefusal(key));
    }
    ctx.out.err(`warning: ${run.reason}; answering from the cache\n`);
  }
  return getCachedInfra(ctx, [key, ...rest]);
};

/** cache_invalidate: marks the Terraform cache stale (its timestamp kept as old_cache_timestamp). */
export const cacheInvalidate: AdapterFunction = async (ctx) => {
  await updateView(ctx, 'cache_invalidate', ({ doc, state }) => {
    doc.setIn(['infrastructure_facts', 'stale'], true);
    const stamp = state.infrastructure_facts.cache_timestamp;
    if (stamp) doc.setIn(['infrastructure_facts', 'old_cache_timestamp'], stamp);
  });
  return ExitCode.ok;
};
