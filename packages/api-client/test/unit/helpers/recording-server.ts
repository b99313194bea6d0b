import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the server saw it. */
export interface RecordedRequest {
  readonly method: string;
  /** Path and query, exactly as sent. */
  readonly url: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Answers one request; may write a streaming response itself and return nothing. */
export type Responder = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

/** A tiny HTTP server on 127.0.0.1, port 0, recording every request and answering with the current responder. */
export interface RecordingServer {
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  respond(responder: Responder): void;
  close(): Promise<void>;
}

/** JSON answer helper. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

/** Starts the server; close it in `afterEach`/`onTestFinished`. */
export async function startRecordingServer(): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  let responder: Responder = (_req, res) => sendJson(res, 500, { code: 'INTERNAL_ERROR', message: 'no responder set' });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      const parsed = new URL(url, 'http://127.0.0.1');
      const recorded: RecordedRequest = { method: req.method ?? '', url, path: parsed.pathname, query: parsed.searchParams, headers: req.headers, body: Buffer.concat(chunks) };
      requests.push(recorded);
      Promise.resolve(responder(recorded, res)).catch((e: unknown) => res.destroy(e as Error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    respond: (r) => {
      responder = r;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
