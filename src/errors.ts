/**
 * The errors this library throws for problems with its input. Each has a stable string `code`,
 * the process exit code the CLI maps it to, and, where one is known, the file and the 1-based
 * line and column the problem is at. Messages are one line and end with what to do.
 */

/** Exit codes of the CLI, shared by every command. */
export const ExitCode = {
  ok: 0,
  invalid: 1,
  usage: 2,
  unreadable: 3,
  newerVersion: 4,
  locked: 5,
  writeFailed: 6,
} as const;

/** A position in a source file, 1-based. */
export interface SourcePosition {
  line: number;
  col: number;
}

/** Base class of every error this library throws on purpose. */
export class StateError extends Error {
  /** Stable machine-readable code, e.g. `yaml-syntax`. */
  readonly code: string;
  /** Exit code the CLI uses for this error. */
  readonly exitCode: number;
  /** The file the error is about, when there is one. */
  file: string | undefined;
  /** Where in the file, when known. */
  readonly position: SourcePosition | undefined;

  constructor(
    code: string,
    message: string,
    options: { exitCode: number; file?: string; position?: SourcePosition; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = options.exitCode;
    this.file = options.file;
    this.position = options.position;
  }
}

/** The file cannot be read, decoded or parsed as YAML (exit 3). */
export class ReadError extends StateError {
  constructor(
    code: string,
    message: string,
    options: { file?: string; position?: SourcePosition; cause?: unknown } = {},
  ) {
    super(code, message, { ...options, exitCode: ExitCode.unreadable });
  }
}

/** The file's `schema_version` is newer than this tool knows (exit 4). */
export class VersionError extends StateError {
  constructor(message: string, options: { file?: string; position?: SourcePosition } = {}) {
    super('unsupported-version', message, { ...options, exitCode: ExitCode.newerVersion });
  }
}

/** The command line is wrong (exit 2). */
export class UsageError extends StateError {
  constructor(message: string) {
    super('usage', message, { exitCode: ExitCode.usage });
  }
}

// C0 controls (but tab), DEL, C1 controls, and the Unicode controls that reorder text on screen.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const UNPRINTABLE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text safe to print on a terminal: control characters (escape sequences, a carriage return
 * that overwrites the line, text-direction overrides) written as `\xNN` or `\uNNNN`. For texts
 * that come from files anyone can write (a lock record, a file name, a value).
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (char) => {
    const code = char.charCodeAt(0);
    return code < 0x100
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * Formats an error as the CLI prints it, always on one line: `FILE[:LINE:COL]: error: MESSAGE [code]`
 * (line breaks in a message, e.g. one of yargs' multi-line errors, are folded into spaces; other
 * control characters are escaped, see {@link printable}).
 */
export function formatStateError(error: StateError): string {
  const where = error.file
    ? `${printable(error.file)}${error.position ? `:${error.position.line}:${error.position.col}` : ''}: `
    : '';
  return `${where}error: ${printable(error.message.replace(/\s*[\r\n]+\s*/g, ' '))} [${error.code}]`;
}
