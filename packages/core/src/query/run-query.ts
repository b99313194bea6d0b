import { VergeError } from '@verge/contracts';
import { aggregateRows } from './aggregate.js';
import { compareRowKeys, decodeContinuation, encodeContinuation, type QueryPosition, type RowKey } from './continuation.js';
import { holds } from './evaluate.js';
import { projectRow } from './project.js';
import type { Query } from './query-ast.js';
import type { TwinView } from './twin-view.js';

/** Paging request: at most `pageSize` items, starting where `continuation` (from a previous page) left off. */
export interface QueryPage {
  readonly pageSize: number;
  readonly continuation?: string;
}

/** One page of results; `continuation` is present when more items follow. */
export interface QueryResult {
  readonly items: unknown[];
  readonly continuation?: string;
}

// FROM devices iterates device twins, FROM devices.modules module twins (iot-hub-devguide-query-language).
function inCollection(query: Query, row: TwinView): boolean {
  const isModule = typeof row.moduleId === 'string';
  return query.from === 'devices.modules' ? isModule : !isModule;
}

function keyOf(row: TwinView): RowKey {
  return typeof row.moduleId === 'string' ? { deviceId: row.deviceId, moduleId: row.moduleId } : { deviceId: row.deviceId };
}

function checkPageSize(page: QueryPage | undefined): void {
  if (page !== undefined && (!Number.isSafeInteger(page.pageSize) || page.pageSize < 1)) {
    throw new VergeError('QUERY_PAGE_SIZE_INVALID', `query page size must be a positive integer, found ${String(page.pageSize)}`);
  }
}

/**
 * Runs a parsed query over twins. Pure and deterministic: the same rows, query and page give the same result.
 * Rows of the other collection are skipped (device twins for `FROM devices.modules` and vice versa), so the caller
 * may pass both kinds. For paging, rows must come in ascending `(deviceId, moduleId)` ordinal order — the order the
 * continuation token resumes in (see continuation.ts); the cloud reads them sorted by id.
 *
 * Throws VergeError `QUERY_PAGE_SIZE_INVALID` or `QUERY_CONTINUATION_INVALID` for a bad page request.
 */
export function runQuery(query: Query, rows: Iterable<TwinView>, page?: QueryPage): QueryResult {
  checkPageSize(page);
  const position = page?.continuation === undefined ? undefined : decodeContinuation(query, page.continuation);
  return query.aggregate ? runAggregate(query, rows, page, position) : runPlain(query, rows, page, position);
}

function runPlain(query: Query, rows: Iterable<TwinView>, page: QueryPage | undefined, position: QueryPosition | undefined): QueryResult {
  const after = position?.kind === 'after-key' ? position : undefined;
  let emitted = after?.emitted ?? 0;
  const limit = query.top ?? Number.POSITIVE_INFINITY;
  const items: unknown[] = [];
  let last: RowKey | undefined;
  for (const row of rows) {
    if (emitted >= limit) break;
    if (!inCollection(query, row) || (after !== undefined && compareRowKeys(keyOf(row), after) <= 0)) continue;
    if (query.where !== undefined && !holds(query.where, row)) continue;
    // A full page and one more matching row: stop before it, so the next page starts there.
    if (page !== undefined && items.length === page.pageSize && last !== undefined) {
      return { items, continuation: encodeContinuation(query, { kind: 'after-key', ...last, emitted }) };
    }
    items.push(projectRow(query.select, row));
    last = keyOf(row);
    emitted++;
  }
  return { items };
}

function runAggregate(query: Query, rows: Iterable<TwinView>, page: QueryPage | undefined, position: QueryPosition | undefined): QueryResult {
  const matching: TwinView[] = [];
  for (const row of rows) {
    if (inCollection(query, row) && (query.where === undefined || holds(query.where, row))) matching.push(row);
  }
  const all = aggregateRows(query, matching).slice(0, query.top);
  const offset = position?.kind === 'offset' ? position.offset : 0;
  if (page === undefined) return { items: all.slice(offset) };
  const end = offset + page.pageSize;
  const items = all.slice(offset, end);
  return end < all.length ? { items, continuation: encodeContinuation(query, { kind: 'offset', offset: end }) } : { items };
}
