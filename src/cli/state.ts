import { dirname, join, resolve } from 'node:path';
import { ExitCode, formatStateError, StateError, UsageError } from '../errors.js';
import { migratedNotice } from '../migrate/apply.js';
import { compareRuns, renderHistory, renderRun } from '../runtime/history.js';
import { phaseApplicable, phaseNeedsRun, phaseStatus, resetFrom, setPhase } from '../runtime/phase-ops.js';
import { completeRun, startRun } from '../runtime/runs.js';
import {
  applyTerraformSync,
  backendMigrationEvent,
  describeSync,
  readTerraform,
} from '../runtime/terraform.js';
import {
  readState,
  type StateFileOptions,
  type UpdateHooks,
  type UpdateResult,
  updateState,
} from '../runtime/transaction.js';
import {
  formatValue,
  freshnessWarning,
  getValue,
  isSecretPath,
  markVm,
  parseDuration,
  redactSecrets,
  routeKey,
  setInfra,
  setRuntime,
  VM_FIELD_ALIASES,
} from '../runtime/values.js';
import { appendLogEvent } from '../write/event-log.js';
import type { CliIO } from './io.js';

/** Options every state command takes. */
export interface StateCommandContext {
  /** The state file as given (default: $DEPLOYMENT_STATE_FILE or state/deployment-state.yaml). */
  file: string;
  now: Date;
  lockTimeoutMs: number;
  maxBytes: number;
}

/** Parses `true`/`false` (and yes/no, 1/0) for flag arguments such as `--kof`. */
export function parseBool(name: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  const text = String(value).toLowerCase();
  if (['true', 'yes', '1', 'on'].includes(text)) return true;
  if (['false', 'no', '0', 'off'].includes(text)) return false;
  throw new UsageError(`--${name} takes true or false, not ${JSON.stringify(value)}`);
}

function fileOptions(context: StateCommandContext, io: CliIO, command: string): StateFileOptions {
  return {
    now: context.now,
    lockTimeoutMs: context.lockTimeoutMs,
    maxBytes: context.maxBytes,
    displayName: context.file,
    cwd: io.cwd,
    command: `k0rdent-state ${command}`,
  };
}

async function update<T>(
  context: StateCommandContext,
  io: CliIO,
  command: string,
  mutate: Parameters<typeof updateState<T>>[1],
  hooks: UpdateHooks = {},
): Promise<UpdateResult<T>> {
  const result = await updateState(
    resolve(io.cwd, context.file),
    mutate,
    fileOptions(context, io, command),
    hooks,
  );
  if (result.migrated?.report) {
    io.stderr(
      `${migratedNotice(context.file, result.migrated.fromVersion, result.migrated.report.backup)}\n`,
    );
  }
  return result;
}

async function read(context: StateCommandContext, io: CliIO, command: string) {
  return readState(resolve(io.cwd, context.file), fileOptions(context, io, command));
}

/** Runs one state command (`run`, `phase`, `runtime`, `infra`, `get`, `vm`, `history`, ...). */
export async function stateCommand(
  command: string,
  action: string | undefined,
  args: Record<string, unknown>,
  context: StateCommandContext,
  io: CliIO,
): Promise<number> {
  try {
    return await dispatch(command, action, args, context, io);
  } catch (error) {
    if (!(error instanceof StateError)) throw error;
    error.file ??= context.file;
    io.stderr(`${formatStateError(error)}\n`);
    return error.exitCode;
  }
}

