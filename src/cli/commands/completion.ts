import { ExitCode } from '../../errors.js';
import { PHASES } from '../../phases.js';
import type { CommandSpec } from '../framework/types.js';

/** `completion bash`: prints the bash completion script. */
export const command: CommandSpec = {
  name: 'completion',
  summary: 'Print a shell completion script (bash)',
  positionals: [{ name: 'shell', required: true, choices: ['bash'], describe: 'the shell' }],
  examples: [
    [
      'completion bash > ~/.local/share/bash-completion/completions/k0rdent-state',
      'install it (bash-completion loads it in new shells)',
    ],
    ['completion bash', 'print it; load it into this shell with: source <(k0rdent-state completion bash)'],
  ],
  async handler(_args, io) {
    const [{ bashCompletion }, { listedCommands }] = await Promise.all([
      import('../framework/completion.js'),
      import('./index.js'),
    ]);
    io.stdout(bashCompletion(await listedCommands(), PHASES));
    return ExitCode.ok;
  },
};
