import { run } from './run.js';

/**
 * Entry point of the `k0rdent-state` binary: runs the CLI over the real process. Unexpected
 * errors (bugs, not bad input) print one line and a hint to report them, never a stack trace
 * unless K0RDENT_STATE_DEBUG is set.
 */
export async function main(): Promise<number> {
  // A reader that stops early (`| head`) is not an error of ours: stop quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  try {
    return await run(process.argv.slice(2), {
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
      env: process.env,
      cwd: process.cwd(),
      isTTY: process.stdout.isTTY === true,
      columns: process.stdout.columns,
      readStdin: async () => {
        const chunks: Buffer[] = [];
        for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks).toString('utf8');
      },
    });
  } catch (error) {
    const detail = process.env.K0RDENT_STATE_DEBUG ? (error as Error).stack : (error as Error).message;
    process.stderr.write(
      `k0rdent-state: internal error: ${detail}; please report it (set K0RDENT_STATE_DEBUG=1 for details)\n`,
    );
    return 70;
  }
}
