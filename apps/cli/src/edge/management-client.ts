import { request, type IncomingMessage } from 'node:http';
import { join, resolve } from 'node:path';
import { MANAGEMENT_SOCKET_FILE, ManagementErrorSchema, VergeError, errorRegistry, type ErrorCode } from '@verge/contracts';

/** Default data directory of the edge runtime (`verge edge start --data`). */
export const DEFAULT_EDGE_DATA_DIR = './.verge/edge';

/** The management socket of the edge runtime whose data directory is `dataDir`. */
export function managementSocketOf(dataDir: string | undefined): string {
  return join(resolve(dataDir ?? DEFAULT_EDGE_DATA_DIR), MANAGEMENT_SOCKET_FILE);
}

/**
 * Sends one request to the management API (HTTP over the unix socket) and resolves with the response, unread.
 * A missing or refusing socket rejects with AGT_MANAGEMENT_UNREACHABLE naming the socket.
 */
export function managementRequest(socketPath: string, method: string, path: string, signal?: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolvePromise, reject) => {
    const req = request({ socketPath, method, path, headers: { accept: 'application/json, text/plain' }, ...(signal === undefined ? {} : { signal }) }, resolvePromise);
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.name === 'AbortError') return reject(e);
      const unreachable = e.code === 'ENOENT' || e.code === 'ECONNREFUSED' || e.code === 'EACCES';
      reject(
        unreachable
          ? new VergeError('AGT_MANAGEMENT_UNREACHABLE', `cannot reach the edge runtime at ${socketPath} (${e.code ?? e.message}): is \`verge edge start\` running with this --data directory?`)
          : e,
      );
    });
    req.end();
  });
}

/** Reads a whole response body as text. */
export async function readBody(res: IncomingMessage): Promise<string> {
  let body = '';
  res.setEncoding('utf8');
  for await (const chunk of res) body += chunk as string;
  return body;
}

/** Throws the management API's error (its registry code and message) unless `res` succeeded. */
export async function assertSuccess(res: IncomingMessage): Promise<void> {
  const status = res.statusCode ?? 0;
  if (status >= 200 && status < 300) return;
  const text = await readBody(res);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    parsed = undefined;
  }
  const error = ManagementErrorSchema.safeParse(parsed);
  if (error.success && Object.hasOwn(errorRegistry, error.data.code)) throw new VergeError(error.data.code as ErrorCode, error.data.message);
  throw new VergeError('INTERNAL_ERROR', `the management API answered ${status}: ${text.slice(0, 300)}`);
}

/** GET a JSON document from the management API. */
export async function getJson(socketPath: string, path: string): Promise<unknown> {
  const res = await managementRequest(socketPath, 'GET', path);
  await assertSuccess(res);
  return JSON.parse(await readBody(res)) as unknown;
}
