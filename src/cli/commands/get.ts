import { ExitCode, StateError, UsageError } from '../../errors.js';
import { formatValue, freshnessWarning, getValue, parseDuration } from '../../runtime/lookup.js';
import { isSecretPath, knownSecrets, shownValue } from '../../secrets.js';
import { FORMAT_OPTION, flag, positional, STATE_OPTIONS, stringOption, wantsJson } from '../common.js';
import type { CommandSpec } from '../framework/types.js';
import { readData, withStateFile } from '../state.js';

/** `get KEY`: a value of the runtime layer, else of the Terraform cache. */
export const command: CommandSpec = {
  name: 'get',
  summary: 'Print a value: runtime layer first, then the Terraform cache',
  positionals: [{ name: 'key', required: true, describe: 'dotted path or v1 key name' }],
  options: {
    ...STATE_OPTIONS,
    'max-age': {
      type: 'string',
      value: 'DURATION',
      default: '1h',
      describe: 'warn when the cache is older (e.g. 15m, 1h)',
    },
    'require-fresh': { type: 'boolean', describe: 'fail instead of warning on an old or stale cache' },
    default: {
      type: 'string',
      value: 'VALUE',
      describe: 'print this and exit 0 when the key is not there',
    },
    ...FORMAT_OPTION,
  },
  examples: [
    ['get wireguard_config.vpn_connected', 'a runtime value'],
    ['get resource_group_name --require-fresh', 'a Terraform output; fail when the cache is old'],
    ['get wg_vpn_connected --default false', 'a v1 key name works too'],
    ['get wireguard_config.peers --format json', 'the value as JSON (text, maps and lists alike)'],
  ],
  handler: (args, io) =>
    withStateFile(args, io, async (context) => {
      const key = positional(args, 'key');
      const json = wantsJson(args);
      const state = await readData(context, io);
      const found = getValue(state, key);
      if (!found) {
        const fallback = stringOption(args, 'default');
        if (fallback === undefined) return ExitCode.invalid;
        io.stdout(`${json ? JSON.stringify(fallback) : fallback}\n`);
        return ExitCode.ok;
      }
      const known = knownSecrets(state);
      if (isSecretPath(state, found.path, known)) {
        throw new StateError(
          'secret-refused',
          `refused: ${key} is a secret and is never printed; it stays in the file (keep it mode 0600)`,
          { exitCode: ExitCode.invalid },
        );
      }
      if (found.layer === 'infra') {
        const text = stringOption(args, 'max-age') ?? '1h';
        const maxAge = parseDuration(text);
        if (maxAge === undefined) {
          throw new UsageError(
            `--max-age ${JSON.stringify(text)} is not a duration; write e.g. 90s, 15m, 1h, 2d`,
          );
        }
        const warning = freshnessWarning(state, context.now, maxAge);
        if (warning && flag(args, 'require-fresh')) {
          throw new StateError('cache-stale', `refused (--require-fresh): ${warning}`, {
            exitCode: ExitCode.invalid,
          });
        }
        if (warning) io.stderr(`warning: ${warning}\n`);
      }
      io.stdout(
        `${shownValue(found.path, found.value, known, json ? (value) => JSON.stringify(value) : formatValue)}\n`,
      );
      return ExitCode.ok;
    }),
};
