import { stat } from 'node:fs/promises';
import type { Document } from 'yaml';
import { ReadError } from '../errors.js';
import type { DeploymentStateV2 } from '../generated/deployment-state.v2.js';
import type { MigrateFileResult } from '../migrate/apply.js';
import { serialize } from '../migrate/serialize.js';
import { formatUtc } from '../migrate/times.js';
import { type DecodedText, decodeStateBytes } from '../parse/decode.js';
import { MAX_NESTING_DEPTH } from '../parse/depth.js';
import { detectVersion, type ParsedState, parseState } from '../parse/parse.js';
import { DEFAULT_MAX_BYTES, readStateBytes } from '../read/read-file.js';
import { dotted, schemaProblems } from '../validate/schema.js';
import { validateParsed, validateTextFast } from '../validate/validate.js';
import { refuseOverCap, removeLeftovers, resolveTarget, writeAtomic } from '../write/atomic.js';
import { refuseBackupFile } from '../write/backup.js';
import { appendPendingEvent } from '../write/events.js';
import { acquireLock } from '../write/lock.js';
import { RefusedError } from './refused.js';

// The migration (engine, v1 schema and validator, report, diff) is loaded only for a v1 file: a
// command on a v2 file does not pay for it.
export { RefusedError } from './refused.js';

/** Options shared by reads and updates of a state file. */
export interface StateFileOptions {
  /** The current time (pinned in tests). */
  now: Date;
  /** How long to wait for another writer, in ms. */
  lockTimeoutMs?: number;
  /** Size cap for the state file. */
  maxBytes?: number;
  /** The file's name in messages (default: the path). */
  displayName?: string;
  /** Folder relative paths in messages are shown against. */
  cwd?: string;
  /** What the lock holder is doing, for whoever waits. */
  command?: string;
}

/** A v2 state as an update sees it: the Document to edit and its plain data. */
export interface StateView {
  doc: Document;
  state: DeploymentStateV2;
}

/** What {@link updateState} did. */
export interface UpdateResult<T> {
  /** What the mutation returned. */
  value: T;
  /** False when the mutation changed nothing (the file was not rewritten). */
  written: boolean;
  /** Set when a v1 file was migrated first. */
  migrated: MigrateFileResult | undefined;
}

async function load(
  file: string,
  name: string,
  maxBytes: number,
): Promise<{ decoded: DecodedText; parsed: ParsedState }> {
  const bytes = await readStateBytes(file, { maxBytes }).catch((error) => {
    error.file = name;
    throw error;
  });
  const decoded = decodeStateBytes(bytes, name);
  return { decoded, parsed: parseState(decoded.text, name) };
}

/**
 * Reads a state file for a query. A v1 file is migrated in memory (nothing is written), so
 * queries answer the same before and after the file is migrated on disk.
 */
export async function readState(file: string, options: StateFileOptions): Promise<StateView> {
  const name = options.displayName ?? file;
  const { decoded, parsed } = await load(file, name, options.maxBytes ?? DEFAULT_MAX_BYTES);
  if (detectVersion(parsed) === 1) {
    const { migrateParsed } = await import('../migrate/engine.js');
    const result = migrateParsed(parsed, decoded, { now: options.now });
    const migrated = parseState(result.text.replace(/^\ufeff/, ''), name);
    return { doc: migrated.doc, state: migrated.data as unknown as DeploymentStateV2 };
  }
  return { doc: parsed.doc, state: parsed.data as unknown as DeploymentStateV2 };
}

/**
 * Changes a state file the one safe way: take the lock, migrate a v1 file first (with its
 * backup, as `migrate --auto`), re-read, let `mutate` edit the Document, stamp last_updated,
 * validate against the v2 schema and invariants, and write atomically with the mode kept. When
 * `mutate` throws or the result is invalid, the file is left exactly as it was.
 */
