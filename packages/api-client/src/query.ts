import { QUERY_CONTINUATION_HEADER, QUERY_MAX_ITEM_COUNT_HEADER } from '@verge/contracts';
import { expectArray } from './decode.js';
import type { Transport } from './transport.js';
import type { QueryPage } from './types.js';

/** Options of a device query. */
export interface QueryOptions {
  /** Items per page (`x-ms-max-item-count`, 1–1000); the server's default (100) when absent. */
  readonly pageSize?: number;
  readonly signal?: AbortSignal;
}

/**
 * Runs one page of `POST /devices/query` with `{ query }`, sending the previous page's token as `x-ms-continuation`
 * and the page size as `x-ms-max-item-count`; the next token comes back in the `x-ms-continuation` response header
 * (azure-iothub `Registry._executeQueryFunc`, `Query.next`). Items are twins or projections, as the query selects.
 */
export async function queryPage<T = unknown>(transport: Transport, sql: string, continuationToken?: string, options: QueryOptions = {}): Promise<QueryPage<T>> {
  const headers: Record<string, string> = {};
  if (continuationToken !== undefined) headers[QUERY_CONTINUATION_HEADER] = continuationToken;
  if (options.pageSize !== undefined) headers[QUERY_MAX_ITEM_COUNT_HEADER] = String(options.pageSize);
  const res = await transport.request({ method: 'POST', path: '/devices/query', json: { query: sql }, headers, signal: options.signal });
  const items = expectArray(res.body, 'query devices') as T[];
  const next = res.headers.get(QUERY_CONTINUATION_HEADER);
  return next === null || next === '' ? { items } : { items, continuationToken: next };
}

/** Iterates every item of a query, fetching the next page only when the previous one is consumed. */
export async function* queryAll<T = unknown>(transport: Transport, sql: string, options: QueryOptions = {}): AsyncGenerator<T, void, undefined> {
  let token: string | undefined;
  do {
    const page: QueryPage<T> = await queryPage<T>(transport, sql, token, options);
    yield* page.items;
    token = page.continuationToken;
  } while (token !== undefined);
}
