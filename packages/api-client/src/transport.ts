import { VergeError } from '@verge/contracts';
import { ApiError, errorFromResponse } from './api-error.js';

/** The subset of WHATWG `fetch` the client uses, so a caller can pass the global one or an adapter (custom CA). */
export type FetchLike = (url: string, init: FetchInit) => Promise<Response>;

/** The request options the client passes to `FetchLike`. */
export interface FetchInit {
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: string | Uint8Array<ArrayBuffer>;
  readonly signal?: AbortSignal;
}

/** One API call: path relative to the base URL (already URI-encoded), optional query, headers and body. */
export interface RequestSpec {
  readonly method: 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE';
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** JSON-serialized unless it is already bytes. */
  readonly json?: unknown;
  readonly bytes?: Uint8Array<ArrayBuffer>;
  /** Error statuses returned as a Response instead of thrown (e.g. 503 from a health probe). */
  readonly acceptStatuses?: readonly number[];
  /** Skip the Authorization header (health probes). */
  readonly anonymous?: boolean;
  readonly signal?: AbortSignal;
}

/** A successful (2xx) response with its body parsed as JSON (undefined when empty). */
export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

/** How the transport is configured; built by `createApiClient`. */
export interface TransportOptions {
  readonly baseUrl: string;
  readonly fetch: FetchLike;
  /** Returns the Authorization header value for the next request. */
  readonly authorize: () => string;
  /** Sent as `?api-version=` like the azure-iothub SDK; the Verge cloud accepts and ignores it. */
  readonly apiVersion: string;
  /** Returns a fresh request id (IoT Hub `Request-Id`). */
  readonly newRequestId: () => string;
}

/** Sends API calls and turns non-2xx answers and network failures into ApiError. */
export interface Transport {
  request(spec: RequestSpec): Promise<ApiResponse>;
  /** Like `request`, but returns the raw Response (2xx or `acceptStatuses`) so its body can be streamed. */
  open(spec: RequestSpec): Promise<Response>;
  url(path: string, query?: RequestSpec['query']): string;
}

/** Creates the transport over `options.fetch`. */
export function createTransport(options: TransportOptions): Transport {
  const base = options.baseUrl.replace(/\/+$/, '');
  const url = (path: string, query: RequestSpec['query'] = {}): string => {
    const params = new URLSearchParams({ 'api-version': options.apiVersion });
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    return `${base}${path}?${params.toString()}`;
  };
  const open = async (spec: RequestSpec): Promise<Response> => {
    const target = url(spec.path, spec.query);
    const init = buildInit(spec, options);
    let response: Response;
    try {
      response = await options.fetch(target, init);
    } catch (e) {
      if (spec.signal?.aborted === true) throw e;
      throw networkError(spec.method, target, e);
    }
    const accepted = spec.acceptStatuses?.includes(response.status) === true;
    if (!accepted && (response.status < 200 || response.status >= 300)) {
      const text = await response.text().catch(() => '');
      throw errorFromResponse(response.status, response.statusText, text);
    }
    return response;
  };
  const request = async (spec: RequestSpec): Promise<ApiResponse> => {
    const response = await open(spec);
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: parseJsonBody(text, spec) };
  };
  return { request, open, url };
}

function buildInit(spec: RequestSpec, options: TransportOptions): FetchInit {
  const headers: Record<string, string> = { 'Request-Id': options.newRequestId(), Accept: 'application/json' };
  if (spec.anonymous !== true) headers['Authorization'] = options.authorize();
  let body: string | Uint8Array<ArrayBuffer> | undefined;
  if (spec.bytes !== undefined) {
    body = spec.bytes;
    headers['Content-Type'] = 'application/octet-stream';
  } else if (spec.json !== undefined) {
    body = JSON.stringify(spec.json);
    // The exact header the azure-iothub SDK sends (registry.js).
    headers['Content-Type'] = 'application/json; charset=utf-8';
  }
  Object.assign(headers, spec.headers);
  return { method: spec.method, headers, ...(body === undefined ? {} : { body }), ...(spec.signal === undefined ? {} : { signal: spec.signal }) };
}

function parseJsonBody(text: string, spec: RequestSpec): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(0, 'CLIENT_RESPONSE_INVALID', `${spec.method} ${spec.path}: the response body is not JSON: ${text.slice(0, 120)}`);
  }
}

function networkError(method: string, target: string, e: unknown): ApiError {
  const where = target.replace(/\?.*$/, '');
  return new ApiError(0, 'CLIENT_NETWORK_FAILED', `${method} ${where} failed: ${describeCause(e)}`, { cause: e });
}

// Node's fetch reports "fetch failed" and hides the reason (ECONNREFUSED, a TLS error) in `cause`.
function describeCause(e: unknown): string {
  const parts: string[] = [];
  let current: unknown = e;
  for (let depth = 0; depth < 4 && current instanceof Error; depth += 1) {
    const code = (current as Error & { code?: unknown }).code;
    parts.push(typeof code === 'string' && !current.message.includes(code) ? `${current.message} (${code})` : current.message);
    current = current.cause;
  }
  return parts.length === 0 ? String(e) : parts.join(': ');
}

/** Quotes an ETag for If-Match the way the azure-iothub SDK does (`_ensureQuoted`): `*` becomes `"*"`. */
export function quoteEtag(etag: string): string {
  if (etag.length >= 2 && etag.startsWith('"') && etag.endsWith('"')) return etag;
  return `"${etag}"`;
}

/**
 * Encodes one path segment (device, module, deployment or job id) like the azure-iothub SDK (`encodeURIComponent`).
 * Refuses (CLIENT_PATH_SEGMENT_INVALID) an id that would address another resource: empty (`GET /devices/` lists
 * every device), `.` or `..` (a URL resolves them away, `%2E%2E` included: `DELETE /devices/..` is `DELETE /`).
 */
export function segment(id: string): string {
  if (id === '' || id === '.' || id === '..') {
    throw new VergeError('CLIENT_PATH_SEGMENT_INVALID', `id '${id}' cannot be sent: ${id === '' ? 'it is empty' : "'.' and '..' are resolved away in a URL path"}, so the request would address another resource`, { details: { id } });
  }
  return encodeURIComponent(id);
}
