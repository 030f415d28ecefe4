import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { StateCache } from '../runtime/cache.js';
import { type AdapterCall, type CallOptions, callAdapter } from './call.js';
import { encodeRecords } from './output.js';

/** First field of every request: the protocol and its version. */
export const PROTOCOL = 'k0rdent-state/1';

/** Fields before the function's arguments: protocol, token, cwd, state, events, now, argc, name. */
const HEADER_FIELDS = 8;

/** Largest request accepted (the adapter sends a function name and its arguments). */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/**
 * Splits a request, NUL-terminated fields: protocol, token, cwd, state file, events file, now,
 * the number of fields that follow, the function name, its arguments. Returns undefined while
 * the request is incomplete; throws on a malformed one.
 */
export function parseRequest(
  data: Buffer,
  token: string,
): { call: AdapterCall } | { error: string } | undefined {
  const fields: string[] = [];
  let start = 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i] !== 0) continue;
    fields.push(data.toString('utf8', start, i));
    start = i + 1;
    if (fields.length === 1 && fields[0] !== PROTOCOL) return { error: 'not a k0rdent-state request' };
    if (fields.length === 2 && !sameToken(fields[1] ?? '', token)) return { error: 'bad token' };
    if (fields.length >= HEADER_FIELDS - 1) {
      const count = Number(fields[HEADER_FIELDS - 2]);
      if (!Number.isInteger(count) || count < 1) return { error: 'bad field count' };
      if (fields.length === HEADER_FIELDS - 1 + count) {
        const [, , cwd = '', stateFile = '', eventsFile = '', now = '', , name = '', ...args] = fields;
        return { call: { name, args, cwd, stateFile, eventsFile, now } };
      }
    }
  }
  return undefined;
}

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A running co-process server. */
export interface AdapterServer {
  /** The loopback port it listens on. */
  port: number;
  /** The secret every request must carry. */
  token: string;
  /** Stops listening; calls in progress finish. */
  close(): Promise<void>;
}

/** Options of {@link startAdapterServer}. */
export interface ServerOptions extends CallOptions {
  /** Called after each answered request, with the function's name (the benchmark counts them). */
  onRequest?: (name: string) => void;
}

/**
 * Starts the co-process server: listens on 127.0.0.1 (an ephemeral port), answers one request
 * per connection, one at a time, in arrival order, keeping parsed state files between calls
 * (re-read whenever the file changed on disk). It holds no lock between calls: every change
 * takes the state file's lock and writes atomically, as a one-shot process does. Only clients
 * that know the token (printed once to the shell that started the server) are answered.
 */
export async function startAdapterServer(options: ServerOptions = {}): Promise<AdapterServer> {
  const token = randomBytes(16).toString('hex');
  const cache = options.cache ?? new StateCache();
  let queue: Promise<unknown> = Promise.resolve();
  const server: Server = createServer((socket: Socket) => {
    let data = Buffer.alloc(0);
    let handled = false;
    socket.on('error', () => socket.destroy());
    // A client that connects and sends no complete request in time is dropped.
    socket.setTimeout(10_000, () => {
      if (!handled) socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => {
      if (handled) return;
      data = Buffer.concat([data, chunk]);
      if (data.length > MAX_REQUEST_BYTES) {
        handled = true;
        socket.destroy();
        return;
      }
      const request = parseRequest(data, token);
      if (request === undefined) return;
      handled = true;
      socket.setTimeout(0);
      if ('error' in request) {
        socket.destroy();
        return;
      }
      queue = queue.then(async () => {
        const result = await callAdapter(request.call, { ...options, cache });
        // A client that went away must not hold up the queue: done on flush, error or close.
        await new Promise<void>((resolve) => {
          socket.once('close', () => resolve());
          socket.end(encodeRecords(result.records, result.code), () => resolve());
        });
        options.onRequest?.(request.call.name);
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  };
}
