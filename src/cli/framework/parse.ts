// The command line parser of every command: Node's own util.parseArgs splits the arguments into
// tokens (short groups, `--name=value`, `--` ending the options), and this module checks them
// against a command's definition and says, in one line, what is wrong and how to fix it.
import { parseArgs } from 'node:util';
import { UsageError } from '../../errors.js';
import { didYouMean } from '../../suggest.js';
import type {
  ActionSpec,
  CommandSpec,
  GlobalOptions,
  Invocation,
  OptionSpec,
  OptionValue,
  PositionalSpec,
  RunnableSpec,
} from './types.js';

/** The program's name in messages and help. */
export const PROGRAM = 'k0rdent-state';

/** Options every command takes, before or after its name. */
export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  quiet: { type: 'boolean', short: 'q', describe: 'print only errors (and the answer of a query)' },
  verbose: { type: 'boolean', describe: 'say more: one line per file for validate, timings' },
  color: {
    type: 'boolean',
    negatable: true,
    default: true,
    describe: 'no colour (colour is used on a terminal only, never with NO_COLOR set)',
  },
  help: { type: 'boolean', short: 'h', describe: 'show help (also after a command: COMMAND --help)' },
  version: { type: 'boolean', describe: 'print the version' },
};

/** What a command line asks for. */
export type ParseOutcome =
  | { kind: 'run'; invocation: Invocation; spec: RunnableSpec; deprecations: string[] }
  | { kind: 'help'; command: CommandSpec; action: ActionSpec | undefined }
  | { kind: 'version' };

/** The command word of a command line and what surrounds it. */
export interface SplitCommandLine {
  /** Global options given before the command. */
  before: string[];
  /** The command's name, undefined when there is none. */
  command: string | undefined;
  /** Everything after the command's name. */
  rest: string[];
}

/** A usage error that ends with where the help is. */
export function usage(message: string, helpFor?: string): UsageError {
  return new UsageError(`${message}; see: ${PROGRAM}${helpFor ? ` ${helpFor}` : ''} --help`);
}

export { didYouMean };

function optionNames(specs: Readonly<Record<string, OptionSpec>>): string[] {
  return Object.entries(specs)
    .filter(([, spec]) => !spec.hidden)
    .map(([name]) => `--${name}`);
}

/**
 * Finds the command's name: the first argument that is not an option. Only global options may
 * come before it.
 */
export function splitCommandLine(argv: readonly string[]): SplitCommandLine {
  const before: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? '';
    if (arg === '--') return { before, command: argv[index + 1], rest: argv.slice(index + 2) };
    if (arg.startsWith('-') && arg !== '-') {
      before.push(arg);
      continue;
    }
    return { before, command: arg, rest: argv.slice(index + 1) };
  }
  return { before, command: undefined, rest: [] };
}

/**
 * Reads the options given before the command (only global ones may be): `help` or `version`
 * when asked for, else `none`. Throws a UsageError for any other option.
 */
export function parseGlobalOnly(before: readonly string[]): 'help' | 'version' | 'none' {
  const { options, problem } = readTokens(before, GLOBAL_OPTIONS);
  if (options.help === true) return 'help';
  if (options.version === true) return 'version';
  if (problem) {
    throw usage(
      `${problem}; only -q, --quiet, --verbose and --no-color go before the command, the others after it`,
    );
  }
  return 'none';
}

interface ReadTokens {
  options: Record<string, OptionValue>;
  positionals: string[];
  given: Set<string>;
  deprecations: string[];
  /** The first problem found (reported after --help had its chance). */
  problem: string | undefined;
}

/**
 * Reads the arguments against a set of options. Problems are collected, not thrown, so that
 * `--help` anywhere still shows the help.
 */
