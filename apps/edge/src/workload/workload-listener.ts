import { VergeError } from '@verge/contracts';
import type { Logger } from '@verge/platform';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { WorkloadCaller, WorkloadRequest, WorkloadResponse } from './workload-routes.js';

/** Options of {@link createWorkloadListener}. */
export interface WorkloadListenerOptions {
  /** Who every request on this listener comes from. */
  readonly caller: WorkloadCaller;
  readonly handle: (request: WorkloadRequest) => Promise<WorkloadResponse>;
  /** Requests in flight at once; a request beyond it has its connection closed without reply (edged: 10 per socket). */
  readonly maxInFlight: number;
  readonly maxBodyBytes: number;
  readonly log: Logger;
}

// Bounds against slow or idle clients: the SDK sends one small request and reads one small answer.
const HEADERS_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 10_000;
const KEEP_ALIVE_TIMEOUT_MS = 5_000;
const MAX_HEADER_BYTES = 16 * 1024;
// Open connections per listener (idle keep-alive ones included); more are refused at accept time.
const MAX_CONNECTIONS = 100;

/**
 * An HTTP/1.1 server for one workload socket (node:http, not fastify: four routes, a per-listener caller identity
 * and a per-listener in-flight limit are simpler and lighter on raw node:http, and one runtime may hold a listener
 * per module). Every answer is JSON with `Content-Type: application/json` (the SDK parses only that); malformed
 * HTTP gets a JSON 400 and the connection is closed, so garbage never reaches the handler or crashes the runtime.
 */
export function createWorkloadListener(options: WorkloadListenerOptions): Server {
  let inFlight = 0;
  const server = createServer(
    { maxHeaderSize: MAX_HEADER_BYTES, requestTimeout: REQUEST_TIMEOUT_MS, headersTimeout: HEADERS_TIMEOUT_MS, keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS },
    (req, res) => {
      if (inFlight >= options.maxInFlight) {
        options.log.warn({ caller: options.caller, inFlight }, 'workload request refused: too many in flight');
        req.socket.destroy();
        return;
      }
      inFlight += 1;
      res.once('close', () => {
        inFlight -= 1;
      });
      void serve(req, res, options);
    },
  );
  server.maxConnections = MAX_CONNECTIONS;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => answerGarbage(error, socket));
  return server;
}

async function serve(req: IncomingMessage, res: ServerResponse, options: WorkloadListenerOptions): Promise<void> {
  const started = Date.now();
  try {
    const body = await readBody(req, options.maxBodyBytes);
    if (body.kind === 'tooLarge') return sendError(res, new VergeError('AGT_WORKLOAD_BODY_TOO_LARGE', `the request body is larger than ${options.maxBodyBytes} bytes`), true);
    if (body.kind === 'invalid') return sendError(res, new VergeError('AGT_WORKLOAD_REQUEST_INVALID', 'the request body is not valid JSON'), false);
    const response = await options.handle({ method: req.method ?? 'GET', url: req.url ?? '/', body: body.value, caller: options.caller });
    if (response.status >= 500) options.log.warn({ url: req.url, status: response.status, body: response.body }, 'workload request failed');
    else options.log.debug({ url: req.url, status: response.status, durationMs: Date.now() - started }, 'workload request');
    send(res, response.status, response.body, false);
  } catch (error) {
    options.log.error({ err: error, url: req.url }, 'workload request crashed');
    send(res, 500, { message: 'internal error of the workload API' }, true);
  }
}

type Body = { readonly kind: 'ok'; readonly value: unknown } | { readonly kind: 'tooLarge' } | { readonly kind: 'invalid' };

/** Reads the body as JSON (`value` undefined when empty), refusing more than `maxBytes`. */
async function readBody(req: IncomingMessage, maxBytes: number): Promise<Body> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) return { kind: 'tooLarge' };
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return { kind: 'ok', value: undefined };
  try {
    return { kind: 'ok', value: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown };
  } catch {
    return { kind: 'invalid' };
  }
}

function sendError(res: ServerResponse, error: VergeError, close: boolean): void {
  send(res, error.status, { message: error.message }, close);
}

function send(res: ServerResponse, status: number, body: unknown, close: boolean): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...(close ? { Connection: 'close' } : {}),
  });
  res.end(text);
}

/** Malformed HTTP: a JSON 400 (431 for oversized headers, 408 on timeout) when the socket can still take it. */
function answerGarbage(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason] =
    error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large'] : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout'] : [400, 'Bad Request'];
  const text = JSON.stringify({ message: `malformed HTTP request (${error.code ?? 'parse error'})` });
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
  socket.destroySoon();
}
