import { statSync } from 'node:fs';
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
import { appendLogEvent, type LogEvent } from '../write/event-log.js';
import type { FunctionContext } from './call.js';

// The adapter functions' access to the call's state and events files: one read, one safe write.

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

/** The state as plain data, or undefined when the file is missing. */
export async function stateIfExists(
  ctx: FunctionContext,
  command: string,
): Promise<DeploymentStateV2 | undefined> {
  if (!stateExists(ctx)) return undefined;
  return (await readView(ctx, command)).state;
}
