// Help text made from the command definitions, wrapped to the terminal's width. An example's
// command line is never broken: when it and its description do not fit on one line, the
// description goes on the lines below it.
import { GLOBAL_OPTIONS, PROGRAM, positionalUsage } from './parse.js';
import type { ActionSpec, CommandSpec, Example, OptionSpec, PositionalSpec } from './types.js';

/** Widest help text, even on a wider terminal (longer lines are hard to read). */
const MAX_WIDTH = 100;
const MIN_WIDTH = 40;
/** Widest first column of a two-column list; longer terms put their description below. */
const MAX_TERM = 34;
const MIN_DESCRIPTION = 24;

/** The width help is wrapped to, from the terminal's columns (80 when unknown). */
export function helpWidth(columns: number | undefined): number {
  return Math.max(MIN_WIDTH, Math.min(MAX_WIDTH, columns && columns > 0 ? columns : 80));
}

/** Breaks text into lines of at most `width` characters at spaces (a longer word stays whole). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line !== '') lines.push(line);
  return lines.length === 0 ? [''] : lines;
}

/** Rows of `term  description`, the descriptions aligned and wrapped. */
function columns(rows: readonly (readonly [string, string])[], width: number): string[] {
  // The description column keeps at least MIN_DESCRIPTION characters; a term wider than the
  // first column has its description on the lines below it.
  const room = width - 5 - MIN_DESCRIPTION;
  const termWidth = Math.min(MAX_TERM, room, Math.max(0, ...rows.map(([t]) => t.length)));
  // On a very narrow terminal every description goes below its term.
  const stacked = room < 8;
  const start = 2 + termWidth + 3;
  const out: string[] = [];
  for (const [term, description] of rows) {
    const wrapped = wrap(description, width - start);
    // A word longer than the column (a long list of values) goes below the term, as on a narrow
    // terminal.
    if (stacked || term.length > termWidth || wrapped.some((line) => line.length > width - start)) {
      out.push(`  ${term}`);
      for (const line of wrap(description, width - 6)) out.push(`      ${line}`);
      continue;
    }
    out.push(`  ${term.padEnd(termWidth)}   ${wrapped[0]}`.trimEnd());
    for (const line of wrapped.slice(1)) out.push(`${' '.repeat(start)}${line}`);
  }
  return out;
}

function examples(list: readonly Example[], width: number): string[] {
  const commands = list.map(([command]) => `${PROGRAM} ${command}`);
  const commandWidth = Math.max(...commands.map((line) => line.length));
  // Aligned, one example a line, when every one fits so; else each command alone on its line
  // (never broken) and its description below it.
  if (list.every(([, description]) => 2 + commandWidth + 3 + description.length <= width)) {
    return list.map(
      ([, description], index) => `  ${(commands[index] ?? '').padEnd(commandWidth)}   ${description}`,
    );
  }
  return list.flatMap(([, description], index) => [
    `  ${commands[index]}`,
    ...wrap(description, width - 6).map((part) => `      ${part}`),
  ]);
}

function optionTerm(name: string, spec: OptionSpec): string {
  const short = spec.short ? `-${spec.short}, ` : '    ';
  if (spec.type === 'boolean') {
    return spec.negatable && spec.default === true ? `${short}--no-${name}` : `${short}--${name}`;
  }
  return `${short}--${name} ${spec.value ?? 'VALUE'}`;
}

function optionDescription(spec: OptionSpec): string {
  const notes: string[] = [];
  if (spec.choices) notes.push(spec.choices.join(', '));
  if (typeof spec.default === 'string' && spec.default !== '') notes.push(`default: ${spec.default}`);
  if (spec.multiple) notes.push('repeatable');
  return notes.length === 0 ? spec.describe : `${spec.describe} (${notes.join('; ')})`;
}

function optionRows(options: Readonly<Record<string, OptionSpec>>): [string, string][] {
  return Object.entries(options)
    .filter(([, spec]) => !spec.hidden)
    .map(([name, spec]) => [optionTerm(name, spec), optionDescription(spec)]);
}

function positionalRows(positionals: readonly PositionalSpec[]): [string, string][] {
  return positionals.map((p) => [
    p.name.toUpperCase(),
    p.choices ? `${p.describe} (${p.choices.join(', ')})` : p.describe,
  ]);
}

/** The top-level help: the commands (hidden ones left out by the caller) and the global options. */
export function programHelp(commands: readonly CommandSpec[], description: string, width: number): string {
  const rows = commands.map((command): [string, string] => [
    `${PROGRAM} ${commandUsage(command)}`,
    command.summary,
  ]);
  return [
    `Usage: ${PROGRAM} COMMAND [options]`,
    '',
    ...wrap(description, width),
    '',
    'Commands:',
    ...columns(rows, width),
    '',
    'Options:',
    ...columns(optionRows(GLOBAL_OPTIONS), width),
    '',
    ...wrap(`Run ${PROGRAM} COMMAND --help for a command's options and examples.`, width),
    '',
  ].join('\n');
}

/** `phase ACTION`, `validate [FILES...]`. */
function commandUsage(command: CommandSpec): string {
  if (command.actions) return `${command.name} ACTION`;
  const args = positionalUsage(command.positionals);
  return args === '' ? command.name : `${command.name} ${args}`;
}

/** The help of one command, or of one of its actions. */
export function commandHelp(command: CommandSpec, action: ActionSpec | undefined, width: number): string {
  const out: string[] = [];
  const own = { ...(command.options ?? {}), ...(action?.options ?? {}) };
  if (command.actions && !action) {
    out.push(`Usage: ${PROGRAM} ${command.name} ACTION [options]`, '');
    out.push(...wrap(command.description ?? command.summary, width), '');
    out.push('Actions:');
    out.push(
      ...columns(
        command.actions.map((a): [string, string] => [
          `${a.name} ${positionalUsage(a.positionals)}`.trimEnd(),
          a.summary,
        ]),
        width,
      ),
    );
    out.push('');
    out.push(...wrap(`Run ${PROGRAM} ${command.name} ACTION --help for an action's options.`, width), '');
  } else {
    const positionals = action?.positionals ?? command.positionals ?? [];
    const name = action ? `${command.name} ${action.name}` : command.name;
    const args = positionalUsage(positionals);
    out.push(`Usage: ${PROGRAM} ${name}${args ? ` ${args}` : ''} [options]`, '');
    out.push(...wrap(action?.summary ?? command.description ?? command.summary, width), '');
    if (positionals.length > 0) out.push('Arguments:', ...columns(positionalRows(positionals), width), '');
  }
  const ownRows = optionRows(own);
  if (ownRows.length > 0) out.push('Options:', ...columns(ownRows, width), '');
  out.push('Global options:', ...columns(optionRows(GLOBAL_OPTIONS), width), '');
  const list = action
    ? action.examples
    : command.actions
      ? command.actions.flatMap((a) => a.examples)
      : (command.examples ?? []);
  out.push('Examples:', ...examples(list, width));
  return `${out.join('\n')}\n`;
}
