/** An error answer of the cloud: HTTP status, Verge error code and message (IoT Hub error body). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Rows asked for per query page: the largest page the cloud serves (IoT Hub's default is 100). */
const QUERY_PAGE_SIZE = 1000;

/** REST calls with the session's token; a 401 signs the user out (`onUnauthorized`). */
export interface Api {
  readonly token: string;
  get<T>(path: string): Promise<T>;
  send<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, headers?: Record<string, string>): Promise<T>;
  /** `POST /devices/query`, every page (of the largest size the cloud serves). */
  query<T>(sql: string): Promise<T[]>;
  /** A paged GET list (`x-ms-continuation`, as `GET /jobs/v2/query`), every page of the largest size the cloud serves. */
  getAll<T>(path: string): Promise<T[]>;
}

export function createApi(token: string, onUnauthorized: (message: string) => void): Api {
  const call = async <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ body: T; headers: Headers }> => {
    const res = await fetch(path, {
      method,
      headers: { authorization: token, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = text;
    }
    if (!res.ok) {
      const b = (parsed ?? {}) as { code?: string; message?: string; Message?: string };
      const message = b.message ?? b.Message ?? `${method} ${path}: HTTP ${res.status}`;
      if (res.status === 401) onUnauthorized(message);
      throw new ApiError(res.status, b.code, message);
    }
    return { body: parsed as T, headers: res.headers };
  };
  return {
    token,
    get: async (path) => (await call('GET', path)).body as never,
    send: async (method, path, body, headers) => (await call(method, path, body, headers)).body as never,
    query: <T>(sql: string): Promise<T[]> => everyPage<T>((headers) => call<T[]>('POST', '/devices/query', { query: sql }, headers)),
    getAll: <T>(path: string): Promise<T[]> => everyPage<T>((headers) => call<T[]>('GET', path, undefined, headers)),
  };
}

/** Follows `x-ms-continuation` from page to page, asking for the largest page the cloud serves. */
async function everyPage<T>(page: (headers: Record<string, string>) => Promise<{ body: T[]; headers: Headers }>): Promise<T[]> {
  const rows: T[] = [];
  let continuation: string | undefined;
  do {
    const r = await page({ 'x-ms-max-item-count': String(QUERY_PAGE_SIZE), ...(continuation === undefined ? {} : { 'x-ms-continuation': continuation }) });
    rows.push(...r.body);
    continuation = r.headers.get('x-ms-continuation') ?? undefined;
  } while (continuation !== undefined && continuation !== '');
  return rows;
}

/** Whether an error is a 404 (a route this cloud does not have yet, or a missing entity). */
export function isNotFound(e: unknown): boolean {
  return e instanceof ApiError && e.status === 404;
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Whether the cloud has no such route at all (an older cloud, or a part not built yet): the page degrades. */
export function isRouteMissing(e: unknown): boolean {
  return e instanceof ApiError && e.status === 404 && e.code === 'HTTP_ROUTE_NOT_FOUND';
}
