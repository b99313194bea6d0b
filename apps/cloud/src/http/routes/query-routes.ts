import { VergeError, QUERY_CONTINUATION_HEADER, QUERY_ITEM_TYPE_HEADER, QUERY_MAX_ITEM_COUNT_HEADER, QueryRequestSchema } from '@verge/contracts';
import { parseOrThrow } from '@verge/platform';
import { z } from 'zod';
import { header, type ApiRoute } from '../api-route.js';
import type { ApiDeps } from '../api-deps.js';

/** Page size when the client sends none (IoT Hub's default). */
export const DEFAULT_QUERY_PAGE_SIZE = 100;
/** Largest page served; larger requests are served with this size (IoT Hub: "the service may use a different value"). */
export const MAX_QUERY_PAGE_SIZE = 1000;

function pageSize(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return DEFAULT_QUERY_PAGE_SIZE;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new VergeError('VALIDATION_FAILED', `${QUERY_MAX_ITEM_COUNT_HEADER}: '${raw.slice(0, 20)}' is not a positive integer`, {
      details: { issues: [{ path: QUERY_MAX_ITEM_COUNT_HEADER, message: 'must be a positive integer' }] },
    });
  }
  return Math.min(n, MAX_QUERY_PAGE_SIZE);
}

/** `POST /devices/query` (IoT Hub "Query - Get Twins"). */
export function queryRoutes(deps: ApiDeps): ApiRoute[] {
  return [
    {
      method: 'POST',
      url: '/devices/query',
      operationId: 'queryTwins',
      summary: 'Query device or module twins with IoT Hub\'s query language',
      description:
        '`SELECT * FROM devices WHERE …` (deviceId, tags, properties.desired/reported, status, connectionState, capabilities), projections, `SELECT COUNT() AS n FROM devices WHERE …`, `FROM devices.modules`. Paged: the response carries `x-ms-continuation` while more pages follow; send it back to get the next page.',
      tag: 'query',
      auth: 'RegistryRead',
      headers: [
        { name: QUERY_MAX_ITEM_COUNT_HEADER, description: `Page size, 1 to ${MAX_QUERY_PAGE_SIZE} (default ${DEFAULT_QUERY_PAGE_SIZE}).` },
        { name: QUERY_CONTINUATION_HEADER, description: 'The continuation token of the previous page.' },
      ],
      body: { schema: QueryRequestSchema },
      responses: {
        200: {
          description: 'One page of results: twins for `SELECT *`, plain objects for projections and aggregates.',
          schema: z.array(z.unknown()),
          headers: [
            { name: QUERY_CONTINUATION_HEADER, description: 'Present when more pages follow.' },
            { name: QUERY_ITEM_TYPE_HEADER, description: '`Twin` or `Raw`.' },
          ],
        },
      },
      handler: async (req, reply) => {
        const { query } = parseOrThrow(QueryRequestSchema, req.body, 'request body');
        const continuation = header(req, QUERY_CONTINUATION_HEADER);
        const page = await deps.query.query(query, pageSize(header(req, QUERY_MAX_ITEM_COUNT_HEADER)), continuation === '' ? undefined : continuation);
        reply.header(QUERY_ITEM_TYPE_HEADER, page.itemType);
        if (page.continuationToken !== undefined) reply.header(QUERY_CONTINUATION_HEADER, page.continuationToken);
        return page.items;
      },
    },
  ];
}