function readTokens(args: readonly string[], specs: Readonly<Record<string, OptionSpec>>): ReadTokens {
  const config: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, spec] of Object.entries(specs)) {
    config[name] = spec.short ? { type: spec.type, short: spec.short } : { type: spec.type };
  }
  const out: ReadTokens = {
    options: {},
    positionals: [],
    given: new Set(),
    deprecations: [],
    problem: undefined,
  };
  const fail = (message: string) => {
    out.problem ??= message;
  };
  let tokens: ReturnType<typeof parseArgs>['tokens'] = [];
  try {
    tokens = parseArgs({
      args: [...args],
      options: config,
      strict: false,
      allowPositionals: true,
      tokens: true,
    }).tokens;
  } catch {
    fail(`cannot read the command line ${JSON.stringify(args.join(' '))}`);
  }
  for (const token of tokens) {
    if (token.kind === 'positional') {
      out.positionals.push(token.value);
      continue;
    }
    if (token.kind === 'option-terminator') continue;
    let name = token.name;
    let spec = specs[name];
    let negated = false;
    if (!spec && name.startsWith('no-') && specs[name.slice(3)]?.negatable) {
      name = name.slice(3);
      spec = specs[name];
      negated = true;
    }
    if (!spec) {
      if (token.rawName.startsWith('--')) {
        const near = didYouMean(token.rawName, optionNames(specs));
        fail(`unknown option ${token.rawName}${near ? ` (did you mean ${near}?)` : ''}`);
      } else fail(`unknown option ${token.rawName}`);
      continue;
    }
    if (spec.type === 'boolean') {
      if (token.value !== undefined) {
        fail(`${token.rawName} takes no value (${token.rawName}=${token.value} was given)`);
        continue;
      }
      set(out, name, spec, !negated);
      continue;
    }
    const value = token.value;
    const placeholder = spec.value ?? 'VALUE';
    if (value === undefined) {
      fail(`--${name} needs a value: --${name} ${placeholder}`);
      continue;
    }
    // `--reason -q`: a value that looks like an option is almost always a forgotten value; one that
    // is meant (an error message "-bash: ...") is written --reason=VALUE. Negative numbers pass.
    if (!token.inlineValue && value.startsWith('-') && value !== '-' && !/^-\d/.test(value)) {
      fail(
        `--${name} needs a value, and ${JSON.stringify(value)} looks like an option; to pass a value that starts with "-", write --${name}=VALUE`,
      );
      continue;
    }
    if (spec.choices && !spec.choices.includes(value)) {
      fail(`--${name} takes ${orList(spec.choices)}, not ${JSON.stringify(value)}`);
      continue;
    }
    if (spec.multiple) {
      const previous = out.options[name];
      set(out, name, spec, [...(Array.isArray(previous) ? previous : []), value]);
    } else {
      const previous = out.options[name];
      if (typeof previous === 'string' && previous !== value) {
        fail(
          `--${name} is given twice (${JSON.stringify(previous)} and ${JSON.stringify(value)}); give it once`,
        );
        continue;
      }
      set(out, name, spec, value);
    }
  }
  return out;
}

function set(out: ReadTokens, name: string, spec: OptionSpec, value: OptionValue): void {
  if (spec.deprecated) {
    const note = `deprecated: --${name}; use ${spec.deprecated.use}`;
    if (!out.deprecations.includes(note)) out.deprecations.push(note);
    for (const [implied, impliedValue] of Object.entries(spec.deprecated.implies)) {
      out.options[implied] = impliedValue;
      out.given.add(implied);
    }
    return;
  }
  out.options[name] = value;
  out.given.add(name);
}

