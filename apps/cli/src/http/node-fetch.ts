import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import type { FetchInit, FetchLike } from '@verge/api-client';

/** Options of the Node fetch adapter. */
export interface NodeFetchOptions {
  /** PEM trust anchors for HTTPS; they replace the system roots, as Node's `ca` option does. */
  readonly caPem?: string;
}

/**
 * A `FetchLike` over node:http/https. Node's global fetch cannot take a CA without importing undici, and the cloud's
 * certificate is issued by its own CA (`DIR/ca.pem`), so the CLI uses this adapter when a CA is given. The response
 * body is a web ReadableStream, so event streams work the same as with the global fetch.
 */
export function createNodeFetch(options: NodeFetchOptions): FetchLike {
  return (url, init) => send(new URL(url), init, options);
}

function send(url: URL, init: FetchInit, options: NodeFetchOptions): Promise<Response> {
  return new Promise((resolvePromise, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const body = init.body === undefined ? undefined : typeof init.body === 'string' ? Buffer.from(init.body, 'utf8') : Buffer.from(init.body);
    const headers: Record<string, string> = { ...init.headers };
    if (body !== undefined) headers['Content-Length'] = String(body.length);
    const req = request(
      url,
      {
        method: init.method,
        headers,
        ...(url.protocol === 'https:' && options.caPem !== undefined ? { ca: options.caPem } : {}),
        ...(init.signal === undefined ? {} : { signal: init.signal }),
      },
      (res) => resolvePromise(toResponse(res)),
    );
    req.on('error', reject);
    req.end(body);
  });
}

// Statuses that cannot carry a body in a WHATWG Response.
const nullBodyStatuses = new Set([101, 204, 205, 304]);

function toResponse(res: IncomingMessage): Response {
  const headers = new Headers();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string);
  const status = res.statusCode ?? 500;
  if (nullBodyStatuses.has(status)) {
    res.resume();
    return new Response(null, { status, statusText: res.statusMessage ?? '', headers });
  }
  const body = Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>;
  return new Response(body, { status, statusText: res.statusMessage ?? '', headers });
}
