import { statSync } from 'node:fs';
import type { Document } from 'yaml';
import { ReadError } from '../errors.js';
import type { DeploymentStateV2 } from '../generated/deployment-state.v2.js';
import type { MigrateFileResult } from '../migrate/apply.js';
import { needsFold, needsMigration } from '../migrate/needs.js';
import { serialize } from '../migrate/serialize.js';
import { formatUtc } from '../migrate/times.js';
import { type DecodedText, decodeStateBytes } from '../parse/decode.js';
import { excessiveNesting, MAX_NESTING_DEPTH } from '../parse/depth.js';
import { fastParse } from '../parse/fast-yaml.js';
import { MAX_ALIAS_COUNT, parseState } from '../parse/parse.js';
import { DEFAULT_MAX_BYTES, readStateBytes } from '../read/read-file.js';
import { dotted, schemaProblems } from '../validate/schema.js';
import { validateData, validateParsed } from '../validate/validate.js';
import { refuseOverCap, removeLeftovers, resolveTarget, writeAtomic } from '../write/atomic.js';
import { refuseBackupFile } from '../write/backup.js';
import { appendPendingEvent } from '../write/events.js';
import { acquireLock } from '../write/lock.js';
import { applyEdits, scalarEdits, scratchDocument } from '../write/patch.js';
import type { CachedState, StateCache } from './cache.js';
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
  /** Parsed files kept between calls (the adapter's co-process); absent: always read the file. */
  cache?: StateCache;
}

/** A v2 state as an update sees it: the Document to edit and its plain data. */
export interface StateView {
  doc: Document;
  state: DeploymentStateV2;
}

/** Extra work of an update, done under the same lock once the state file is written. */
export interface UpdateHooks {
  /** Rewrite the file (a new `last_updated`) even when the mutation changed nothing else. */
  touch?: boolean;
  /**
   * Runs once the new content is checked, before it replaces the file, under the lock (e.g. an
   * archive of what the change removes); when it fails, the file is left as it was.
   */
  beforeWrite?: () => Promise<void>;
  /** Runs after the state file is written (or, with nothing to write, after the check), under the lock. */
  afterWrite?: () => Promise<void>;
  /**
   * The mutation reads the state and edits the Document's data only (no comments, no styles),
   * keeps nothing outside what it returns, and may therefore run twice. Such a change, made by a
   * one-shot process on a file the fast reader accepts, is first tried on a Document built from
   * the data: when it only gives scalars new values, they are rewritten in place in the file's
   * text (see scalarEdits), without the YAML library's parser and serializer; otherwise it runs
   * again on the parsed Document.
   */
  dataOnly?: boolean;
}

/** What {@link updateState} did. */
export interface UpdateResult<T> {
  /** What the mutation returned. */
  value: T;
  /** False when the mutation changed nothing (the file was not rewritten). */
  written: boolean;
  /** Set when a v1 file was migrated first. */
  migrated: MigrateFileResult | undefined;
  /** True when the change was written as in-place scalar edits (see {@link UpdateHooks.dataOnly}). */
  inPlace?: boolean;
}

async function load(
  file: string,
  name: string,
  maxBytes: number,
  cache: StateCache | undefined,
  take = false,
): Promise<CachedState> {
  const cached = take ? cache?.take(file) : cache?.get(file);
  if (cached) return cached;
  const bytes = await readStateBytes(file, { maxBytes }).catch((error) => {
    error.file = name;
    throw error;
  });
  const decoded = decodeStateBytes(bytes, name);
  const state: CachedState = { decoded, parsed: parseState(decoded.text, name) };
  if (cache && !take) cache.set(file, state);
  return state;
}

/**
 * Reads a state file for a query. A v1 file is migrated in memory (nothing is written), so
 * queries answer the same before and after the file is migrated on disk.
 */
