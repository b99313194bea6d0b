import { z } from 'zod';

/** Body of `POST /devices/query` (IoT Hub `QuerySpecification`). */
export const QueryRequestSchema = z.looseObject({ query: z.string().min(1).max(8192) });
export type QueryRequest = z.infer<typeof QueryRequestSchema>;

/** Request header: page size (IoT Hub: 1 to 1000; default 100). */
export const QUERY_MAX_ITEM_COUNT_HEADER = 'x-ms-max-item-count';
/** Request and response header: opaque continuation token; absent on the last page. */
export const QUERY_CONTINUATION_HEADER = 'x-ms-continuation';
/** Response header: what the items are (`Twin`, `DeviceJob`, `JobResponse`, `Raw`), as IoT Hub. */
export const QUERY_ITEM_TYPE_HEADER = 'x-ms-item-type';
