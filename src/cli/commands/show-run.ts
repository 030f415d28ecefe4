import { ExitCode } from '../../errors.js';
import { FORMAT_OPTION, positional, STATE_OPTIONS, wantsJson } from '../common.js';
import type { CommandSpec } from '../framework/types.js';
import { readData, withStateFile } from '../state.js';

/** `show-run RUN_ID`: one run in detail. */
export const command: CommandSpec = {
  name: 'show-run',
  summary: 'Show one run: flags, config, phase timeline, Terraform reference, error',
  positionals: [{ name: 'run-id', required: true, describe: 'a run id from history' }],
  options: { ...STATE_OPTIONS, ...FORMAT_OPTION },
  examples: [
    ['show-run 20251203T091244Z-3f9a1c', 'one run in detail'],
    ['show-run 20251203T091244Z-3f9a1c --format json', 'the same as JSON (secrets redacted)'],
  ],
  handler: (args, io) =>
    withStateFile(args, io, async (context) => {
      const { renderRun, runDetails } = await import('../../runtime/show-run.js');
      const state = await readData(context, io);
      const runId = positional(args, 'run-id');
      io.stdout(
        wantsJson(args) ? `${JSON.stringify(runDetails(state, runId), null, 2)}\n` : renderRun(state, runId),
      );
      return ExitCode.ok;
    }),
};