export async function readState(file: string, options: StateFileOptions): Promise<StateView> {
  const name = options.displayName ?? file;
  const { decoded, parsed } = await load(file, name, options.maxBytes ?? DEFAULT_MAX_BYTES, options.cache);
  if (needsMigration(parsed)) {
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
  hooks: UpdateHooks = {},
): Promise<UpdateResult<T>> {
  const name = options.displayName ?? file;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  await refuseBackupFile(file, { displayName: name, cwd: options.cwd });
  const target = await resolveTarget(file);
  const lock = await acquireLock(target, {
    timeoutMs: options.lockTimeoutMs,
    command: options.command ?? 'k0rdent-state',
    displayName: name,
  });
  try {
    await removeLeftovers(target);
    await appendPendingEvent(file, maxBytes);
    if (hooks.dataOnly && !options.cache) {
      const patched = await patchedUpdate(target, name, maxBytes, mutate, options, hooks);
      if (patched) return patched;
    }
    let migrated: MigrateFileResult | undefined;
    let loaded = await load(target, name, maxBytes, options.cache, true);
    if (needsMigration(loaded.parsed)) {
      const { migrateHeld } = await import('../migrate/apply.js');
      migrated = await migrateHeld(
        file,
        name,
        { now: options.now, cwd: options.cwd, maxBytes },
        maxBytes,
        true,
      );
      loaded = await load(target, name, maxBytes, undefined, true);
    }
    const { decoded, parsed } = loaded;
    const stamp = formatUtc(options.now);
    const lastUpdated = parsed.doc.get('last_updated', true);
    // The file as this tool would write it unchanged (known after a write: no serialising again).
    const before = hooks.touch ? undefined : (loaded.serialized ?? serialize(parsed.doc, decoded));
    const { value, text } = tooDeepRefused(name, () => {
      const value = mutate({ doc: parsed.doc, state: parsed.data as unknown as DeploymentStateV2 });
      parsed.doc.setIn(['last_updated'], stamp);
      const after = serialize(parsed.doc, decoded);
      // Unchanged but for the new last_updated: nothing to write.
      if (before !== undefined && after === withLastUpdated(before, stamp)) return { value, text: undefined };
      if (excessiveNesting(after.replace(/^\ufeff/, '')) >= 0) throw new RangeError('too deep');
      return { value, text: after };
    });
    if (text === undefined) {
      // Nothing changed: the Document is the file's again.
      if (lastUpdated === undefined) parsed.doc.delete('last_updated');
      else parsed.doc.set('last_updated', lastUpdated);
      options.cache?.set(target, { ...loaded, serialized: before });
      await hooks.afterWrite?.();
      return { value, written: false, migrated };
    }
    refuseOverCap(text, maxBytes, name);
    // The edited Document is checked as it will be written; only a refusal reads the new text
    // again, to place the problem.
    const data = parsed.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as Record<string, unknown>;
    if (validateData(data, 2).some((problem) => problem.severity === 'error')) {
      const reparsed = tooDeepRefused(name, () => parseState(text.replace(/^\ufeff/, ''), name));
      const error = validateParsed(reparsed, { version: 2 }).problems.find(
        (problem) => problem.severity === 'error',
      );
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
            : `refused: the change would make the file invalid at ${dotted(error.pointer)}: ${valueFree(reparsed.data, error)}; the file is unchanged`,
          name,
        );
      }
    }
    await hooks.beforeWrite?.();
    const mode = statSync(target).mode & 0o7777;
    await writeAtomic(target, text, mode);
    // The edited Document is the new file's (its source positions are not: only messages use them,
    // and those read the file again).
    const written = text.replace(/^\ufeff/, '');
    options.cache?.set(target, {
      decoded: { ...decoded, text: written },
      parsed: { ...parsed, text: written, data },
      serialized: text,
    });
    await hooks.afterWrite?.();
    return { value, written: true, migrated };
  } finally {
    await lock.release();
  }
}

// Larger files go through the library, whose reader builds their long lists directly (stitch.ts).
const PATCH_MAX_CHARS = 256 * 1024;

/**
 * A {@link UpdateHooks.dataOnly} change written as in-place scalar edits of the file's text (see scalarEdits), or
 * undefined when the file or the change needs the library's Document (the caller then does the
 * whole update the usual way; a refusal's message comes from there). Called under the lock.
 */
async function patchedUpdate<T>(
  target: string,
  name: string,
  maxBytes: number,
  mutate: (view: StateView) => T,
  options: StateFileOptions,
  hooks: UpdateHooks,
): Promise<UpdateResult<T> | undefined> {
  let decoded: DecodedText;
  try {
    decoded = decodeStateBytes(await readStateBytes(target, { maxBytes }), name);
  } catch {
    return undefined;
  }
  const { text } = decoded;
  if (text.length > PATCH_MAX_CHARS) return undefined;
  const fast = fastParse(text, { nodes: true });
  if (!fast?.root) return undefined;
  const before = fast.data;
  if (before.schema_version !== 2 || typeof before.last_updated !== 'string' || needsFold(before)) {
    return undefined;
  }
  const { doc: scratch, original } = scratchDocument(before, fast.root);
  const value = tooDeepRefused(name, () =>
    mutate({ doc: scratch, state: before as unknown as DeploymentStateV2 }),
  );
  const stamp = formatUtc(options.now);
  scratch.setIn(['last_updated'], stamp);
  const after = scratch.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as Record<string, unknown>;
  const edits = scalarEdits(text, fast.root, before, scratch.contents, original);
  if (edits === undefined) return undefined;
  const stampAt = fast.root.pairs?.find((pair) => pair.name === 'last_updated')?.value.start;
  if (!hooks.touch && edits.every((edit) => edit.start === stampAt)) {
    // Unchanged but for the new last_updated: nothing to write.
    await hooks.afterWrite?.();
    return { value, written: false, migrated: undefined };
  }
  if (validateData(after, 2).some((problem) => problem.severity === 'error')) return undefined;
  const patched = applyEdits(text, edits);
  refuseOverCap(patched, maxBytes, name);
  await hooks.beforeWrite?.();
  const mode = statSync(target).mode & 0o7777;
  await writeAtomic(target, decoded.bom ? `\ufeff${patched}` : patched, mode);
  await hooks.afterWrite?.();
  return { value, written: true, migrated: undefined, inPlace: true };
}

/** `text` with its top-level last_updated line set to `stamp`, as this tool writes it. */
function withLastUpdated(text: string, stamp: string): string {
  return text.replace(/^last_updated: .*$/m, `last_updated: "${stamp}"`);
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
