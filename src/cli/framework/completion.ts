// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are bash code, where ${...} is bash's.
// A bash completion script made from the command definitions: commands, actions, options,
// option values (choices, files, folders, phase names) and positionals. Static: pressing TAB
// runs no node process.
import { GLOBAL_OPTIONS, optionsOf, PROGRAM } from './parse.js';
import type { ActionSpec, CommandSpec, CompletionHint, OptionSpec, PositionalSpec } from './types.js';

/** A shell word list, single-quoted for bash. */
function quoted(words: readonly string[]): string {
  return `'${words.join(' ').replace(/'/g, "'\\''")}'`;
}

/** The bash that fills COMPREPLY for a hint (`$cur` is the word being completed). */
function replyFor(hint: CompletionHint | undefined): string {
  if (hint === undefined) return 'COMPREPLY=()';
  if (hint === 'file') return 'COMPREPLY=($(compgen -f -- "$cur"))';
  if (hint === 'directory') return 'COMPREPLY=($(compgen -d -- "$cur"))';
  if (hint === 'phase') return 'COMPREPLY=($(compgen -W "$phases" -- "$cur"))';
  return `COMPREPLY=($(compgen -W ${quoted(hint)} -- "$cur"))`;
}

function optionWords(options: Readonly<Record<string, OptionSpec>>): string[] {
  const words: string[] = [];
  for (const [name, spec] of Object.entries(options)) {
    if (spec.hidden) continue;
    words.push(spec.negatable && spec.default === true ? `--no-${name}` : `--${name}`);
    if (spec.short) words.push(`-${spec.short}`);
  }
  return words;
}

function valued(options: Readonly<Record<string, OptionSpec>>): [string[], CompletionHint | undefined][] {
  return Object.entries(options)
    .filter(([, spec]) => spec.type === 'string')
    .map(([name, spec]) => [
      [`--${name}`, ...(spec.short ? [`-${spec.short}`] : [])],
      spec.choices ?? spec.complete,
    ]);
}

function positionalHint(p: PositionalSpec): CompletionHint | undefined {
  return p.complete ?? p.choices;
}

/** One `case` branch: the options, the options that take a value, and the positionals. */
function branch(key: string, command: CommandSpec, action: ActionSpec | undefined): string[] {
  const options = optionsOf(command, action);
  const positionals = action?.positionals ?? command.positionals ?? [];
  const lines = [`    ${quoted([key])})`, `      opts=${quoted(optionWords(options))}`];
  lines.push('      case "$prev" in');
  for (const [names, hint] of valued(options)) {
    lines.push(`        ${names.join('|')}) ${replyFor(hint)}; return 0 ;;`);
  }
  lines.push('      esac');
  lines.push('      if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$opts" -- "$cur")); return 0; fi');
  lines.push('      case "$position" in');
  positionals.forEach((p, index) => {
    const pattern = p.variadic ? '*' : String(index);
    lines.push(`        ${pattern}) ${replyFor(positionalHint(p))}; return 0 ;;`);
  });
  lines.push('      esac');
  lines.push('      return 0', '      ;;');
  return lines;
}

/** The bash completion script for `commands` (the hidden ones left out by the caller). */
export function bashCompletion(commands: readonly CommandSpec[], phases: readonly string[]): string {
  const fn = '_k0rdent_state_complete';
  const withActions = commands.filter((c) => c.actions).map((c) => c.name);
  const branches: string[] = [];
  const actionBranches: string[] = [];
  for (const command of commands) {
    if (command.actions) {
      actionBranches.push(
        `    ${quoted([command.name])}) COMPREPLY=($(compgen -W ${quoted(command.actions.map((a) => a.name))} -- "$cur")) ;;`,
      );
      for (const action of command.actions)
        branches.push(...branch(`${command.name} ${action.name}`, command, action));
    } else {
      branches.push(...branch(command.name, command, undefined));
    }
  }
  // Every option that takes a value, to skip it while finding the command and the action.
  const allValued = new Set<string>();
  for (const command of commands) {
    for (const action of command.actions ?? [undefined]) {
      for (const [names] of valued(optionsOf(command, action))) for (const name of names) allValued.add(name);
    }
  }
  return [
    `# bash completion for ${PROGRAM}; load it with:`,
    `#   source <(${PROGRAM} completion bash)`,
    `# or save it as ~/.local/share/bash-completion/completions/${PROGRAM}`,
    `${fn}() {`,
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev=""',
    '  local index=$((COMP_CWORD - 1))',
    '  (( index > 0 )) && prev="${COMP_WORDS[index]}"',
    '  # --name=VALUE: bash splits at "=" (COMP_WORDBREAKS).',
    '  if [[ "$prev" == "=" ]]; then prev="${COMP_WORDS[index - 1]}"; index=$((index - 1)); fi',
    '  if [[ "$cur" == "=" ]]; then cur=""; fi',
    `  local commands=${quoted(commands.map((c) => c.name))}`,
    `  local phases=${quoted(phases)}`,
    `  local global=${quoted(optionWords(GLOBAL_OPTIONS))}`,
    `  local skip=${quoted([...allValued])}`,
    `  local with_actions=${quoted(withActions)}`,
    '  local cmd="" action="" position=0 word i ended=""',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    word="${COMP_WORDS[i]}"',
    '    if [[ -z "$ended" && "$word" == "--" ]]; then ended=1; continue; fi',
    '    if [[ -z "$ended" && "$word" == -* ]]; then',
    '      [[ " $skip " == *" $word "* && "${COMP_WORDS[i + 1]}" != "=" ]] && ((i++))',
    '      [[ "${COMP_WORDS[i + 1]}" == "=" ]] && ((i += 2))',
    '      continue',
    '    fi',
    '    if [[ -z "$cmd" ]]; then cmd="$word"',
    '    elif [[ -z "$action" && " $with_actions " == *" $cmd "* ]]; then action="$word"',
    '    else position=$((position + 1)); fi',
    '  done',
    '  if [[ -z "$cmd" ]]; then',
    '    if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$global" -- "$cur"))',
    '    else COMPREPLY=($(compgen -W "$commands" -- "$cur")); fi',
    '    return 0',
    '  fi',
    '  if [[ -z "$action" && " $with_actions " == *" $cmd "* ]]; then',
    '    if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$global --file -f --help" -- "$cur")); return 0; fi',
    '    case "$cmd" in',
    ...actionBranches,
    '    esac',
    '    return 0',
    '  fi',
    '  local key="$cmd${action:+ $action}" opts',
    '  case "$key" in',
    ...branches,
    '  esac',
    '  COMPREPLY=()',
    '}',
    `complete -o default -F ${fn} ${PROGRAM}`,
    '',
  ].join('\n');
}