/** `a, b or c`. */
export function orList(values: readonly string[]): string {
  if (values.length <= 1) return values.join('');
  return `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;
}

/** Every option a command (or one of its actions) accepts, global ones included. */
export function optionsOf(command: CommandSpec, action?: ActionSpec): Record<string, OptionSpec> {
  return { ...(command.options ?? {}), ...(action?.options ?? {}), ...GLOBAL_OPTIONS };
}

/** Every option any action of a command accepts (to read the line before the action is known). */
function allOptionsOf(command: CommandSpec): Record<string, OptionSpec> {
  const all: Record<string, OptionSpec> = { ...(command.options ?? {}) };
  for (const action of command.actions ?? []) Object.assign(all, action.options ?? {});
  return { ...all, ...GLOBAL_OPTIONS };
}

/** The usage line's arguments: `NAME STATUS`, `[FILE]`, `[FILES...]`. */
export function positionalUsage(positionals: readonly PositionalSpec[] = []): string {
  return positionals
    .map((p) => {
      const name = `${p.name.toUpperCase()}${p.variadic ? '...' : ''}`;
      return p.required ? name : `[${name}]`;
    })
    .join(' ');
}

/**
 * Parses the arguments after a command's name against its definition: its action (if it has
 * actions), options, positionals, conflicts and checks. Throws a UsageError whose message says
 * what is wrong and where the help is.
 */
export function parseInvocation(
  command: CommandSpec,
  before: readonly string[],
  rest: readonly string[],
): ParseOutcome {
  const args = [...before, ...rest];
  let action: ActionSpec | undefined;
  let read = readTokens(args, command.actions ? allOptionsOf(command) : optionsOf(command));
  let positionals = read.positionals;
  if (command.actions) {
    const word = positionals[0];
    if (word === undefined) {
      if (read.options.help === true) return { kind: 'help', command, action: undefined };
      throw usage(
        `${command.name} needs an action: ${orList(command.actions.map((a) => a.name))}`,
        command.name,
      );
    }
    action = command.actions.find((candidate) => candidate.name === word);
    if (!action) {
      if (read.options.help === true) return { kind: 'help', command, action: undefined };
      const names = command.actions.map((a) => a.name);
      const near = didYouMean(word, names);
      throw usage(
        `unknown action ${JSON.stringify(word)} for ${command.name}${near ? ` (did you mean ${command.name} ${near}?)` : ''}; the actions are: ${names.join(', ')}`,
        command.name,
      );
    }
    // Read again with this action's options only, so another action's option is refused.
    read = readTokens(args, optionsOf(command, action));
    positionals = read.positionals.slice(1);
  }
  const name = action ? `${command.name} ${action.name}` : command.name;
  if (read.options.help === true) return { kind: 'help', command, action };
  if (read.options.version === true) return { kind: 'version' };
  if (read.problem) throw usage(read.problem, name);
  const spec: RunnableSpec | undefined = action ?? (command.handler ? (command as RunnableSpec) : undefined);
  if (!spec) throw usage(`${command.name} cannot run by itself`, command.name);
  const specs = optionsOf(command, action);
  const options: Record<string, OptionValue> = {};
  for (const [option, optionSpec] of Object.entries(specs)) {
    options[option] = read.options[option] ?? optionSpec.default;
  }
  const global: GlobalOptions = {
    quiet: options.quiet === true,
    verbose: options.verbose === true,
    color: options.color !== false,
  };
  if (global.quiet && global.verbose) {
    throw usage('--quiet and --verbose are mutually exclusive; use one of them', name);
  }
  const invocation: Invocation = {
    command: name,
    options,
    positionals: assignPositionals(spec.positionals ?? [], positionals, name),
    given: read.given,
    global,
  };
  for (const [a, b] of spec.conflicts ?? []) {
    if (read.given.has(a) && read.given.has(b)) {
      throw usage(`--${a} and --${b} cannot be used together; use one of them`, name);
    }
  }
  if (spec.check) {
    try {
      spec.check(invocation);
    } catch (error) {
      if (error instanceof UsageError) throw usage(error.message, name);
      throw error;
    }
  }
  return { kind: 'run', invocation, spec, deprecations: read.deprecations };
}

function assignPositionals(
  specs: readonly PositionalSpec[],
  values: readonly string[],
  name: string,
): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  let index = 0;
  for (const spec of specs) {
    if (spec.variadic) {
      out[spec.name] = values.slice(index);
      index = values.length;
    } else {
      out[spec.name] = values[index];
      if (values[index] !== undefined) index++;
    }
    const value = out[spec.name];
    const missing = value === undefined || (Array.isArray(value) && value.length === 0);
    if (spec.required && missing) {
      const needed = specs.filter((p) => p.required).map((p) => p.name.toUpperCase());
      const known = spec.choices ?? (Array.isArray(spec.complete) ? spec.complete : undefined);
      throw usage(
        `${name} needs ${spec.name.toUpperCase()}${known ? ` (${orList(known)})` : ''}: ${PROGRAM} ${name} ${needed.join(' ')}`,
        name,
      );
    }
    for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
      if (spec.choices && !spec.choices.includes(item)) {
        throw usage(
          `${spec.name.toUpperCase()} is ${orList(spec.choices)}, not ${JSON.stringify(item)}`,
          name,
        );
      }
    }
  }
  if (index < values.length) {
    const usageLine = positionalUsage(specs);
    throw usage(
      `unexpected argument ${JSON.stringify(values[index])}: ${name} takes ${usageLine === '' ? 'no arguments' : usageLine}`,
      name,
    );
  }
  return out;
}