export async function updateState<T>(
  file: string,
  mutate: (view: StateView) => T,
  options: StateFileOptions,
): Promise<UpdateResult<T>> {
  const name = options.displayName ?? file;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  await refuseBackupFile(file, { displayName: name, cwd: options.cwd });
  const target = await resolveTarget(file);
  const lock = await acquireLock(target, {
    timeoutMs: options.lockTimeoutMs,
    command: options.command ?? 'k0rdent-state',
  }).catch((error) => {
    error.file = name;
    throw error;
  });
  try {
    await removeLeftovers(target);
    await appendPendingEvent(file, maxBytes);
    let migrated: MigrateFileResult | undefined;
    let { decoded, parsed } = await load(target, name, maxBytes);
    if (detectVersion(parsed) === 1) {
      const { migrateHeld } = await import('../migrate/apply.js');
      migrated = await migrateHeld(
        file,
        name,
        { now: options.now, cwd: options.cwd, maxBytes },
        maxBytes,
        true,
      );
      ({ decoded, parsed } = await load(target, name, maxBytes));
    }
    // last_updated is stamped before the "before" text is taken: the texts then differ only when
    // the mutation changed something, and the new text is the one serialised after it (two
    // serialisations of the file, not three).
    parsed.doc.setIn(['last_updated'], formatUtc(options.now));
    const before = serialize(parsed.doc, decoded);
    const { value, text } = tooDeepRefused(name, () => {
      const value = mutate({ doc: parsed.doc, state: parsed.data as unknown as DeploymentStateV2 });
      const after = serialize(parsed.doc, decoded);
      return { value, text: after === before ? undefined : after };
    });
    if (text === undefined) return { value, written: false, migrated };
    refuseOverCap(text, maxBytes, name);
    const written = text.replace(/^\ufeff/, '');
    // Read back with the fast reader when it can (the same result as parsing it again).
    const check = tooDeepRefused(
      name,
      () =>
        validateTextFast(written, { version: 2 }) ??
        validateParsed(parseState(written, name), { version: 2 }),
    );
    const error = check.problems.find((problem) => problem.severity === 'error');
    if (error) {
      // A problem the file already had is not the change's fault: say so, and what to do.
      const already = validateParsed(parseState(decoded.text, name), { version: 2 }).problems.some(
        (problem) =>
          problem.severity === 'error' && problem.code === error.code && problem.pointer === error.pointer,
      );
      throw new RefusedError(
        'update-invalid',
        already
          ? `refused: the file is already invalid at ${dotted(error.pointer)}: ${error.message}; fix it first (k0rdent-state validate ${name} lists every problem); the file is unchanged`
          : `refused: the change would make the file invalid at ${dotted(error.pointer)}: ${valueFree(parseState(written, name).data, error)}; the file is unchanged`,
        name,
      );
    }
    const mode = (await stat(target)).mode & 0o7777;
    await writeAtomic(target, text, mode);
    return { value, written: true, migrated };
  } finally {
    await lock.release();
  }
}

// The message of a problem a change caused, without the new value (it came from the command line,
// and may be a secret given under the wrong key).
function valueFree(data: unknown, problem: { code: string; pointer: string; message: string }): string {
  const same = schemaProblems(data, 2, { quoteValues: false }).find(
    (candidate) => candidate.code === problem.code && candidate.pointer === problem.pointer,
  );
  return same?.message ?? problem.message;
}

// A value nested thousands of levels deep (a `--json` value, Terraform outputs) exhausts the
// stack while it becomes YAML, or makes a file the reader refuses: the change is refused, with
// what to do, before anything is written.
function tooDeepRefused<R>(name: string, work: () => R): R {
  try {
    return work();
  } catch (error) {
    if (error instanceof RangeError || (error instanceof ReadError && error.code === 'too-deep')) {
      throw new RefusedError(
        'update-invalid',
        `refused: the new value nests too deeply (a state file may nest at most ${MAX_NESTING_DEPTH} levels); store it flatter, or as a path to a file; the file is unchanged`,
        name,
      );
    }
    throw error;
  }
}
