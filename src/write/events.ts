import { createHash } from 'node:crypto';
import { open, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type Document, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { FAITHFUL_YAML_OPTIONS } from '../parse/numbers.js';
import { DEFAULT_MAX_BYTES, NotARegularFileError, readRegularFile } from '../read/read-file.js';
import { describeFsError, resolveTarget, WriteError, writeAtomic } from './atomic.js';
import { EVENTS_FILE } from './backup.js';

/** One event appended to deployment-events.yaml. */
export interface StateEvent {
  timestamp: string;
  action: string;
  message: string;
}

/**
 * Appends an event to `deployment-events.yaml` beside the state file when that file exists,
 * as the deployer does (a top-level `events:` list, or a top-level list). Returns false, with
 * the reason, when there is no events file or it has a shape this tool does not know: the
 * event is then skipped rather than risking the log.
 */
export async function appendEvent(
  stateFile: string,
  event: StateEvent,
  maxBytes = DEFAULT_MAX_BYTES,
  options: { once?: boolean } = {},
): Promise<{ appended: boolean; reason?: string }> {
  const path = join(dirname(stateFile), EVENTS_FILE);
  let text: string;
  try {
    // A FIFO or a device at that path is never read (it would hang the writer holding the lock).
    text = (await readRegularFile(path, maxBytes)).toString('utf8');
  } catch (error) {
    if (error instanceof NotARegularFileError) {
      return {
        appended: false,
        reason:
          error.reason === 'too-large'
            ? `${EVENTS_FILE} is over the ${maxBytes} bytes limit`
            : `${EVENTS_FILE} is ${error.kind}, not a regular file`,
      };
    }
    return { appended: false, reason: 'no events file' };
  }
  const doc: Document = parseDocument(text, FAITHFUL_YAML_OPTIONS);
  if (doc.errors.length > 0) return { appended: false, reason: `${EVENTS_FILE} is not valid YAML` };
  const list = isSeq(doc.contents)
    ? doc.contents
    : isMap(doc.contents)
      ? doc.contents.get('events', true)
      : undefined;
  // `once`: the event may be there already (appended by a writer killed before it could say so).
  if (options.once && isSeq(list) && list.items.some((item) => sameEvent(item, event))) {
    return { appended: false, reason: 'already in the events file' };
  }
  const node = doc.createNode(event);
  if (isSeq(list)) {
    list.items.push(node);
  } else if (isMap(doc.contents) && (list === undefined || list === null)) {
    doc.contents.set('events', doc.createNode([event]));
  } else if (doc.contents === null) {
    doc.contents = doc.createNode({ events: [event] });
  } else {
    return { appended: false, reason: `${EVENTS_FILE} has no events list` };
  }
  const crlf = text.includes('\r\n');
  let out = doc.toString({
    lineWidth: 0,
    flowCollectionPadding: false,
    defaultStringType: 'QUOTE_DOUBLE',
    defaultKeyType: 'PLAIN',
  });
  if (crlf) out = out.replace(/\n/g, '\r\n');
  // Never write a file the next reader would refuse.
  if (Buffer.byteLength(out) > maxBytes) {
    return { appended: false, reason: `${EVENTS_FILE} would grow over the ${maxBytes} bytes limit` };
  }
  await writeAtomic(path, out);
  return { appended: true };
}

// An item of the events list that is this event (same timestamp, action and message).
function sameEvent(item: unknown, event: StateEvent): boolean {
  if (!isMap(item)) return false;
  const field = (key: string) => {
    const node = item.get(key, true);
    return isScalar(node) ? node.value : undefined;
  };
  return (
    field('timestamp') === event.timestamp &&
    field('action') === event.action &&
    field('message') === event.message
  );
}

// ---------------------------------------------------------------------------------------------
// Events that must survive a kill

/** Name mark of the record of an event not appended yet (beside the state file's target). */
export const PENDING_EVENT_MARK = '.k0rdent-state-pending-event';

/** The record of the event a write of `target` has still to append. */
export function pendingEventPath(target: string): string {
  return join(dirname(target), `.${basename(target)}${PENDING_EVENT_MARK}`);
}

interface PendingEvent {
  /** The state file as the writer was given it (the events file is beside it). */
  state_file: string;
  /** sha256 (hex) of the state file's new content: the event is due once that is on disk. */
  state_sha256: string;
  event: StateEvent;
}

/**
 * Records, before a state file is replaced, the event that replacing it must append (e.g.
 * `state_migrated`), so that a process killed between the rename and the append does not lose
 * it: the next writer, under the lock, appends it ({@link appendPendingEvent}). `content` is the
 * new content of the state file. The record is fsynced; call it while holding the lock.
 */
export async function recordPendingEvent(
  stateFile: string,
  target: string,
  content: string | Uint8Array,
  event: StateEvent,
): Promise<void> {
  const record: PendingEvent = {
    state_file: stateFile,
    state_sha256: createHash('sha256').update(content).digest('hex'),
    event,
  };
  try {
    const handle = await open(pendingEventPath(target), 'w', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(record)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    await clearPendingEvent(target);
    throw new WriteError(
      'write-failed',
      `could not be written: ${describeFsError(error)}; the original file is unchanged, run the command again`,
      stateFile,
      error,
    );
  }
}

/**
 * Appends the event a write of `stateFile` recorded and removes the record: the event of a
 * write that finished (the state file holds the content the record names, so a writer was killed
 * before appending it). A record whose write never happened (killed before the rename), or that
 * cannot be read, is removed without appending. Call it under the lock; true when it appended.
 */
export async function appendPendingEvent(stateFile: string, maxBytes = DEFAULT_MAX_BYTES): Promise<boolean> {
  const target = await resolveTarget(stateFile);
  const path = pendingEventPath(target);
  let record: PendingEvent | undefined;
  try {
    record = JSON.parse((await readRegularFile(path, 64 * 1024)).toString('utf8')) as PendingEvent;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    record = undefined;
  }
  let appended = false;
  try {
    if (
      record &&
      typeof record.state_file === 'string' &&
      typeof record.state_sha256 === 'string' &&
      typeof record.event?.action === 'string'
    ) {
      const current = await readRegularFile(target, maxBytes).catch(() => undefined);
      if (current && createHash('sha256').update(current).digest('hex') === record.state_sha256) {
        // Once: the killed writer may have appended it and died before removing the record.
        appended = (await appendEvent(record.state_file, record.event, maxBytes, { once: true })).appended;
      }
    }
  } finally {
    await unlink(path).catch(() => undefined);
  }
  return appended;
}

/** Removes the record of {@link recordPendingEvent} once its event is appended (or skipped). */
export async function clearPendingEvent(target: string): Promise<void> {
  await unlink(pendingEventPath(target)).catch(() => undefined);
}
