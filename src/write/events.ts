import { dirname, join } from 'node:path';
import { type Document, isMap, isSeq, parseDocument } from 'yaml';
import { FAITHFUL_YAML_OPTIONS } from '../parse/numbers.js';
import { DEFAULT_MAX_BYTES, NotARegularFileError, readRegularFile } from '../read/read-file.js';
import { writeAtomic } from './atomic.js';
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
