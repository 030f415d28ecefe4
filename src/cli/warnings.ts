// Node's process warnings (`(node:1234) Warning: ...` plus a `--trace-warnings` hint) are not for
// the users of a command line tool: a warning from a library becomes one line in the CLI's own
// voice, and the notices of Node and the dependencies about their own APIs are left out.

/** Kinds of warning that speak to a developer of this tool, not to its user. */
const DEVELOPER_WARNINGS = new Set(['DeprecationWarning', 'ExperimentalWarning']);

/**
 * The line the CLI prints for a process warning, or undefined for one it leaves out (with
 * `debug`, nothing is left out).
 */
export function warningLine(warning: Error, debug = false): string | undefined {
  if (!debug && DEVELOPER_WARNINGS.has(warning.name)) return undefined;
  const message = warning.message.replace(/\s*[\r\n]+\s*/g, ' ').trim();
  return `k0rdent-state: warning: ${message}\n`;
}

/**
 * Replaces Node's printing of process warnings (for the binary only: the library never touches
 * `process`): each goes to `write` as {@link warningLine} says, unless `quiet`.
 */
export function handleProcessWarnings(
  target: NodeJS.Process,
  write: (text: string) => void,
  options: { quiet: boolean; debug: boolean },
): void {
  target.removeAllListeners('warning');
  target.on('warning', (warning: Error) => {
    const line = warningLine(warning, options.debug);
    if (line !== undefined && !options.quiet) write(line);
  });
}
