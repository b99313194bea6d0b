import { chmod, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { DeadLetterReplayRequestSchema, VergeError, isVergeError, type HubDeadLetters, type ManagedModule, type ManagementError, type ModuleListResponse } from '@verge/contracts';
import type { Logger } from '@verge/platform';
import type { LogLine } from '../runtime/module-runtime.js';

/** What the management API serves. */
export interface ManagementHandlers {
  listModules(): Promise<ManagedModule[]>;
  /** The module's log lines; rejects (on the first `next()`) with AGT_MODULE_NOT_FOUND for an unknown module. */
  logs(id: string, options: { readonly tail?: number; readonly sinceMs?: number; readonly follow: boolean; readonly signal: AbortSignal }): AsyncIterable<LogLine>;
  restart(id: string): Promise<void>;
  /** The edge hub's parked upstream messages (`GET /dead-letters`, `POST /dead-letters/replay`); absent: no hub. */
  readonly deadLetters?: HubDeadLetters;
}

/** A listening management API. */
export interface ManagementApi {
  readonly socketPath: string;
  close(): Promise<void>;
}

const MODULE_PATH = /^\/modules\/([^/]+)(\/logs|\/restart)?$/;

/**
 * Starts the local management API (reference §7.2, edged's mgmt.sock) on a unix socket readable by its owner only:
 * `GET /modules`, `GET /modules/{id}/logs?tail=N&since=UNIX-SECONDS&follow=true&timestamps=true` (text/plain, streamed while following)
 * and `POST /modules/{id}/restart` (204). Errors are JSON `{ code, message }` with the code's HTTP status. A socket
 * file left by a previous run is replaced.
 */
export async function startManagementApi(socketPath: string, handlers: ManagementHandlers, log: Logger): Promise<ManagementApi> {
  await rm(socketPath, { force: true });
  const server = createServer((req, res) => {
    void handle(req, res, handlers).catch((err: unknown) => {
      log.warn({ err, method: req.method, url: req.url }, 'management request failed');
      sendError(res, err);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await chmod(socketPath, 0o600);
  log.info({ socketPath }, 'management API listening');
  return { socketPath, close: () => closeServer(server, socketPath) };
}

async function closeServer(server: Server, socketPath: string): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(socketPath, { force: true });
}

async function handle(req: IncomingMessage, res: ServerResponse, handlers: ManagementHandlers): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/dead-letters' || url.pathname === '/dead-letters/replay') return deadLetters(req, res, url, handlers);
  if (url.pathname === '/modules') {
    if (req.method !== 'GET') return notFound(req);
    const body: ModuleListResponse = { modules: await handlers.listModules() };
    return sendJson(res, 200, body);
  }
  const match = MODULE_PATH.exec(url.pathname);
  if (match === null) return notFound(req);
  const id = decodeURIComponent(match[1] ?? '');
  if (match[2] === '/logs' && req.method === 'GET') return streamLogs(res, url, id, handlers);
  if (match[2] === '/restart' && req.method === 'POST') {
    await handlers.restart(id);
    res.writeHead(204).end();
    return;
  }
  if (match[2] === undefined && req.method === 'GET') {
    const module = (await handlers.listModules()).find((m) => m.id === id);
    if (module === undefined) throw new VergeError('AGT_MODULE_NOT_FOUND', `module '${id}' does not exist on this edge device`);
    return sendJson(res, 200, module);
  }
  return notFound(req);
}

function notFound(req: IncomingMessage): never {
  throw new VergeError(
    'AGT_MANAGEMENT_ROUTE_NOT_FOUND',
    `no route ${req.method ?? ''} ${req.url ?? ''}; routes: GET /modules, GET /modules/{id}, GET /modules/{id}/logs, POST /modules/{id}/restart, GET /dead-letters, POST /dead-letters/replay`,
  );
}

/**
 * `GET /dead-letters` → `{ senders }`; `POST /dead-letters/replay` with `?sender=id` or a body `{ "sender"?: id }`
 * → `{ replayed }` (issue 7).
 */
async function deadLetters(req: IncomingMessage, res: ServerResponse, url: URL, handlers: ManagementHandlers): Promise<void> {
  const path = url.pathname;
  const hub = handlers.deadLetters;
  if (hub === undefined) return notFound(req);
  if (path === '/dead-letters' && req.method === 'GET') return sendJson(res, 200, { senders: await hub.list() });
  if (path !== '/dead-letters/replay' || req.method !== 'POST') return notFound(req);
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  let raw: unknown;
  try {
    const sender = url.searchParams.get('sender');
    raw = text === '' ? (sender === null ? {} : { sender }) : (JSON.parse(text) as unknown);
  } catch {
    throw new VergeError('AGT_MANAGEMENT_REQUEST_INVALID', 'the replay request body is not JSON; send {} or {"sender":"deviceId[/moduleId]"}');
  }
  const body = DeadLetterReplayRequestSchema.safeParse(raw);
  if (!body.success) throw new VergeError('AGT_MANAGEMENT_REQUEST_INVALID', `replay request: ${body.error.issues[0]?.path.join('.') ?? ''} ${body.error.issues[0]?.message ?? 'invalid'}`);
  return sendJson(res, 200, { replayed: await hub.replay(body.data.sender) });
}

function parseTail(value: string | null): number | undefined {
  if (value === null || value === '' || value === 'all') return undefined;
  if (!/^\d+$/.test(value)) throw new VergeError('AGT_MANAGEMENT_REQUEST_INVALID', `tail=${value}: must be a non-negative integer or "all"`);
  return Number(value);
}

function flag(value: string | null): boolean {
  return value !== null && value !== 'false' && value !== '0';
}

async function streamLogs(res: ServerResponse, url: URL, id: string, handlers: ManagementHandlers): Promise<void> {
  const tail = parseTail(url.searchParams.get('tail'));
  const follow = flag(url.searchParams.get('follow'));
  const timestamps = flag(url.searchParams.get('timestamps'));
  // `since`: UNIX seconds, as Docker's logs API (the support bundle's `--since`).
  const since = Number(url.searchParams.get('since') ?? Number.NaN);
  const sinceMs = Number.isFinite(since) && since >= 0 ? since * 1000 : undefined;
  const abort = new AbortController();
  res.on('close', () => abort.abort());
  const iterator = handlers.logs(id, { ...(tail === undefined ? {} : { tail }), ...(sinceMs === undefined ? {} : { sinceMs }), follow, signal: abort.signal })[Symbol.asyncIterator]();
  // The first next() throws for an unknown module: answer with a JSON error before any header is sent.
  let next = await iterator.next();
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.flushHeaders();
  try {
    while (next.done !== true && !abort.signal.aborted) {
      const line = next.value;
      res.write(`${timestamps ? `${new Date(line.atMs).toISOString()} ` : ''}${line.text}\n`);
      next = await iterator.next();
    }
  } catch (err) {
    if (!abort.signal.aborted) res.write(`\n[log stream ended: ${err instanceof Error ? err.message : String(err)}]\n`);
  } finally {
    await iterator.return?.();
    res.end();
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  let status = 500;
  let body: ManagementError = { code: 'INTERNAL_ERROR', message: 'internal error (see the edge runtime log)' };
  if (isVergeError(err)) {
    // The runtime's own "no such module" is the API's AGT_MODULE_NOT_FOUND.
    const missing = err.code === 'AGT_RUNTIME_MODULE_NOT_FOUND';
    status = missing ? 404 : err.status;
    body = { code: missing ? 'AGT_MODULE_NOT_FOUND' : err.code, message: err.message };
  }
  sendJson(res, status >= 400 && status <= 599 ? status : 500, body);
}
