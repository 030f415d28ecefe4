import { UsageError } from '../../errors.js';
import {
  defaultStateFile,
  FILE_OPTION,
  flag,
  LOCK_OPTION,
  NOW_OPTION,
  values,
  writeOptions,
} from '../common.js';
import type { CommandSpec } from '../framework/types.js';
import { rollbackCommand } from '../migrate.js';

/** `rollback [FILE]`: restores the newest verified migration backup. */
export const command: CommandSpec = {
  name: 'rollback',
  summary: 'Restore the newest verified migration backup of a state file',
  positionals: [
    {
      name: 'file',
      describe: 'the state file (default: $DEPLOYMENT_STATE_FILE, else state/deployment-state.yaml)',
      complete: 'file',
    },
  ],
  options: {
    ...FILE_OPTION,
    'dry-run': { type: 'boolean', describe: 'say what would be restored; change nothing' },
    'discard-later-runs': {
      type: 'boolean',
      describe: 'roll back even though runs, syncs or events were recorded after the migration',
    },
    ...NOW_OPTION,
    ...LOCK_OPTION,
  },
  check(args) {
    if (args.given.has('file') && args.positionals.file !== undefined) {
      throw new UsageError('name the file once: as FILE or with --file');
    }
  },
  examples: [
    ['rollback --dry-run', 'show which backup would be restored, and what it would leave behind'],
    ['rollback', 'restore it; the current file is archived first'],
  ],
  handler(args, io) {
    const file = [...values(args, 'file')][0] ?? defaultStateFile(io);
    return rollbackCommand(
      {
        file,
        dryRun: flag(args, 'dry-run'),
        discardLaterRuns: flag(args, 'discard-later-runs'),
        ...writeOptions(args, io),
        quiet: args.global.quiet,
      },
      io,
    );
  },
};
