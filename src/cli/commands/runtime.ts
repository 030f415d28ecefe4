import { ExitCode } from '../../errors.js';
import { flag, positional, STATE_OPTIONS } from '../common.js';
import type { CommandSpec } from '../framework/types.js';
import { update, withStateFile } from '../state.js';

/** `runtime set KEY VALUE`: the runtime layer (update_runtime_state). */
export const command: CommandSpec = {
  name: 'runtime',
  summary: 'Set a runtime value (update_runtime_state)',
  options: STATE_OPTIONS,
  actions: [
    {
      name: 'set',
      summary:
        'Set a value of the runtime layer; its type follows the schema (true/false, integers, text), or JSON with --value-json',
      positionals: [
        { name: 'key', required: true, describe: 'dotted path in the runtime layer, or a v1 key name' },
        {
          name: 'value',
          required: true,
          describe: 'the value (one that starts with "-" goes after --: runtime set KEY -- VALUE)',
        },
      ],
      options: {
        'value-json': { type: 'boolean', describe: 'the value is JSON (a map, a list, a quoted string)' },
        json: {
          type: 'boolean',
          hidden: true,
          describe: 'old spelling of --value-json',
          deprecated: { use: '--value-json', implies: { 'value-json': true } },
        },
      },
      examples: [
        ['runtime set wireguard_config.vpn_connected true', 'record that the VPN is up'],
        ['runtime set k0rdent_install_state.namespace kcm-system', 'text value'],
        ['runtime set artifacts.kubeconfig \'{"path":"kubeconfig"}\' --value-json', 'a map, as JSON'],
        [
          'runtime set k0rdent_install_state.last_error -- "-bash: helm: not found"',
          'a value starting with "-"',
        ],
      ],
      handler: (args, io) =>
        withStateFile(args, io, async (context) => {
          const { setRuntime } = await import('../../runtime/values.js');
          const { value } = await update(
            context,
            io,
            (view) =>
              setRuntime(view, positional(args, 'key'), positional(args, 'value'), flag(args, 'value-json')),
            { dataOnly: true },
          );
          if (value.legacy) io.stderr(`note: ${value.legacy} is ${value.path.join('.')} in v2\n`);
          return ExitCode.ok;
        }),
    },
  ],
};