async function dispatch(
  command: string,
  action: string | undefined,
  args: Record<string, unknown>,
  context: StateCommandContext,
  io: CliIO,
): Promise<number> {
  const { now } = context;
  const key = `${command}${action ? ` ${action}` : ''}`;
  switch (key) {
    case 'run start': {
      const kof = parseBool('kof', args.kof);
      const azureChildren = parseBool('azure-children', args.azureChildren);
      const { value } = await update(context, io, key, (view) =>
        startRun(view, { now, kof, azureChildren, resume: args.resume === true }),
      );
      io.stdout(`${value}\n`);
      return ExitCode.ok;
    }
    case 'run complete': {
      const exitCode = args.exitCode === undefined ? undefined : Number(args.exitCode);
      if (exitCode !== undefined && !Number.isInteger(exitCode)) {
        throw new UsageError(`--exit-code takes an integer, not ${JSON.stringify(args.exitCode)}`);
      }
      await update(context, io, key, (view) =>
        completeRun(view, {
          now,
          outcome: args.outcome as 'success' | 'failed' | 'interrupted',
          errorPhase: args.errorPhase as string | undefined,
          errorMessage: args.errorMessage as string | undefined,
          exitCode,
        }),
      );
      return ExitCode.ok;
    }
    case 'phase applicable': {
      const { state } = await read(context, io, key);
      return phaseApplicable(state, String(args.name)) ? ExitCode.ok : ExitCode.invalid;
    }
    case 'phase needs-run': {
      const { state } = await read(context, io, key);
      return phaseNeedsRun(state, String(args.name)) ? ExitCode.ok : ExitCode.invalid;
    }
    case 'phase status': {
      const { state } = await read(context, io, key);
      io.stdout(`${phaseStatus(state, String(args.name))}\n`);
      return ExitCode.ok;
    }
    case 'phase set':
      await update(context, io, key, (view) =>
        setPhase(view, String(args.name), String(args.status), now, args.reason as string | undefined),
      );
      return ExitCode.ok;
    case 'phase reset-from': {
      const { value } = await update(context, io, key, (view) => resetFrom(view, String(args.name), now));
      io.stderr(`reset to pending: ${value.join(', ')}\n`);
      return ExitCode.ok;
    }
    case 'runtime set': {
      const { value } = await update(context, io, key, (view) =>
        setRuntime(view, String(args.key), String(args.value), args.json === true),
      );
      if (value.legacy) io.stderr(`note: ${value.legacy} is ${value.path.join('.')} in v2\n`);
      return ExitCode.ok;
    }
    case 'infra set':
      await update(context, io, key, (view) => setInfra(view, String(args.key), String(args.value), now));
      return ExitCode.ok;
    case 'infra sync': {
      if (args.outputs === undefined && args.tfstate === undefined && args.terraformDir === undefined) {
        throw new UsageError('infra sync needs --outputs FILE|-, --tfstate FILE or --terraform-dir DIR');
      }
      const outputs = args.outputs as string | undefined;
      const outputsText = outputs === '-' ? await readStdin(io) : undefined;
      const snapshot = await readTerraform(
        {
          outputsFile: outputs === '-' ? undefined : outputs,
          outputsText,
          tfstateFile: args.tfstate as string | undefined,
          terraformDir: args.terraformDir as string | undefined,
        },
        io.cwd,
      );
      let event: ReturnType<typeof backendMigrationEvent>;
      const eventsFile = join(dirname(resolve(io.cwd, context.file)), 'deployment-events.yaml');
      const { value } = await update(
        context,
        io,
        key,
        ({ doc }) => {
          const summary = applyTerraformSync(doc, snapshot, {
            now,
            includeSensitive: args.includeSensitive === true,
            force: args.force === true,
          });
          event = backendMigrationEvent(summary, now);
          return summary;
        },
        {
          afterWrite: async () => {
            if (event) await appendLogEvent(eventsFile, event);
          },
        },
      );
      io.stderr(`${describeSync(snapshot, value, { includeSensitive: args.includeSensitive === true })}\n`);
      return ExitCode.ok;
    }
    case 'get': {
      const { state } = await read(context, io, key);
      const found = getValue(state, String(args.key));
      if (!found) {
        if (args.default === undefined) return ExitCode.invalid;
        io.stdout(`${String(args.default)}\n`);
        return ExitCode.ok;
      }
      if (isSecretPath(state, found.path)) {
        throw new StateError(
          'secret-refused',
          `refused: ${String(args.key)} is a secret and is never printed; it stays in the file (keep it mode 0600)`,
          {
            exitCode: ExitCode.invalid,
          },
        );
      }
      if (found.layer === 'infra') {
        const maxAge = parseDuration(String(args.maxAge ?? '1h'));
        if (maxAge === undefined)
          throw new UsageError(
            `--max-age ${JSON.stringify(args.maxAge)} is not a duration; write e.g. 90s, 15m, 1h, 2d`,
          );
        const warning = freshnessWarning(state, now, maxAge);
        if (warning && args.requireFresh === true) {
          throw new StateError('cache-stale', `refused (--require-fresh): ${warning}`, {
            exitCode: ExitCode.invalid,
          });
        }
        if (warning) io.stderr(`warning: ${warning}\n`);
      }
      io.stdout(`${formatValue(redactSecrets(found.value, found.path))}\n`);
      return ExitCode.ok;
    }
    case 'vm info':
    case 'vm runtime': {
      const { state } = await read(context, io, key);
      const vm = String(args.name);
      const field = args.field === undefined ? undefined : String(args.field);
      const base =
        action === 'info' ? ['infrastructure_facts', 'outputs', 'vm_details', vm] : ['vm_runtime_status', vm];
      const resolved =
        field === undefined ? [] : [action === 'info' ? (VM_FIELD_ALIASES[field] ?? field) : field];
      const found = getValue(state, [...base, ...resolved].join('.'));
      if (!found) return ExitCode.invalid;
      if (action === 'info') {
        const warning = freshnessWarning(state, now, parseDuration(String(args.maxAge ?? '1h')) ?? 3600);
        if (warning) io.stderr(`warning: ${warning}\n`);
      }
      const shown = isSecretPath(state, found.path) ? '<redacted>' : redactSecrets(found.value, found.path);
      io.stdout(`${formatValue(shown)}\n`);
      return ExitCode.ok;
    }
    case 'vm mark': {
      // `vm <action> <name> [field]`: for mark, the check is the third positional.
      if (args.field === undefined) {
        throw new UsageError('vm mark needs a check: ssh-verified or cloud-init-complete');
      }
      await update(context, io, key, (view) => markVm(view, String(args.name), String(args.field), now));
      return ExitCode.ok;
    }
    case 'history': {
      const { state } = await read(context, io, key);
      io.stdout(renderHistory(state, { json: args.json === true }));
      return ExitCode.ok;
    }
    case 'show-run': {
      const { state } = await read(context, io, key);
      io.stdout(renderRun(state, String(args.runId)));
      return ExitCode.ok;
    }
    case 'compare-runs': {
      const { state } = await read(context, io, key);
      io.stdout(compareRuns(state, String(args.a), String(args.b)));
      return ExitCode.ok;
    }
    case 'update':
      return legacyUpdate(String(args.key), String(args.value), context, io);
    default:
      throw new UsageError(`unknown command ${JSON.stringify(key)}; see: k0rdent-state --help`);
  }
}

