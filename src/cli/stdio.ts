// How the binary writes to its standard output and error. Node's process.stdout is a stream
// object; for a pipe it is a net.Socket, whose first use loads node:net and the stream machinery
// (about 4 ms of a cold call's CPU, bench/RESULTS.md). Node writes to pipes and files
// synchronously anyway, so writing the bytes with writeSync() gives the same order and the same
// blocking, without building the stream. A terminal still goes through the stream (colour, width).
import { fstatSync, writeSync } from 'node:fs';

/** What a writer falls back to: the process's stream for the same descriptor. */
export type StreamGetter = () => { write(text: string | Uint8Array): unknown };

/**
 * A function writing text to descriptor `fd` synchronously. A reader that went away (EPIPE)
 * calls `onGone` (the CLI exits 0: `| head` is not an error), and the rest is dropped. Any other
 * refusal (EAGAIN: someone made the descriptor non-blocking; a closed descriptor) hands this
 * write's rest and every later one to `stream()`, which then behaves as it always did.
 */
export function fdWriter(fd: number, stream: StreamGetter, onGone: () => void): (text: string) => void {
  let fallback: ReturnType<StreamGetter> | undefined;
  let gone = false;
  return (text) => {
    if (gone) return;
    if (fallback !== undefined) {
      fallback.write(text);
      return;
    }
    const bytes = Buffer.from(text, 'utf8');
    let offset = 0;
    while (offset < bytes.length) {
      try {
        offset += writeSync(fd, bytes, offset);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') {
          gone = true;
          onGone();
          return;
        }
        fallback = stream();
        fallback.write(bytes.subarray(offset));
        return;
      }
    }
  };
}

/**
 * Whether descriptor `fd` may be a terminal, without building its stream: false for a pipe, a
 * file or a socket (what scripts and CI give); for a character device, `isTTY()` decides (a
 * terminal, or /dev/null).
 */
export function mayBeTerminal(fd: number, isTTY: () => boolean): boolean {
  try {
    if (!fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  return isTTY();
}
