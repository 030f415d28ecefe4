import { ExitCode } from '../../errors.js';
import { FORMAT_OPTION, STATE_OPTIONS, wantsJson } from '../common.js';
import type { CommandSpec } from '../framework/types.js';
import { readData, withStateFile } from '../state.js';

/** `history`: one line per deployment run. */
export const command: CommandSpec = {
  name: 'history',
  summary: 'List deployment runs',
  options: {
    ...STATE_OPTIONS,
    ...FORMAT_OPTION,
    json: {
      type: 'boolean',
      hidden: true,
      describe: 'old spelling of --format json',
      deprecated: { use: '--format json', implies: { format: 'json' } },
    },
  },
  examples: [
    ['history', 'one line per run: id, outcome, times, flags'],
    ['history --format json', 'for scripts'],
  ],
  handler: (args, io) =>
    withStateFile(args, io, async (context) => {
      const { renderHistory } = await import('../../runtime/history.js');
      const state = await readData(context, io);
      io.stdout(renderHistory(state, { json: wantsJson(args) }));
      return ExitCode.ok;
    }),
};
