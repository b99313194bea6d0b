import { z } from 'zod';
import { DeviceDtoSchema, DeviceInputDtoSchema, RegistryStatisticsDtoSchema } from '@verge/contracts';
import { parseOrThrow } from '@verge/platform';
import { parseIfMatch } from '../../services/identity-values.js';
import { header, param, type ApiRoute, type HeaderDoc } from '../api-route.js';
import type { ApiDeps } from '../api-deps.js';

/** `If-Match` as IoT Hub documents it for identities. */
export const ifMatchHeader: HeaderDoc = {
  name: 'If-Match',
  description: 'Absent: create (409 if it exists). `*` or `"*"`: replace whatever is there. An etag: replace only if unchanged (else 412).',
};

const idParam = { id: 'Device id (URL-encoded).' };

const ListQuerySchema = z.looseObject({
  top: z.coerce.number().int().min(1).max(1000).optional().meta({ description: 'At most this many devices (default 1000).' }),
});

/** `/devices` routes: device identities (IoT Hub "Devices - Create Or Update / Get / Delete Identity", "Get Devices"). */
export function deviceRoutes(deps: ApiDeps): ApiRoute[] {
  return [
    {
      method: 'PUT',
      url: '/devices/:id',
      operationId: 'createOrUpdateDevice',
      summary: 'Create or replace a device identity',
      description:
        'SAS keys left empty are generated (on replace, kept). A leaf device names its parent edge device by putting the parent\'s `deviceScope` in its own `deviceScope`; an edge device names its parent in `parentScopes[0]`.',
      tag: 'devices',
      auth: 'RegistryWrite',
      params: idParam,
      headers: [ifMatchHeader],
      body: { schema: DeviceInputDtoSchema },
      responses: { 200: { description: 'The device as stored.', schema: DeviceDtoSchema } },
      handler: async (req) => {
        const input = parseOrThrow(DeviceInputDtoSchema, req.body, 'request body');
        return (await deps.devices.putDevice(param(req, 'id'), input, parseIfMatch(header(req, 'if-match')))).device;
      },
    },
    {
      method: 'GET',
      url: '/devices/:id',
      operationId: 'getDevice',
      summary: 'Get a device identity',
      tag: 'devices',
      auth: 'RegistryRead',
      params: idParam,
      responses: { 200: { description: 'The device.', schema: DeviceDtoSchema } },
      handler: (req) => deps.devices.getDevice(param(req, 'id')),
    },
    {
      method: 'GET',
      url: '/devices',
      operationId: 'listDevices',
      summary: 'List device identities, ordered by id',
      tag: 'devices',
      auth: 'RegistryRead',
      query: ListQuerySchema,
      responses: { 200: { description: 'The devices.', schema: z.array(DeviceDtoSchema) } },
      handler: (req) => deps.devices.listDevices(parseOrThrow(ListQuerySchema, req.query, 'query string').top ?? 1000),
    },
    {
      method: 'GET',
      url: '/statistics/devices',
      operationId: 'getDeviceStatistics',
      summary: 'Count devices: total, enabled, disabled',
      tag: 'devices',
      auth: 'RegistryRead',
      responses: { 200: { description: 'The registry statistics (azure-iothub `Registry.getRegistryStatistics`).', schema: RegistryStatisticsDtoSchema } },
      handler: () => deps.devices.statistics(),
    },
    {
      method: 'DELETE',
      url: '/devices/:id',
      operationId: 'deleteDevice',
      summary: 'Delete a device identity with its modules, twins and queued messages',
      description: 'Child devices lose their parent.',
      tag: 'devices',
      auth: 'RegistryWrite',
      params: idParam,
      headers: [{ name: 'If-Match', description: '`*` (or absent): delete unconditionally. An etag: delete only if unchanged (else 412).' }],
      responses: { 204: { description: 'Deleted.' } },
      handler: async (req, reply) => {
        await deps.devices.deleteDevice(param(req, 'id'), parseIfMatch(header(req, 'if-match')));
        return reply.status(204).send();
      },
    },
  ];
}
