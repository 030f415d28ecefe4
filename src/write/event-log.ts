import { readFileSync } from 'node:fs';
import { type Document, isMap, isSeq, parseDocument } from 'yaml';
import { YAML_OUTPUT_OPTIONS } from '../migrate/engine.js';
import { writeAtomic } from './atomic.js';

/** One event as the deployer's add_event writes it; `phase` only for phase events. */
export interface LogEvent {
  timestamp: string;
  action: string;
  message: string;
  phase?: string;
}

/** Largest events file appended to (the deployer's logs stay far below). */
export const MAX_EVENTS_BYTES = 64 * 1024 * 1024;

// The events file as the deployer writes it, ending with its list: `events:` as the last
// top-level key, then only its items (indented lines, comments, blank lines) to the end.
const TAIL_LIST =
  /(?:^|\n)events:[ \t]*(?:#[^\n]*)?\n((?:(?:[ \t]+[^\n]*|#[^\n]*)?\n)*(?:[ \t]+[^\n]*|#[^\n]*)?)$/;
const ITEM_INDENT = /^( *)- /m;
const LAST_UPDATED = /^last_updated:[^\n]*$/m;

/** A YAML double-quoted scalar of `text`. */
function quoted(text: string): string {
  return JSON.stringify(text)
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * Appends an event to an events file, as the deployer's add_event did: a new item at the end of
 * its `events` list and `last_updated` set to the event's time. The file's other bytes are kept:
 * for the shape the deployer writes (the list last) the item is added as text, in the list's own
 * indentation; any other shape goes through the YAML library. Returns false when there is no
 * events file, or it has no events list (nothing is written then). The caller holds the state
 * file's lock.
 */
export async function appendLogEvent(path: string, event: LogEvent): Promise<boolean> {
  let text: string;
  try {
    // Synchronous, as the atomic write that follows (atomic.ts says why).
    text = readFileSync(path, 'utf8');
  } catch {
    return false;
  }
  const crlf = text.includes('\r\n');
  const plain = crlf ? text.replace(/\r\n/g, '\n') : text;
  const fields = Object.entries(event).filter(([, value]) => value !== undefined) as [string, string][];
  let out = appendAsText(plain, fields) ?? appendAsDocument(plain, fields);
  if (out === undefined) return false;
  if (crlf) out = out.replace(/\n/g, '\r\n');
  await writeAtomic(path, out);
  return true;
}

function appendAsText(text: string, fields: [string, string][]): string | undefined {
  const tail = TAIL_LIST.exec(text);
  if (!tail || /\t/.test(tail[1] ?? '') || /[{}[\]&*!|>]/.test(firstItemLine(tail[1] ?? '')))
    return undefined;
  const body = tail[1] ?? '';
  const indent = ITEM_INDENT.exec(body)?.[1] ?? (body.trim() === '' ? '  ' : undefined);
  if (indent === undefined) return undefined;
  const item = fields
    .map(([key, value], index) => `${index === 0 ? `${indent}- ` : `${indent}  `}${key}: ${quoted(value)}`)
    .join('\n');
  let out = text.endsWith('\n') || text === '' ? text : `${text}\n`;
  out = `${out}${item}\n`;
  const stamp = fields.find(([key]) => key === 'timestamp')?.[1];
  if (stamp !== undefined) out = out.replace(LAST_UPDATED, `last_updated: ${quoted(stamp)}`);
  return out;
}

function firstItemLine(body: string): string {
  return body.split('\n').find((line) => /^\s*- /.test(line)) ?? '';
}

function appendAsDocument(text: string, fields: [string, string][]): string | undefined {
  const doc: Document = parseDocument(text, { version: '1.2' });
  if (doc.errors.length > 0) return undefined;
  const event = Object.fromEntries(fields);
  const list = isSeq(doc.contents)
    ? doc.contents
    : isMap(doc.contents)
      ? doc.contents.get('events', true)
      : undefined;
  if (isSeq(list)) {
    list.flow = false;
    list.items.push(doc.createNode(event));
  } else if (isMap(doc.contents) && (list === undefined || list === null))
    doc.contents.set('events', doc.createNode([event]));
  else if (doc.contents === null) doc.contents = doc.createNode({ events: [event] });
  else return undefined;
  if (isMap(doc.contents) && doc.contents.has('last_updated') && event.timestamp !== undefined) {
    doc.contents.set('last_updated', event.timestamp);
  }
  return doc.toString(YAML_OUTPUT_OPTIONS);
}
