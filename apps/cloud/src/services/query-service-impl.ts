import { parseQuery, runQuery } from '@verge/core';
import type { TwinDto } from '@verge/contracts';
import type { TwinRecord } from '../store/records.js';
import type { ServiceContext } from './context.js';
import { twinToDto } from './dto.js';
import type { QueryPageResult, QueryService } from './query-service.js';

/**
 * Every twin of a query collection (`devices` or `devices.modules`) as the query engine sees it: its IoT Hub twin
 * document, exactly as `GET /twins/{id}` returns it. Deployment metrics reuse one load for all their queries.
 */
export async function loadTwinDtos(ctx: Pick<ServiceContext, 'store' | 'clock'>, modules: boolean): Promise<TwinDto[]> {
  const { store, clock } = ctx;
  const devices = new Map((await store.devices.list()).map((d) => [d.deviceId, d]));
  const now = clock.nowMs();
  const view = async (twin: TwinRecord): Promise<TwinDto | undefined> => {
    const device = devices.get(twin.deviceId);
    if (device === undefined) return undefined;
    const parent = device.parentDeviceId === null ? undefined : devices.get(device.parentDeviceId);
    const module = twin.moduleId === undefined ? undefined : await store.modules.get(twin.deviceId, twin.moduleId);
    if (twin.moduleId !== undefined && module === undefined) return undefined;
    const c2dCount = modules ? 0 : await store.c2d.countPending(twin.deviceId, now);
    return twinToDto(twin, { device, parent, ...(module === undefined ? {} : { module }), c2dCount });
  };
  const shown = await Promise.all((await store.twins.all({ modules })).map(view));
  return shown.filter((t): t is TwinDto => t !== undefined);
}

/**
 * The query service over the store: every twin of the queried collection (`devices` or `devices.modules`) is
 * shown to the core query engine as its IoT Hub twin document, so `SELECT *` returns twins exactly as
 * `GET /twins/{id}` does. Loads the whole collection per page, which suits the embedded SQLite store (thousands
 * of devices); a PostgreSQL store would push the WHERE clause down.
 */
export function createQueryService(ctx: ServiceContext): QueryService {
  return {
    async query(sql, pageSize, continuationToken): Promise<QueryPageResult> {
      const query = parseQuery(sql);
      const rows = await loadTwinDtos(ctx, query.from === 'devices.modules');
      const page = runQuery(query, rows, { pageSize, ...(continuationToken === undefined ? {} : { continuation: continuationToken }) });
      return {
        items: page.items,
        ...(page.continuation === undefined ? {} : { continuationToken: page.continuation }),
        itemType: query.select.kind === 'star' ? 'Twin' : 'Raw',
      };
    },
  };
}
