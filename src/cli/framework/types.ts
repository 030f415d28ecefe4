// The declarative shape of a command: what each module in src/cli/commands/ exports. The parser
// (parse.ts), the help (help.ts) and the bash completion (completion.ts) are all made from it, so
// an option exists, is described and completes in one place.
import type { CliIO } from '../io.js';

/** A value an option holds after parsing. */
export type OptionValue = string | boolean | string[] | undefined;

/** One `--name` option. */
export interface OptionSpec {
  /** `string` takes a value (`--file F`, `--file=F`); `boolean` takes none. */
  type: 'string' | 'boolean';
  /** A one-letter spelling, e.g. `f` for `-f`. */
  short?: string;
  /** One line for the help. */
  describe: string;
  /** Name of the value in the help (string options), e.g. `FILE`. Default: `VALUE`. */
  value?: string;
  /** The only values accepted (string options); also offered by completion. */
  choices?: readonly string[];
  /** Used when the option is not given. */
  default?: string | boolean;
  /** Boolean options: `--no-NAME` sets false. */
  negatable?: boolean;
  /** String options: may be given several times; the values are collected in order. */
  multiple?: boolean;
  /** Not listed in the help nor completed (kept for old spellings). */
  hidden?: boolean;
  /** What completion offers for the value (string options without choices). */
  complete?: CompletionHint;
  /**
   * An old spelling kept for scripts: using it prints one `deprecated:` line on standard error
   * that names `use`, and sets the options in `implies`.
   */
  deprecated?: { use: string; implies: Readonly<Record<string, string | boolean>> };
}

/** What completion offers for a value: files, phase names, or a fixed list. */
export type CompletionHint = 'file' | 'directory' | 'phase' | readonly string[];

/** One positional argument. */
export interface PositionalSpec {
  /** Its name in the usage line (shown upper-case) and in {@link Invocation.positionals}. */
  name: string;
  /** One line for the help. */
  describe: string;
  /** The command cannot run without it. */
  required?: boolean;
  /** Takes every remaining argument (the last positional only). */
  variadic?: boolean;
  /** The only values accepted. */
  choices?: readonly string[];
  /** What completion offers (default: its choices). */
  complete?: CompletionHint;
}

/** A usage example: the command line (without `k0rdent-state `) and what it does. */
export type Example = readonly [command: string, describe: string];

/** The options every command takes (parsed before the command's own). */
export interface GlobalOptions {
  quiet: boolean;
  verbose: boolean;
  /** Colour allowed (false with --no-color); the terminal and NO_COLOR decide the rest. */
  color: boolean;
}

/** A parsed command line, as a handler receives it. */
export interface Invocation {
  /** The command and action as typed, e.g. `phase set`. */
  command: string;
  /** Options by their long name (defaults filled in). */
  options: Readonly<Record<string, OptionValue>>;
  /** Positionals by their name (variadic ones as arrays). */
  positionals: Readonly<Record<string, string | string[] | undefined>>;
  /** Names of the options given on the command line (not defaulted). */
  given: ReadonlySet<string>;
  /** The global options. */
  global: GlobalOptions;
}

/** Runs a parsed command; returns the exit code. Errors it throws are printed by the CLI. */
export type Handler = (args: Invocation, io: CliIO) => Promise<number> | number;

/** What a command or one of its actions accepts, and does. */
export interface RunnableSpec {
  /** Positional arguments, in order. */
  positionals?: readonly PositionalSpec[];
  /** Options by long name (kebab-case). */
  options?: Readonly<Record<string, OptionSpec>>;
  /** Pairs of options that cannot be given together. */
  conflicts?: readonly (readonly [string, string])[];
  /**
   * Further checks of the command line; throws a UsageError (its message gets the help hint).
   */
  check?: (args: Invocation) => void;
  /** At least one, each of the command itself. */
  examples: readonly Example[];
  handler: Handler;
}

/** A sub-command such as `phase set`. */
export interface ActionSpec extends RunnableSpec {
  name: string;
  /** One line for the help. */
  summary: string;
}

/** A command: either runnable itself, or a set of actions (`phase applicable|status|...`). */
export interface CommandSpec extends Partial<RunnableSpec> {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** A paragraph for the command's own help (default: the summary). */
  description?: string;
  /** Its actions; options given here are shared by every action. */
  actions?: readonly ActionSpec[];
}
