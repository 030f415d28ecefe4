import { ExitCode, UsageError } from '../../errors.js';
import { positional, STATE_OPTIONS } from '../common.js';
import type { CommandSpec } from '../framework/types.js';
import type { CliIO } from '../io.js';
import { type StateCommandContext, update, withStateFile } from '../state.js';

/** `update KEY VALUE` (hidden): update_state of the v1 scripts, routed to the layer the key now lives in. */
export const command: CommandSpec = {
  name: 'update',
  summary: 'Deprecated: update_state KEY VALUE of the v1 scripts, routed to its v2 layer',
  positionals: [
    { name: 'key', required: true, describe: 'a v1 key name or a dotted v2 path' },
    { name: 'value', required: true, describe: 'the value' },
  ],
  options: STATE_OPTIONS,
  examples: [['update wg_vpn_connected true', 'the same as runtime set wireguard_config.vpn_connected true']],
  handler: (args, io) =>
    withStateFile(args, io, (context) =>
      legacyUpdate(positional(args, 'key'), positional(args, 'value'), context, io),
    ),
};

async function legacyUpdate(
  key: string,
  value: string,
  context: StateCommandContext,
  io: CliIO,
): Promise<number> {
  const { routeKey, setInfra, setRuntime } = await import('../../runtime/values.js');
  const route = routeKey(key);
  const note = (where: string) =>
    io.stderr(
      `deprecated: update_state ${key} -> ${where}; call update_runtime_state / update_infra_cache instead\n`,
    );
  if (route.layer === 'runtime') {
    await update(context, io, (view) => setRuntime(view, key, value, false));
    note(`runtime ${route.path.join('.')}`);
    return ExitCode.ok;
  }
  if (route.layer === 'infra') {
    await update(context, io, (view) =>
      setInfra(view, route.path.join('.'), JSON.stringify(value), context.now),
    );
    note(`infrastructure_facts.outputs.${route.path.join('.')}`);
    return ExitCode.ok;
  }
  if (key === 'phase') {
    await update(context, io, ({ doc, state }) => {
      const index = state.deployment_runs.findIndex((run) => run.run_id === state.current_run_id);
      if (index >= 0) doc.setIn(['deployment_runs', index, 'current_phase'], value);
    });
    note('current run current_phase');
    return ExitCode.ok;
  }
  if (
    [
      'status',
      'deployment_start_time',
      'deployment_end_time',
      'deployment_duration_seconds',
      'error_exit_code',
    ].includes(key)
  ) {
    note('recorded by run start / run complete (nothing stored)');
    return ExitCode.ok;
  }
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) && !key.includes('.')) {
    await update(context, io, ({ doc }) => doc.setIn(['unrecognized', key], value));
    note(`unrecognized.${key} (not a key of v2)`);
    return ExitCode.ok;
  }
  throw new UsageError(
    `update_state ${key}: ${route.layer === 'refused' ? route.reason : 'not a key this tool can route'}`,
  );
}
