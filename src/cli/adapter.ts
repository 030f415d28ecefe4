import { callAdapter } from '../adapter/call.js';
import { encodeRecords } from '../adapter/output.js';
import { PROTOCOL, startAdapterServer } from '../adapter/server.js';

/** The process facts the co-process watches to know when its shell is gone. */
export interface ServeProcess {
  /** Writes the handshake line to standard output. */
  stdout(text: string): void;
  /** Calls `onGone` when standard input ends (the shell closed its end of the co-process). */
  onStdinEnd(onGone: () => void): void;
  /** The parent process id now (it changes when the shell exits and the server is re-parented). */
  parentPid(): number;
  /** Runs `check` every `ms` milliseconds without keeping the process alive. */
  every(ms: number, check: () => void): void;
  /** Called with each answered function's name (K0RDENT_STATE_TRACE_CALLS, for the benchmark). */
  onRequest?: (name: string) => void;
}

/**
 * `k0rdent-state __adapter-call STATE_FILE EVENTS_FILE NOW FUNCTION [ARGS...]`: one deployer
 * function in this process (the adapter's fallback when the co-process is not running). Writes
 * the call's records to standard output, as the co-process would send them, and exits with the
 * function's code.
 */
export async function adapterCallCommand(
  argv: readonly string[],
  io: { stdout(text: string): void; cwd: string },
): Promise<number> {
  const [stateFile = '', eventsFile = '', now = '', name = '', ...args] = argv;
  const result = await callAdapter({ name, args, cwd: io.cwd, stateFile, eventsFile, now });
  io.stdout(encodeRecords(result.records, result.code));
  return result.code;
}

/**
 * `k0rdent-state __serve`: the adapter's co-process. Prints `k0rdent-state/1 PORT TOKEN` on one
 * line, then answers calls on 127.0.0.1:PORT until its shell is gone: standard input closed, or
 * the parent process changed. Resolves when it has stopped.
 */
export async function serveCommand(process: ServeProcess): Promise<number> {
  const server = await startAdapterServer(process.onRequest ? { onRequest: process.onRequest } : {});
  const parent = process.parentPid();
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.onStdinEnd(stop);
    process.every(1000, () => {
      if (process.parentPid() !== parent) stop();
    });
    process.stdout(`${PROTOCOL} ${server.port} ${server.token}\n`);
  });
  await server.close();
  return 0;
}
