import { ExitCode } from '../../errors.js';
import { PHASE_STATUSES } from '../../phases.js';
import { positional, STATE_OPTIONS, stringOption } from '../common.js';
import type { CommandSpec, PositionalSpec } from '../framework/types.js';
import { readData, update, withStateFile } from '../state.js';

const NAME: PositionalSpec = {
  name: 'name',
  required: true,
  describe: 'phase name, e.g. install_k0s',
  complete: 'phase',
};

/** `phase applicable|status|needs-run|set|reset-from NAME`: the phases of the current run. */
export const command: CommandSpec = {
  name: 'phase',
  summary: 'Query or set a phase of the current run',
  options: STATE_OPTIONS,
  actions: [
    {
      name: 'applicable',
      summary: "Exit 0 when the phase applies under the run's flags, 1 when not",
      positionals: [NAME],
      examples: [['phase applicable install_kof_mothership', 'exit 0 when it applies, 1 when not']],
      handler: (args, io) =>
        withStateFile(args, io, async (context) => {
          const { phaseApplicable } = await import('../../runtime/phase-ops.js');
          const state = await readData(context, io);
          return phaseApplicable(state, positional(args, 'name')) ? ExitCode.ok : ExitCode.invalid;
        }),
    },
    {
      name: 'status',
      summary: 'Print pending, in_progress, completed, skipped or not_applicable',
      positionals: [NAME],
      examples: [['phase status install_k0s', 'e.g. completed']],
      handler: (args, io) =>
        withStateFile(args, io, async (context) => {
          const { phaseStatus } = await import('../../runtime/phase-ops.js');
          const state = await readData(context, io);
          io.stdout(`${phaseStatus(state, positional(args, 'name'))}\n`);
          return ExitCode.ok;
        }),
    },
    {
      name: 'needs-run',
      summary: 'Exit 0 when the phase applies and is neither completed nor skipped, 1 otherwise',
      positionals: [NAME],
      examples: [['phase needs-run install_k0s', 'exit 0 when it still has to run']],
      handler: (args, io) =>
        withStateFile(args, io, async (context) => {
          const { phaseNeedsRun } = await import('../../runtime/phase-ops.js');
          const state = await readData(context, io);
          return phaseNeedsRun(state, positional(args, 'name')) ? ExitCode.ok : ExitCode.invalid;
        }),
    },
    {
      name: 'set',
      summary: "Set the phase's status in the current run",
      positionals: [
        NAME,
        {
          name: 'status',
          required: true,
          describe: PHASE_STATUSES.join('|'),
          complete: PHASE_STATUSES,
        },
      ],
      options: {
        reason: {
          type: 'string',
          value: 'TEXT',
          describe: 'with skipped: why (a text starting with "-": --reason=TEXT)',
        },
      },
      examples: [
        ['phase set install_k0s completed', 'mark a phase done'],
        ['phase set install_kof_mothership skipped --reason "KOF off"', 'skip it, saying why'],
      ],
      handler: (args, io) =>
        withStateFile(args, io, async (context) => {
          const { setPhase } = await import('../../runtime/phase-ops.js');
          await update(
            context,
            io,
            (view) =>
              setPhase(
                view,
                positional(args, 'name'),
                positional(args, 'status'),
                context.now,
                stringOption(args, 'reason'),
              ),
            { dataOnly: true },
          );
          return ExitCode.ok;
        }),
    },
    {
      name: 'reset-from',
      summary: 'Set this phase and every later one back to pending',
      positionals: [NAME],
      examples: [['phase reset-from install_k0s', 'redo install_k0s and everything after it']],
      handler: (args, io) =>
        withStateFile(args, io, async (context) => {
          const { resetFrom } = await import('../../runtime/phase-ops.js');
          const { value } = await update(context, io, (view) =>
            resetFrom(view, positional(args, 'name'), context.now),
          );
          io.stderr(`reset to pending: ${value.join(', ')}\n`);
          return ExitCode.ok;
        }),
    },
  ],
};
