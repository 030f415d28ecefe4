import { statSync } from 'node:fs';
import { stringify } from 'yaml';
import { ExitCode, StateError } from '../errors.js';
import type { DeploymentStateV2 } from '../generated/deployment-state.v2.js';
import { migratedNotice } from '../migrate/notice.js';
import { formatUtc } from '../migrate/times.js';
import { fastStateData } from '../runtime/read-data.js';
import {
  readState,
  type StateFileOptions,
  type StateView,
  type UpdateHooks,
  type UpdateResult,
  updateState,
} from '../runtime/transaction.js';
import { isSecretPath, knownSecrets, shownValue } from '../secrets.js';
import { appendLogEvent, type LogEvent } from '../write/event-log.js';
import type { FunctionContext } from './call.js';

/**
 * Prints what a reading function found at `path` of `data` (the state, or Terraform's own
 * outputs) by the secret rule of src/secrets.ts: a value that is a secret, lies inside one or
 * equals one is refused with `refusal` (exit 1, nothing printed); any other is printed by
 * `format` with the secrets inside masked.
 */
export function printShown(
  ctx: FunctionContext,
  data: unknown,
  found: { path: readonly (string | number)[]; value: unknown },
  format: (value: unknown) => string,
  refusal: string,
): number {
  const known = knownSecrets(data);
  if (isSecretPath(data, found.path, known)) {
    throw new StateError('secret-refused', refusal, { exitCode: ExitCode.invalid });
  }
  ctx.out.out(`${shownValue(found.path, found.value, known, format)}\n`);
  return ExitCode.ok;
}

/** The refusal of a reading function asked for a secret (get_state, get_vm_info, get_run_info). */
export function secretRefusal(key: string): string {
  return `refused: ${key} is a secret and is never printed; scripts read a WireGuard key with get_wireguard_private_key HOST`;
}

/** Options for reading and writing the call's state file. */
export function fileOptions(ctx: FunctionContext, command: string): StateFileOptions {
  return {
    now: ctx.now,
    displayName: ctx.stateName,
    cwd: ctx.cwd,
    command: `state adapter: ${command}`,
    cache: ctx.cache,
  };
}

/** True when the state file exists (as the old functions tested it: `[[ -f FILE ]]`). */
export function stateExists(ctx: FunctionContext): boolean {
  return isFile(ctx.statePath);
}

/** True when `path` is a regular file (or a link to one). */
export function isFile(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isFile() === true;
  } catch {
    return false;
  }
}

/**
 * Reads the call's state file (v2; a v1 file is migrated in memory). A one-shot call reads a
 * plain v2 file with the fast reader; the co-process keeps the parsed file between calls.
 */
export async function readView(ctx: FunctionContext, command: string): Promise<Pick<StateView, 'state'>> {
  if (!ctx.cache) {
    const state = await fastStateData(ctx.statePath, ctx.stateName, undefined);
    if (state) return { state };
  }
  return readState(ctx.statePath, fileOptions(ctx, command));
}

/** Changes the call's state file through the one safe write (lock, validate, atomic write). */
export async function updateView<T>(
  ctx: FunctionContext,
  command: string,
  mutate: (view: StateView) => T,
  hooks: UpdateHooks = {},
): Promise<UpdateResult<T>> {
  const result = await updateState(ctx.statePath, mutate, fileOptions(ctx, command), hooks);
  if (result.migrated?.report) {
    ctx.out.err(
      `${migratedNotice(ctx.stateName, result.migrated.fromVersion, result.migrated.report.backup)}\n`,
    );
  }
  return result;
}

/** An event for the events file, stamped with the call's time. */
export function eventOf(ctx: FunctionContext, action: string, message: string, phase?: string): LogEvent {
  return {
    timestamp: formatUtc(ctx.now),
    action,
    message,
    ...(phase !== undefined && phase !== '' ? { phase } : {}),
  };
}

/** Appends events to the call's events file (when it exists); the caller holds the state lock. */
export async function appendEvents(ctx: FunctionContext, events: readonly LogEvent[]): Promise<void> {
  for (const event of events) await appendLogEvent(ctx.eventsPath, event);
}

/**
 * Changes the state file and appends `events` to the events file under the same lock, as the
 * old functions did in one call (a phase mark and its event).
 */
export async function updateWithEvents<T>(
  ctx: FunctionContext,
  command: string,
  mutate: (view: StateView) => T,
  events: readonly LogEvent[],
): Promise<UpdateResult<T>> {
  return updateView(ctx, command, mutate, {
    touch: true,
    dataOnly: true,
    afterWrite: () => appendEvents(ctx, events),
  });
}

/** The value at a dotted path in plain data (own properties only), undefined when there is none. */
export function valueAtPath(data: unknown, segments: readonly string[]): unknown {
  let value = data;
  for (const segment of segments) {
    value =
      value !== null && typeof value === 'object' && Object.hasOwn(value, segment)
        ? (value as Record<string, unknown>)[segment]
        : undefined;
  }
  return value;
}

/**
 * Formats a value as `yq eval` printed it: scalars as their text, null as `null`, maps and lists
 * as a YAML block (so that `get_state vm_states | yq '. | length'` still works).
 */
export function yqText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'object') {
    if (Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0) {
      return Array.isArray(value) ? '[]' : '{}';
    }
    return stringify(value, { lineWidth: 0 }).replace(/\n$/, '');
  }
  return String(value);
}

/** Named arguments the adapter adds (`name=value`), in front of the function's own ones. */
export function namedArgs(
  args: readonly string[],
  names: readonly string[],
): { named: Record<string, string>; rest: string[] } {
  const named: Record<string, string> = {};
  let index = 0;
  for (; index < args.length && index < names.length; index++) {
    const arg = args[index] ?? '';
    const eq = arg.indexOf('=');
    const name = eq < 0 ? '' : arg.slice(0, eq);
    if (!names.includes(name)) break;
    named[name] = arg.slice(eq + 1);
  }
  return { named, rest: args.slice(index) };
}

/** The state as plain data, or undefined when the file is missing. */
export async function stateIfExists(
  ctx: FunctionContext,
  command: string,
): Promise<DeploymentStateV2 | undefined> {
  if (!stateExists(ctx)) return undefined;
  return (await readView(ctx, command)).state;
}

/** A function called with too few arguments (exit 2), named as the deployer calls it. */
export function usage(name: string, synopsis: string): StateError {
  return new StateError('usage', `${name}: usage: ${name} ${synopsis}`, { exitCode: ExitCode.usage });
}

/** A path as messages show it: relative to the shell's folder (`./old_deployments/…`) when inside it. */
export function shown(ctx: FunctionContext, path: string): string {
  return path.startsWith(`${ctx.cwd}/`) ? `./${path.slice(ctx.cwd.length + 1)}` : path;
}
