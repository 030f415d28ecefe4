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
  /** Reads all of standard input (for `-` arguments). */
  readStdin?: () => Promise<string>;
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
