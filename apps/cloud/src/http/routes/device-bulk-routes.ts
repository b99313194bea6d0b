import { z } from 'zod';
import { BulkDeviceEntrySchema, BulkRegistryResultSchema, MAX_BULK_DEVICES } from '@verge/contracts';
import type { ApiRoute } from '../api-route.js';
import type { ApiDeps } from '../api-deps.js';
import { iotHubErrorCode } from '../iothub-error-body.js';

/** `POST /devices`: IoT Hub's bulk registry operation (azure-iothub `addDevices` / `updateDevices` / `removeDevices`). */
export function deviceBulkRoutes(deps: ApiDeps): ApiRoute[] {
  return [
    {
      method: 'POST',
      url: '/devices',
      operationId: 'bulkDeviceOperation',
      summary: 'Create, update or delete up to 100 devices',
      description: `An array of 1 to ${MAX_BULK_DEVICES} devices, each with \`id\` and \`importMode\` (create, update, updateIfMatchETag, delete, deleteIfMatchETag; any case) and the fields of \`PUT /devices/{id}\`. Entries apply one by one with the same validation as \`PUT\`/\`DELETE /devices/{id}\`; refused ones are listed in \`errors\` (IoT Hub error names) and the others still apply. A malformed request (not an array, too many, an entry without id or with an unknown mode, an id twice) applies nothing (400).`,
      tag: 'devices',
      auth: 'RegistryWrite',
      body: { schema: z.array(BulkDeviceEntrySchema) },
      responses: { 200: { description: 'What was refused (`isSuccessful` false when anything was).', schema: BulkRegistryResultSchema } },
      handler: async (req) => {
        const { errors } = await deps.bulk.apply(req.body);
        return {
          isSuccessful: errors.length === 0,
          errors: errors.map((e) => ({ deviceId: e.deviceId, errorCode: iotHubErrorCode(e.code, e.status), errorStatus: e.message })),
          warnings: [],
        };
      },
    },
  ];
}
