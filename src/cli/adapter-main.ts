import { appendFileSync } from 'node:fs';
import { adapterCallCommand, serveCommand } from './adapter.js';
import { fdWriter } from './stdio.js';

/**
 * Entry of the bash adapter's two hidden commands over the real process: `__adapter-call` (one
 * function, one process) and `__serve` (the co-process). Kept apart from the command line parser
 * so that neither loads it.
 */
export async function adapterMain(argv: readonly string[]): Promise<number> {
  if (argv[0] === '__serve') {
    process.stdin.resume();
    const code = await serveCommand({
      stdout: (text) => process.stdout.write(text),
      onStdinEnd: (onGone) => {
        process.stdin.on('end', onGone);
        process.stdin.on('close', onGone);
        process.stdin.on('error', onGone);
      },
      parentPid: () => process.ppid,
      every: (ms, check) => setInterval(check, ms).unref(),
      ...(process.env.K0RDENT_STATE_TRACE_CALLS
        ? {
            onRequest: (name: string) =>
              appendFileSync(process.env.K0RDENT_STATE_TRACE_CALLS ?? '', `${name}\n`),
          }
        : {}),
    });
    logCpu();
    // Connections a vanished shell left open must not keep the process alive.
    process.exit(code);
  }
  // The records go to the shell's process substitution, a pipe: written without building
  // process.stdout (see stdio.ts). A shell that stopped reading has nothing left to be told.
  return adapterCallCommand(argv.slice(1), {
    stdout: fdWriter(
      1,
      () => process.stdout,
      () => undefined,
    ),
    cwd: process.cwd(),
  });
}

// For the benchmark: the co-process's own CPU time (no timer waits for it; the one-shot calls
// are the shell's waited-for children, which GNU time counts).
function logCpu(): void {
  const log = process.env.K0RDENT_STATE_CPU_LOG;
  if (!log) return;
  const { user, system } = process.cpuUsage();
  appendFileSync(log, `${process.pid} ${user + system}\n`);
}
