import { ExitCode } from '../../errors.js';
import { FORMAT_OPTION, positional, STATE_OPTIONS, wantsJson } from '../common.js';
import type { CommandSpec } from '../framework/types.js';
import { readData, withStateFile } from '../state.js';

/** `compare-runs A B`: what changed between two runs. */
export const command: CommandSpec = {
  name: 'compare-runs',
  summary: 'Show what changed between two runs',
  positionals: [
    { name: 'a', required: true, describe: 'the earlier run id' },
    { name: 'b', required: true, describe: 'the later run id' },
  ],
  options: { ...STATE_OPTIONS, ...FORMAT_OPTION },
  examples: [
    [
      'compare-runs migrated-20251203T091244Z 20251204T100000Z-a1b2c3',
      'flags, config and phases that differ',
    ],
    ['compare-runs migrated-20251203T091244Z 20251204T100000Z-a1b2c3 --format json', 'the same as JSON'],
  ],
  handler: (args, io) =>
    withStateFile(args, io, async (context) => {
      const { compareRuns, runDifferences } = await import('../../runtime/compare-runs.js');
      const state = await readData(context, io);
      const a = positional(args, 'a');
      const b = positional(args, 'b');
      io.stdout(
        wantsJson(args)
          ? `${JSON.stringify(runDifferences(state, a, b), null, 2)}\n`
          : compareRuns(state, a, b),
      );
      return ExitCode.ok;
    }),
};
