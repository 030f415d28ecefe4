import { isAbsolute, resolve } from 'node:path';
import { ExitCode, formatStateError, StateError, UsageError } from '../errors.js';
import type { StateCache } from '../runtime/cache.js';
import { AdapterOutput, type OutputRecord } from './output.js';

/**
 * One call of a deployer state function, as the bash adapter sends it: the function's name and
 * arguments, and the few facts of the calling shell the library cannot know (its working folder,
 * the state and events files it names, a pinned clock).
 */
export interface AdapterCall {
  /** The bash function, e.g. `phase_mark_completed`. */
  name: string;
  /** Its arguments, as the script passed them. */
  args: string[];
  /** The calling shell's working folder (`$PWD`): relative paths are resolved against it. */
  cwd: string;
  /** `$DEPLOYMENT_STATE_FILE` (default `./state/deployment-state.yaml`). */
  stateFile: string;
  /** `$DEPLOYMENT_EVENTS_FILE` (default: `deployment-events.yaml` beside the state file). */
  eventsFile: string;
  /** `$K0RDENT_STATE_NOW`: an RFC 3339 time that pins the clock (tests), or empty. */
  now: string;
}

/** What a call produced: its exit code and the records the adapter replays. */
export interface AdapterResult {
  code: number;
  records: OutputRecord[];
}

/** The library side of a call: where the files are, the clock, the output, the state cache. */
export interface FunctionContext {
  /** The call as received. */
  call: AdapterCall;
  /** Where the output goes. */
  out: AdapterOutput;
  /** Absolute path of the state file. */
  statePath: string;
  /** The state file as the shell names it (for messages). */
  stateName: string;
  /** Absolute path of the events file. */
  eventsPath: string;
  /** The calling shell's folder. */
  cwd: string;
  /** This call's time. */
  now: Date;
  /** Parsed state kept between calls by the co-process (absent for one process per call). */
  cache: StateCache | undefined;
}

/** A deployer function: reads its arguments, writes records, returns its exit code. */
export type AdapterFunction = (ctx: FunctionContext, args: readonly string[]) => Promise<number> | number;

/** Where the co-process and the one-shot entry find the functions. */
export type FunctionTable = Readonly<Record<string, AdapterFunction>>;

/** Options of {@link callAdapter}. */
export interface CallOptions {
  cache?: StateCache;
  /** The function table (default: every deployer function, loaded on first use). */
  functions?: FunctionTable;
}

let defaultTable: Promise<FunctionTable> | undefined;

function loadDefaultTable(): Promise<FunctionTable> {
  defaultTable ??= import('./functions.js').then((module) => module.FUNCTIONS);
  return defaultTable;
}

function clockOf(text: string): Date {
  if (text === '') return new Date();
  const date = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(date.getTime())) {
    throw new UsageError(
      `K0RDENT_STATE_NOW ${JSON.stringify(text)} is not an RFC 3339 time; write e.g. 2026-01-01T00:00:00Z`,
    );
  }
  return date;
}

/**
 * Runs one deployer function. A problem with the input becomes one error line on standard error
 * and the error's exit code; an unexpected error, one line asking to report it (exit 70). It
 * never throws.
 */
export async function callAdapter(call: AdapterCall, options: CallOptions = {}): Promise<AdapterResult> {
  const out = new AdapterOutput();
  try {
    const table = options.functions ?? (await loadDefaultTable());
    const fn = Object.hasOwn(table, call.name) ? table[call.name] : undefined;
    if (!fn) {
      throw new UsageError(
        `${JSON.stringify(call.name)} is not a function of the state adapter; see shell/state-management.sh for the list`,
      );
    }
    const cwd = isAbsolute(call.cwd) ? call.cwd : resolve(call.cwd);
    const stateName = call.stateFile === '' ? './state/deployment-state.yaml' : call.stateFile;
    const statePath = resolve(cwd, stateName);
    const eventsPath =
      call.eventsFile === ''
        ? resolve(statePath, '..', 'deployment-events.yaml')
        : resolve(cwd, call.eventsFile);
    const ctx: FunctionContext = {
      call,
      out,
      statePath,
      stateName,
      eventsPath,
      cwd,
      now: clockOf(call.now),
      cache: options.cache,
    };
    const code = await fn(ctx, call.args);
    return { code, records: out.records };
  } catch (error) {
    if (error instanceof StateError) {
      // As the CLI's state commands do: an error about the state names the file.
      if (error.exitCode !== ExitCode.usage) error.file ??= call.stateFile || './state/deployment-state.yaml';
      out.err(`${formatStateError(error)}\n`);
      return { code: error.exitCode, records: out.records };
    }
    out.err(
      `k0rdent-state: internal error in ${call.name}: ${(error as Error).message}; please report it (set K0RDENT_STATE_DEBUG=1 for details)\n`,
    );
    return { code: 70, records: out.records };
  }
}

/** Exit codes a function returns for "yes"/"no" answers, as the bash functions did. */
export const Answer = { yes: ExitCode.ok, no: ExitCode.invalid } as const;
