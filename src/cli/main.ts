import { type CliIO, readCapped } from './io.js';
import { handleProcessWarnings } from './warnings.js';

/**
 * Entry point of the `k0rdent-state` binary: runs the CLI over the real process. Unexpected
 * errors (bugs, not bad input) print one line and a hint to report them, never a stack trace
 * unless K0RDENT_STATE_DEBUG is set. Process warnings become one line of ours.
 */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  const debug = Boolean(process.env.K0RDENT_STATE_DEBUG);
  handleProcessWarnings(process, (text) => process.stderr.write(text), {
    quiet: argv.includes('-q') || argv.includes('--quiet'),
    debug,
  });
  // A reader that stops early (`| head`) is not an error of ours: stop quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  const io: CliIO = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    isTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    columns: process.stdout.columns,
    readStdin: (maxBytes) => readCapped(process.stdin, maxBytes),
  };
  try {
    const { run } = await import('./run.js');
    return await run(argv, io);
  } catch (error) {
    const detail = debug ? (error as Error).stack : (error as Error).message;
    process.stderr.write(
      `k0rdent-state: internal error: ${detail}; please report it (set K0RDENT_STATE_DEBUG=1 for details)\n`,
    );
    return 70;
  }
}
