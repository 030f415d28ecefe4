// What the commands on the state file share: the file and its options, reading it for a query,
// changing it, and reporting errors with the file's name. The runtime library (transaction,
// migration, validators, the YAML library) is loaded only when a command needs it: a query on a
// plain v2 file is answered from the fast reader.
import { resolve } from 'node:path';
import { formatStateError, StateError, UsageError } from '../errors.js';
import type { DeploymentStateV2 } from '../generated/deployment-state.v2.js';
import { fastStateData } from '../runtime/read-data.js';
import type { StateFileOptions, StateView, UpdateHooks, UpdateResult } from '../runtime/transaction.js';
import { maxBytes, stateFile, writeOptions } from './common.js';
import type { Invocation } from './framework/types.js';
import type { CliIO } from './io.js';

/** Options every state command takes. */
export interface StateCommandContext {
  /** The state file as given (default: $DEPLOYMENT_STATE_FILE or state/deployment-state.yaml). */
  file: string;
  now: Date;
  lockTimeoutMs: number;
  maxBytes: number;
  /** The command as typed, e.g. `phase set` (for the lock record). */
  command: string;
}

/** Parses `true`/`false` (and yes/no, 1/0) for flag arguments such as `--kof`. */
export function parseBool(name: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  const text = String(value).toLowerCase();
  if (['true', 'yes', '1', 'on'].includes(text)) return true;
  if (['false', 'no', '0', 'off'].includes(text)) return false;
  throw new UsageError(`--${name} takes true or false, not ${JSON.stringify(value)}`);
}

function fileOptions(context: StateCommandContext, io: CliIO): StateFileOptions {
  return {
    now: context.now,
    lockTimeoutMs: context.lockTimeoutMs,
    maxBytes: context.maxBytes,
    displayName: context.file,
    cwd: io.cwd,
    command: `k0rdent-state ${context.command}`,
  };
}

/**
 * Runs a command on the state file: reads its options, and prints a StateError it throws as one
 * line naming the file (exit code from the error).
 */
export async function withStateFile(
  args: Invocation,
  io: CliIO,
  work: (context: StateCommandContext) => Promise<number>,
): Promise<number> {
  const file = stateFile(args, io);
  // Bad option values (--now, --lock-timeout, --max-size) are reported without the file's name,
  // as the command line is what is wrong; everything after names the file.
  let context: StateCommandContext;
  try {
    context = {
      file,
      ...writeOptions(args, io),
      maxBytes: maxBytes(args),
      command: args.command,
    };
  } catch (error) {
    return report(error, io);
  }
  try {
    return await work(context);
  } catch (error) {
    if (error instanceof StateError) error.file ??= file;
    return report(error, io);
  }
}

/** Prints a StateError as one line and returns its exit code; rethrows anything else (a bug). */
export function report(error: unknown, io: CliIO): number {
  if (!(error instanceof StateError)) throw error;
  io.stderr(`${formatStateError(error)}\n`);
  return error.exitCode;
}

/** Changes the state file under its lock (see updateState); says so when a v1 file was migrated first. */
export async function update<T>(
  context: StateCommandContext,
  io: CliIO,
  mutate: (view: StateView) => T,
  hooks: UpdateHooks = {},
): Promise<UpdateResult<T>> {
  const [{ updateState }, { migratedNotice }] = await Promise.all([
    import('../runtime/transaction.js'),
    import('../migrate/notice.js'),
  ]);
  const result = await updateState(resolve(io.cwd, context.file), mutate, fileOptions(context, io), hooks);
  if (result.migrated?.report) {
    io.stderr(
      `${migratedNotice(context.file, result.migrated.fromVersion, result.migrated.report.backup)}\n`,
    );
  }
  return result;
}

/** Reads the state file with its YAML Document (for commands that need the Document). */
export async function readView(context: StateCommandContext, io: CliIO): Promise<StateView> {
  const { readState } = await import('../runtime/transaction.js');
  return readState(resolve(io.cwd, context.file), fileOptions(context, io));
}

/**
 * Reads the state file's data for a query. A plain v2 file (the form this tool writes) is read
 * by the fast reader, which gives the same data as the YAML library; anything else (v1, a file
 * the fast reader gives up on, a broken file) goes through readState, which migrates v1 in memory
 * and reports what is wrong.
 */
export async function readData(context: StateCommandContext, io: CliIO): Promise<DeploymentStateV2> {
  const fast = await fastStateData(resolve(io.cwd, context.file), context.file, context.maxBytes);
  return fast ?? (await readView(context, io)).state;
}
