// What several commands share: the state-file options, the output format option, and the
// readers of their values. Kept free of heavy imports: every command loads it.
import { UsageError } from '../errors.js';
import { DEFAULT_MAX_BYTES, parseSize } from '../read/read-file.js';
import type { Invocation, OptionSpec } from './framework/types.js';
import type { CliIO } from './io.js';

/** The state file when none is named (and DEPLOYMENT_STATE_FILE is not set). */
export const DEFAULT_FILE = 'state/deployment-state.yaml';

/** `-f/--file`: the state file, for every command that reads or writes one. */
export const FILE_OPTION: { readonly file: OptionSpec } = {
  file: {
    type: 'string',
    short: 'f',
    value: 'FILE',
    describe: 'the state file (default: $DEPLOYMENT_STATE_FILE, else state/deployment-state.yaml)',
    complete: 'file',
  },
};

/** `--now`: the clock, pinned (tests, reproducible reports). */
export const NOW_OPTION: Readonly<Record<string, OptionSpec>> = {
  now: { type: 'string', value: 'TIME', describe: 'pin the clock (RFC 3339), also K0RDENT_STATE_NOW' },
};

/** `--lock-timeout`: how long a writer waits for another. */
export const LOCK_OPTION: Readonly<Record<string, OptionSpec>> = {
  'lock-timeout': {
    type: 'string',
    value: 'SECONDS',
    default: '30',
    describe: 'seconds to wait for another writer',
  },
};

/** `--max-size`: the size cap of the files read. */
export const MAX_SIZE_OPTION: Readonly<Record<string, OptionSpec>> = {
  'max-size': {
    type: 'string',
    value: 'SIZE',
    describe: 'refuse files larger than this (e.g. 16MiB, 512k; default 16MiB)',
  },
};

/** The options of every command on the state file: file, clock, lock, size cap. */
export const STATE_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  ...FILE_OPTION,
  ...NOW_OPTION,
  ...LOCK_OPTION,
  ...MAX_SIZE_OPTION,
};

/** `--format text|json`, for every command that prints an answer. */
export const FORMAT_OPTION: Readonly<Record<string, OptionSpec>> = {
  format: {
    type: 'string',
    value: 'FORMAT',
    choices: ['text', 'json'],
    default: 'text',
    describe: 'output format',
  },
};

/** A string option's value (undefined when not given and without default). */
export function stringOption(args: Invocation, name: string): string | undefined {
  const value = args.options[name];
  return typeof value === 'string' ? value : undefined;
}

/** A boolean option's value. */
export function flag(args: Invocation, name: string): boolean {
  return args.options[name] === true;
}

/** A positional's value as one string. */
export function positional(args: Invocation, name: string): string {
  const value = args.positionals[name];
  return Array.isArray(value) ? value.join(' ') : (value ?? '');
}

/** A variadic positional's values, or a repeatable option's. */
export function values(args: Invocation, name: string): string[] {
  const value = args.positionals[name] ?? args.options[name];
  if (typeof value === 'boolean') return [];
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

/** The state file: --file, else $DEPLOYMENT_STATE_FILE, else state/deployment-state.yaml. */
export function stateFile(args: Invocation, io: CliIO): string {
  return stringOption(args, 'file') ?? defaultStateFile(io);
}

/** $DEPLOYMENT_STATE_FILE when set (and not empty), else state/deployment-state.yaml. */
export function defaultStateFile(io: CliIO): string {
  const fromEnv = io.env.DEPLOYMENT_STATE_FILE;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_FILE;
}

/** The clock: --now, else K0RDENT_STATE_NOW, else the current time. */
export function clock(args: Invocation, io: CliIO): Date {
  const text = stringOption(args, 'now') ?? io.env.K0RDENT_STATE_NOW;
  if (text === undefined || text === '') return new Date();
  const date = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(date.getTime())) {
    throw new UsageError(
      `--now / K0RDENT_STATE_NOW ${JSON.stringify(text)} is not an RFC 3339 time; write e.g. 2026-01-01T00:00:00Z`,
    );
  }
  return date;
}

/** --lock-timeout in milliseconds. */
export function lockTimeoutMs(args: Invocation): number {
  const value = stringOption(args, 'lock-timeout') ?? '30';
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds < 0) {
    throw new UsageError(`--lock-timeout ${JSON.stringify(value)} is not a number of seconds; write e.g. 30`);
  }
  return seconds * 1000;
}

/** What every command that writes a state file reads from its options: `--now` and `--lock-timeout`. */
export function writeOptions(args: Invocation, io: CliIO): { now: Date; lockTimeoutMs: number } {
  return { now: clock(args, io), lockTimeoutMs: lockTimeoutMs(args) };
}

/** --max-size in bytes (the default cap when not given). */
export function maxBytes(args: Invocation): number {
  const value = stringOption(args, 'max-size');
  if (value === undefined) return DEFAULT_MAX_BYTES;
  const bytes = parseSize(value);
  if (bytes === undefined || bytes <= 0) {
    throw new UsageError(
      `--max-size ${JSON.stringify(value)} is not a size; write e.g. 16MiB, 512k or 1048576`,
    );
  }
  return bytes;
}

/** Colour is for terminals only, and never with NO_COLOR (any non-empty value) or --no-color. */
export function useColor(args: Invocation, io: CliIO): boolean {
  return args.global.color && io.isTTY === true && !io.env.NO_COLOR;
}

/** Progress lines go to standard error, only when it is a terminal. */
export function useProgress(io: CliIO): boolean {
  return (io.stderrIsTTY ?? io.isTTY) === true;
}

/** True when `--format json` was asked for. */
export function wantsJson(args: Invocation): boolean {
  return args.options.format === 'json';
}
