import { ExitCode } from '../../errors.js';
import { FORMAT_OPTION, positional, STATE_OPTIONS, stringOption, wantsJson } from '../common.js';
import type { ActionSpec, CommandSpec, Invocation } from '../framework/types.js';
import type { CliIO } from '../io.js';
import { readData, update, withStateFile } from '../state.js';

const VM = { name: 'vm', required: true, describe: 'VM name, e.g. k0rdent-abc-controller' } as const;

// `vm info` reads the Terraform cache (vm_details), `vm runtime` the runtime checks.
function show(layer: 'info' | 'runtime') {
  return (args: Invocation, io: CliIO) =>
    withStateFile(args, io, async (context) => {
      const { formatValue, freshnessWarning, getValue, parseDuration, VM_FIELD_ALIASES } = await import(
        '../../runtime/values.js'
      );
      const { isSecretPath, knownSecrets, REDACTED, shownValue } = await import('../../secrets.js');
      const state = await readData(context, io);
      const vm = positional(args, 'vm');
      const field = typeof args.positionals.field === 'string' ? args.positionals.field : undefined;
      const base =
        layer === 'info' ? ['infrastructure_facts', 'outputs', 'vm_details', vm] : ['vm_runtime_status', vm];
      const resolved =
        field === undefined
          ? []
          : [
              layer === 'info' && Object.hasOwn(VM_FIELD_ALIASES, field)
                ? (VM_FIELD_ALIASES[field] as string)
                : field,
            ];
      const found = getValue(state, [...base, ...resolved].join('.'));
      if (!found) return ExitCode.invalid;
      if (layer === 'info') {
        const maxAge = parseDuration(stringOption(args, 'max-age') ?? '1h') ?? 3600;
        const warning = freshnessWarning(state, context.now, maxAge);
        if (warning) io.stderr(`warning: ${warning}\n`);
      }
      const known = knownSecrets(state);
      const json = wantsJson(args);
      const shown = isSecretPath(state, found.path, known)
        ? json
          ? JSON.stringify(REDACTED)
          : REDACTED
        : shownValue(found.path, found.value, known, json ? (value) => JSON.stringify(value) : formatValue);
      io.stdout(`${shown}\n`);
      return ExitCode.ok;
    });
}

const info: ActionSpec = {
  name: 'info',
  summary: 'A VM fact from the Terraform cache (vm_details)',
  positionals: [VM, { name: 'field', describe: 'field to print, e.g. public_ip (default: all of them)' }],
  options: {
    'max-age': {
      type: 'string',
      value: 'DURATION',
      default: '1h',
      describe: 'warn when the cache is older (e.g. 15m, 1h)',
    },
    ...FORMAT_OPTION,
  },
  examples: [['vm info k0rdent-abc-controller public_ip', 'a VM fact from the Terraform cache']],
  handler: show('info'),
};

const runtime: ActionSpec = {
  name: 'runtime',
  summary: 'A runtime check of a VM (vm_runtime_status)',
  positionals: [VM, { name: 'field', describe: 'field to print, e.g. ssh_verified (default: all of them)' }],
  options: FORMAT_OPTION,
  examples: [['vm runtime k0rdent-abc-controller ssh_verified', 'a runtime check']],
  handler: show('runtime'),
};

const mark: ActionSpec = {
  name: 'mark',
  summary: 'Record that a check of a VM passed, with the time',
  positionals: [
    VM,
    {
      name: 'check',
      required: true,
      describe: 'ssh-verified or cloud-init-complete',
      complete: ['ssh-verified', 'cloud-init-complete'],
    },
  ],
  examples: [['vm mark k0rdent-abc-controller ssh-verified', 'record that SSH works']],
  handler: (args, io) =>
    withStateFile(args, io, async (context) => {
      const { markVm } = await import('../../runtime/values.js');
      await update(context, io, (view) =>
        markVm(view, positional(args, 'vm'), positional(args, 'check'), context.now),
      );
      return ExitCode.ok;
    }),
};

/** `vm info|runtime|mark VM ...`: VM facts, runtime checks, and marking a check done. */
export const command: CommandSpec = {
  name: 'vm',
  summary: 'VM facts from the cache, runtime checks, or mark a check done',
  options: STATE_OPTIONS,
  actions: [info, runtime, mark],
};
