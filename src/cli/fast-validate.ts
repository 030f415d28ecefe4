import { DEFAULT_MAX_BYTES } from '../read/read-file.js';
import type { ValidateCommandOptions } from './validate.js';

/**
 * `validate FILE...` with no option, writing to files or pipes (pre-commit hooks, CI, scripts):
 * the options the full command line would give, decided without loading the argument parser or
 * the other commands. Undefined for anything else (an option, `--help`, no file, a terminal on
 * standard output or standard error): the full command line decides.
 */
export function fastValidateOptions(
  argv: readonly string[],
  terminal: { stdout: boolean; stderr: boolean },
): ValidateCommandOptions | undefined {
  if (argv[0] !== 'validate' || argv.length < 2) return undefined;
  const files = argv.slice(1);
  if (files.some((file) => file === '' || file.startsWith('-'))) return undefined;
  // Colour and progress depend on terminals: leave those runs to the full path.
  if (terminal.stdout || terminal.stderr) return undefined;
  return {
    files,
    schema: undefined,
    requireLatest: false,
    strict: false,
    format: 'text',
    maxBytes: DEFAULT_MAX_BYTES,
    quiet: false,
    verbose: false,
    color: false,
    progress: false,
  };
}
