/** What the CLI may touch of its process: output streams, environment and working folder. */
export interface CliIO {
  /** Writes to standard output (text is written as is; callers add newlines). */
  stdout(text: string): void;
  /** Writes to standard error. */
  stderr(text: string): void;
  /** Environment variables. */
  env: Readonly<Record<string, string | undefined>>;
  /** Folder relative paths are resolved against. */
  cwd: string;
  /** Standard output is a terminal (colour only then). */
  isTTY?: boolean;
  /**
   * Standard error is a terminal (progress lines only then). When not given, {@link isTTY}
   * decides.
   */
  stderrIsTTY?: boolean;
  /** Terminal width for help text. */
  columns?: number;
  /**
   * Reads all of standard input (for `-` arguments). With `maxBytes`, stops reading past that
   * many bytes and rejects with a RangeError: standard input is capped like a file.
   */
  readStdin?: (maxBytes?: number) => Promise<string>;
}

/** Collects output in memory: for tests and for embedding the CLI. */
export function memoryIO(overrides: Partial<CliIO> = {}): CliIO & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout(text: string) {
      io.out += text;
    },
    stderr(text: string) {
      io.err += text;
    },
    env: {},
    cwd: '.',
    isTTY: false,
    ...overrides,
  };
  return io;
}

/**
 * Reads a stream (standard input) to its end as UTF-8 text, but never more than `maxBytes`:
 * past that it stops and rejects with a RangeError, so a stream without end (`--outputs - <
 * /dev/zero`) is refused like a file over the cap.
 */
export async function readCapped(
  stream: AsyncIterable<Buffer | string> & { destroy?: () => void },
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    total += bytes.length;
    if (total > maxBytes) {
      stream.destroy?.();
      throw new RangeError(`the input is over ${maxBytes} bytes`);
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks).toString('utf8');
}
