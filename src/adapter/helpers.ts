import { stringify } from 'yaml';
import { ExitCode, StateError } from '../errors.js';
import { isSecretPath, knownSecrets, shownValue } from '../secrets.js';
import type { FunctionContext } from './call.js';

// The adapter functions' arguments and output: named arguments, values as yq printed them,
// secrets refused or masked by the one rule, paths as messages show them.

// The co-process hands out the same parsed state between calls until the file changes: its
// secrets are collected once, not on every `get_state` (a walk of the whole file: 35 ms a call
// on a 2.2 MB state). The state is never changed in place (a write makes a new one).
const secretsByState = new WeakMap<object, Set<string>>();
function secretsOf(data: unknown): ReadonlySet<string> {
  if (data === null || typeof data !== 'object') return knownSecrets(data);
  let known = secretsByState.get(data);
  if (!known) {
    known = knownSecrets(data);
    secretsByState.set(data, known);
  }
  return known;
}

/**
 * Prints what a reading function found at `path` of `data` (the state, or Terraform's own
 * outputs) by the secret rule of src/secrets.ts: a value that is a secret, lies inside one or
 * equals one is refused with `refusal` (exit 1, nothing printed); any other is printed by
 * `format` with the secrets inside masked.
 */
export function printShown(
  ctx: FunctionContext,
  data: unknown,
  found: { path: readonly (string | number)[]; value: unknown },
  format: (value: unknown) => string,
  refusal: string,
): number {
  const known = secretsOf(data);
  if (isSecretPath(data, found.path, known)) {
    throw new StateError('secret-refused', refusal, { exitCode: ExitCode.invalid });
  }
  ctx.out.out(`${shownValue(found.path, found.value, known, format)}\n`);
  return ExitCode.ok;
}

/** The refusal of a reading function asked for a secret (get_state, get_vm_info, get_run_info). */
export function secretRefusal(key: string): string {
  return `refused: ${key} is a secret and is never printed; scripts read a WireGuard key with get_wireguard_private_key HOST`;
}

/** The value at a dotted path in plain data (own properties only), undefined when there is none. */
export function valueAtPath(data: unknown, segments: readonly string[]): unknown {
  let value = data;
  for (const segment of segments) {
    value =
      value !== null && typeof value === 'object' && Object.hasOwn(value, segment)
        ? (value as Record<string, unknown>)[segment]
        : undefined;
  }
  return value;
}

/**
 * Formats a value as `yq eval` printed it: scalars as their text, null as `null`, maps and lists
 * as a YAML block (so that `get_state vm_states | yq '. | length'` still works).
 */
export function yqText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'object') {
    if (Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0) {
      return Array.isArray(value) ? '[]' : '{}';
    }
    return stringify(value, { lineWidth: 0 }).replace(/\n$/, '');
  }
  return String(value);
}

/** Named arguments the adapter adds (`name=value`), in front of the function's own ones. */
export function namedArgs(
  args: readonly string[],
  names: readonly string[],
): { named: Record<string, string>; rest: string[] } {
  const named: Record<string, string> = {};
  let index = 0;
  for (; index < args.length && index < names.length; index++) {
    const arg = args[index] ?? '';
    const eq = arg.indexOf('=');
    const name = eq < 0 ? '' : arg.slice(0, eq);
    if (!names.includes(name)) break;
    named[name] = arg.slice(eq + 1);
  }
  return { named, rest: args.slice(index) };
}

/** A function called with too few arguments (exit 2), named as the deployer calls it. */
export function usage(name: string, synopsis: string): StateError {
  return new StateError('usage', `${name}: usage: ${name} ${synopsis}`, { exitCode: ExitCode.usage });
}

/** A path as messages show it: relative to the shell's folder (`./old_deployments/…`) when inside it. */
export function shown(ctx: FunctionContext, path: string): string {
  return path.startsWith(`${ctx.cwd}/`) ? `./${path.slice(ctx.cwd.length + 1)}` : path;
}
