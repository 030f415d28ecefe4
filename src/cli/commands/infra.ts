import { dirname, join, resolve } from 'node:path';
import { ExitCode, UsageError } from '../../errors.js';
import { flag, positional, STATE_OPTIONS, stringOption } from '../common.js';
import type { CommandSpec } from '../framework/types.js';
import type { CliIO } from '../io.js';
import { update, withStateFile } from '../state.js';

// Standard input is capped like a Terraform file: an endless stream is refused, not read for ever.
async function readStdin(io: CliIO): Promise<string> {
  if (!io.readStdin) throw new UsageError('--outputs - reads standard input, which is not available here');
  const { STDIN_NAME, TERRAFORM_MAX_BYTES, TerraformError } = await import('../../terraform/common.js');
  try {
    return await io.readStdin(TERRAFORM_MAX_BYTES);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new TerraformError(
      'terraform-file-too-large',
      `is over ${TERRAFORM_MAX_BYTES / 1024 / 1024} MiB; pass what \`terraform output -json\` prints (run it in the Terraform folder)`,
      { exitCode: ExitCode.unreadable, file: STDIN_NAME },
    );
  }
}

/** `infra sync|set`: the Terraform output cache. */
export const command: CommandSpec = {
  name: 'infra',
  summary: 'Sync or set the Terraform output cache',
  options: STATE_OPTIONS,
  actions: [
    {
      name: 'sync',
      summary:
        'Cache the Terraform outputs (from terraform output -json, a tfstate file or a working folder)',
      options: {
        outputs: {
          type: 'string',
          value: 'FILE',
          describe: 'JSON of terraform output -json (- for standard input)',
          complete: 'file',
        },
        tfstate: {
          type: 'string',
          value: 'FILE',
          describe: 'a local Terraform state file (format 4)',
          complete: 'file',
        },
        'terraform-dir': {
          type: 'string',
          value: 'DIR',
          describe: 'a Terraform working folder (reads its backend)',
          complete: 'directory',
        },
        'include-sensitive': { type: 'boolean', describe: 'also store the values of sensitive outputs' },
        force: { type: 'boolean', describe: 'accept a state with another lineage or an older serial' },
      },
      check(args) {
        if (!['outputs', 'tfstate', 'terraform-dir'].some((name) => args.given.has(name))) {
          throw new UsageError('infra sync needs --outputs FILE|-, --tfstate FILE or --terraform-dir DIR');
        }
      },
      examples: [
        [
          'infra sync --outputs - --terraform-dir terraform/ < outputs.json',
          'cache the outputs of terraform output -json, recording the backend',
        ],
        ['infra sync --terraform-dir terraform/', 'read the state file terraform init recorded'],
      ],
      handler: (args, io) =>
        withStateFile(args, io, async (context) => {
          const [{ readTerraform }, { applyTerraformSync, backendMigrationEvent, describeSync, outputsCap }] =
            await Promise.all([import('../../terraform/read.js'), import('../../terraform/sync.js')]);
          const outputs = stringOption(args, 'outputs');
          const outputsText = outputs === '-' ? await readStdin(io) : undefined;
          const includeSensitive = flag(args, 'include-sensitive');
          const snapshot = await readTerraform(
            {
              outputsFile: outputs === '-' ? undefined : outputs,
              outputsText,
              tfstateFile: stringOption(args, 'tfstate'),
              terraformDir: stringOption(args, 'terraform-dir'),
              watchOutputs: outputsCap(context.maxBytes, includeSensitive),
            },
            io.cwd,
          );
          let event: ReturnType<typeof backendMigrationEvent>;
          const eventsFile = join(dirname(resolve(io.cwd, context.file)), 'deployment-events.yaml');
          const { value } = await update(
            context,
            io,
            ({ doc }) => {
              const summary = applyTerraformSync(doc, snapshot, {
                now: context.now,
                includeSensitive,
                force: flag(args, 'force'),
                maxBytes: context.maxBytes,
              });
              event = backendMigrationEvent(summary, context.now);
              return summary;
            },
            {
              // A backend change is logged, as the adapter's sync_terraform_to_state logs it.
              afterWrite: async () => {
                if (!event) return;
                const { appendLogEvent } = await import('../../write/event-log.js');
                await appendLogEvent(eventsFile, event);
              },
            },
          );
          io.stderr(`${describeSync(snapshot, value, { includeSensitive })}\n`);
          return ExitCode.ok;
        }),
    },
    {
      name: 'set',
      summary: 'Set one cached output (update_infra_cache); the value is JSON',
      positionals: [
        { name: 'key', required: true, describe: 'output name (dotted), e.g. vm_details.NAME.public_ip' },
        { name: 'json', required: true, describe: 'the value as JSON, e.g. \'"rg-1"\'' },
      ],
      examples: [['infra set resource_group_name \'"rg-1"\'', 'set one cached output (JSON)']],
      handler: (args, io) =>
        withStateFile(args, io, async (context) => {
          const { setInfra } = await import('../../runtime/values.js');
          await update(context, io, (view) =>
            setInfra(view, positional(args, 'key'), positional(args, 'json'), context.now),
          );
          return ExitCode.ok;
        }),
    },
  ],
};
