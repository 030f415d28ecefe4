// The commands of the CLI, in the order the help lists them. Each is one module exporting
// `command` (a CommandSpec), loaded only when it runs: a command pays for its own imports only.
// To add a command: write its module, add one line here (`hidden: true` keeps it out of the help,
// the suggestions and the completion).
import type { CommandSpec } from '../framework/types.js';

/** A command's name and how to load its definition. */
export interface CommandEntry {
  name: string;
  /** Left out of the help, "did you mean" and the completion (old or internal entry points). */
  hidden?: boolean;
  load: () => Promise<{ command: CommandSpec }>;
}

/** Every command. */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'validate', load: () => import('./validate.js') },
  { name: 'migrate', load: () => import('./migrate.js') },
  { name: 'rollback', load: () => import('./rollback.js') },
  { name: 'schema', load: () => import('./schema.js') },
  { name: 'run', load: () => import('./run.js') },
  { name: 'phase', load: () => import('./phase.js') },
  { name: 'runtime', load: () => import('./runtime.js') },
  { name: 'infra', load: () => import('./infra.js') },
  { name: 'get', load: () => import('./get.js') },
  { name: 'vm', load: () => import('./vm.js') },
  { name: 'history', load: () => import('./history.js') },
  { name: 'show-run', load: () => import('./show-run.js') },
  { name: 'compare-runs', load: () => import('./compare-runs.js') },
  { name: 'completion', load: () => import('./completion.js') },
  { name: 'update', hidden: true, load: () => import('./update.js') },
];

/** The definitions of the commands the help lists, in order. */
export async function listedCommands(): Promise<CommandSpec[]> {
  const listed = COMMANDS.filter((entry) => !entry.hidden);
  return Promise.all(listed.map(async (entry) => (await entry.load()).command));
}