async function readStdin(io: CliIO): Promise<string> {
  if (!io.readStdin) throw new UsageError('--outputs - reads standard input, which is not available here');
  return io.readStdin();
}

// update_state KEY VALUE of the v1 scripts, routed to the layer the key now lives in.
async function legacyUpdate(
  key: string,
  value: string,
  context: StateCommandContext,
  io: CliIO,
): Promise<number> {
  const route = routeKey(key);
  const note = (where: string) =>
    io.stderr(
      `deprecated: update_state ${key} -> ${where}; call update_runtime_state / update_infra_cache instead\n`,
    );
  if (route.layer === 'runtime') {
    await update(context, io, 'update', (view) => setRuntime(view, key, value, false));
    note(`runtime ${route.path.join('.')}`);
    return ExitCode.ok;
  }
  if (route.layer === 'infra') {
    await update(context, io, 'update', (view) =>
      setInfra(view, route.path.join('.'), JSON.stringify(value), context.now),
    );
    note(`infrastructure_facts.outputs.${route.path.join('.')}`);
    return ExitCode.ok;
  }
  if (key === 'phase') {
    await update(context, io, 'update', ({ doc, state }) => {
      const index = state.deployment_runs.findIndex((run) => run.run_id === state.current_run_id);
      if (index >= 0) doc.setIn(['deployment_runs', index, 'current_phase'], value);
    });
    note('current run current_phase');
    return ExitCode.ok;
  }
  if (
    [
      'status',
      'deployment_start_time',
      'deployment_end_time',
      'deployment_duration_seconds',
      'error_exit_code',
    ].includes(key)
  ) {
    note('recorded by run start / run complete (nothing stored)');
    return ExitCode.ok;
  }
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) && !key.includes('.')) {
    await update(context, io, 'update', ({ doc }) => doc.setIn(['unrecognized', key], value));
    note(`unrecognized.${key} (not a key of v2)`);
    return ExitCode.ok;
  }
  throw new UsageError(
    `update_state ${key}: ${route.layer === 'refused' ? route.reason : 'not a key this tool can route'}`,
  );
}
