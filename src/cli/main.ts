import { type CliIO, readCapped } from './io.js';
import { fdWriter, mayBeTerminal } from './stdio.js';
import { handleProcessWarnings } from './warnings.js';

function ignore(): void {}

// Standard output's stream, when a write falls back to it: a reader that stops early (`| head`)
// is not an error of ours there either.
function stdoutStream(): NodeJS.WriteStream {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  return process.stdout;
}

/**
 * Entry point of the `k0rdent-state` binary: runs the CLI over the real process. Unexpected
 * errors (bugs, not bad input) print one line and a hint to report them, never a stack trace
 * unless K0RDENT_STATE_DEBUG is set. Process warnings become one line of ours.
 */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  const debug = Boolean(process.env.K0RDENT_STATE_DEBUG);
  const stderr = fdWriter(2, () => process.stderr, ignore);
  handleProcessWarnings(process, stderr, {
    quiet: argv.includes('-q') || argv.includes('--quiet'),
    debug,
  });
  const isTTY = mayBeTerminal(1, () => process.stdout.isTTY === true);
  const io: CliIO = {
    // A reader that stops early (`| head`) is not an error of ours: stop quietly.
    stdout: fdWriter(1, stdoutStream, () => process.exit(0)),
    stderr,
    env: process.env,
    cwd: process.cwd(),
    isTTY,
    stderrIsTTY: mayBeTerminal(2, () => process.stderr.isTTY === true),
    columns: isTTY ? process.stdout.columns : undefined,
    readStdin: (maxBytes) => readCapped(process.stdin, maxBytes),
  };
  try {
    const { run } = await import('./run.js');
    return await run(argv, io);
  } catch (error) {
    const detail = debug ? (error as Error).stack : (error as Error).message;
    stderr(
      `k0rdent-state: internal error: ${detail}; please report it (set K0RDENT_STATE_DEBUG=1 for details)\n`,
    );
    return 70;
  }
}
