// The command line: finds the command, loads its module, parses the rest against its definition
// and runs it. Usage errors are one line (what is wrong, then where the help is), exit 2.
import { ExitCode, UsageError } from '../errors.js';
import { TOOL_VERSION } from '../version.js';
import { COMMANDS, listedCommands } from './commands/index.js';
import { commandHelp, helpWidth, programHelp } from './framework/help.js';
import {
  didYouMean,
  PROGRAM,
  parseGlobalOnly,
  parseInvocation,
  splitCommandLine,
} from './framework/parse.js';
import type { CliIO } from './io.js';
import { report } from './state.js';

/** What the top-level help says the tool is. */
export const DESCRIPTION = 'Owns the k0rdent deployer state file (state/deployment-state.yaml).';

/**
 * Runs the k0rdent-state command line with `argv` (without the node and script names) and
 * returns the exit code. Everything it prints goes through `io`; it never exits the process.
 */
export async function run(argv: readonly string[], io: CliIO): Promise<number> {
  // A pipe has no columns: COLUMNS, when set, still says how wide the reader's terminal is.
  const width = helpWidth(io.columns ?? (Number(io.env.COLUMNS) || undefined));
  let name = '';
  let verbose = false;
  let started = 0;
  let code: number;
  try {
    const split = splitCommandLine(argv);
    const asked = parseGlobalOnly(split.before);
    if (split.command === undefined) {
      if (asked === 'version') {
        io.stdout(`${TOOL_VERSION}\n`);
        return ExitCode.ok;
      }
      if (asked === 'help') {
        io.stdout(programHelp(await listedCommands(), DESCRIPTION, width));
        return ExitCode.ok;
      }
      throw new UsageError(`name a command; see the commands: ${PROGRAM} --help`);
    }
    const entry = COMMANDS.find((candidate) => candidate.name === split.command);
    if (!entry) throw unknownCommand(split.command);
    const { command } = await entry.load();
    const outcome = parseInvocation(command, split.before, split.rest);
    if (outcome.kind === 'version') {
      io.stdout(`${TOOL_VERSION}\n`);
      return ExitCode.ok;
    }
    if (outcome.kind === 'help') {
      io.stdout(commandHelp(command, outcome.action, width));
      return ExitCode.ok;
    }
    const { invocation, spec, deprecations } = outcome;
    name = command.name;
    verbose = invocation.global.verbose;
    const commandIO = invocation.global.quiet ? quietIO(io) : io;
    for (const note of deprecations) commandIO.stderr(`${PROGRAM}: ${note}\n`);
    started = Date.now();
    try {
      code = await spec.handler(invocation, commandIO);
    } catch (error) {
      code = report(error, commandIO);
    }
  } catch (error) {
    return report(error, io);
  }
  // validate prints its own timings with --verbose.
  if (verbose && name !== 'validate') {
    io.stderr(`${PROGRAM} ${name}: exit ${code} after ${Date.now() - started} ms\n`);
  }
  return code;
}

function unknownCommand(word: string): UsageError {
  const near = word.startsWith('-')
    ? undefined
    : didYouMean(
        word,
        COMMANDS.filter((entry) => !entry.hidden).map((entry) => entry.name),
      );
  const hint = near
    ? `did you mean ${PROGRAM} ${near}? (${PROGRAM} --help lists the commands)`
    : `see the commands: ${PROGRAM} --help`;
  return new UsageError(`unknown command ${JSON.stringify(word)}; ${hint}`);
}

/** Matches a line the CLI prints for an error: `[FILE[:LINE:COL]: ]error: ...`. */
const ERROR_LINE = /(^|: )error: /;

/**
 * The IO of `--quiet`: standard error keeps only error lines (no warnings, notes, summaries,
 * progress); standard output, the answer of the command, is left to the command.
 */
export function quietIO(io: CliIO): CliIO {
  let pending = '';
  return {
    ...io,
    stderr(text: string) {
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      const kept = lines.filter((line) => ERROR_LINE.test(line));
      if (kept.length > 0) io.stderr(`${kept.join('\n')}\n`);
    },
  };
}
