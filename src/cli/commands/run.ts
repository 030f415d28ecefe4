import { ExitCode, UsageError } from '../../errors.js';
import { flag, STATE_OPTIONS, stringOption } from '../common.js';
import type { CommandSpec } from '../framework/types.js';
import { parseBool, update, withStateFile } from '../state.js';

/** `run start|complete`: opens and closes a deployment run. */
export const command: CommandSpec = {
  name: 'run',
  summary: 'Start or complete a deployment run',
  options: STATE_OPTIONS,
  actions: [
    {
      name: 'start',
      summary: 'Start a run (prints its id); phases reset to pending unless --resume',
      options: {
        kof: {
          type: 'string',
          value: 'BOOL',
          describe: 'enable KOF (true|false)',
          complete: ['true', 'false'],
        },
        'azure-children': {
          type: 'string',
          value: 'BOOL',
          describe: 'enable Azure child clusters (true|false)',
          complete: ['true', 'false'],
        },
        resume: { type: 'boolean', describe: 'keep phases an earlier run completed' },
      },
      examples: [
        ['run start --kof false', 'prints the new run id'],
        ['run start --resume', 'keep phases completed by the interrupted run'],
      ],
      handler: (args, io) =>
        withStateFile(args, io, async (context) => {
          const kof = parseBool('kof', stringOption(args, 'kof'));
          const azureChildren = parseBool('azure-children', stringOption(args, 'azure-children'));
          const { startRun } = await import('../../runtime/runs.js');
          const { value } = await update(context, io, (view) =>
            startRun(view, { now: context.now, kof, azureChildren, resume: flag(args, 'resume') }),
          );
          io.stdout(`${value}\n`);
          return ExitCode.ok;
        }),
    },
    {
      name: 'complete',
      summary: 'Record how the current run ended',
      options: {
        outcome: {
          type: 'string',
          value: 'OUTCOME',
          choices: ['success', 'failed', 'interrupted'],
          describe: 'how the run ended (required)',
        },
        'error-phase': {
          type: 'string',
          value: 'PHASE',
          describe: 'the phase that failed',
          complete: 'phase',
        },
        'error-message': {
          type: 'string',
          value: 'TEXT',
          describe: 'what went wrong (a text starting with "-": --error-message=TEXT)',
        },
        'exit-code': { type: 'string', value: 'N', describe: 'exit code of the failing script' },
      },
      check(args) {
        if (stringOption(args, 'outcome') === undefined) {
          throw new UsageError('run complete needs --outcome success|failed|interrupted');
        }
      },
      examples: [
        ['run complete --outcome success', 'the run finished'],
        ['run complete --outcome failed --error-phase install_k0s --exit-code 1', 'record a failure'],
        [
          'run complete --outcome failed --error-message="-bash: kubectl: command not found"',
          'a message that starts with "-"',
        ],
      ],
      handler: (args, io) =>
        withStateFile(args, io, async (context) => {
          const raw = stringOption(args, 'exit-code');
          const exitCode = raw === undefined ? undefined : Number(raw);
          if (exitCode !== undefined && !Number.isInteger(exitCode)) {
            throw new UsageError(`--exit-code takes an integer, not ${JSON.stringify(raw)}`);
          }
          const { completeRun } = await import('../../runtime/runs.js');
          await update(context, io, (view) =>
            completeRun(view, {
              now: context.now,
              outcome: stringOption(args, 'outcome') as 'success' | 'failed' | 'interrupted',
              errorPhase: stringOption(args, 'error-phase'),
              errorMessage: stringOption(args, 'error-message'),
              exitCode,
            }),
          );
          return ExitCode.ok;
        }),
    },
  ],
};
