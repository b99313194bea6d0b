import type { FastifyRequest } from 'fastify';
import { TwinDtoSchema, TwinUpdateDtoSchema } from '@verge/contracts';
import { parseOrThrow } from '@verge/platform';
import type { ClientIdentity } from '@verge/core';
import { parseIfMatch } from '../../services/identity-values.js';
import { header, param, type ApiRoute, type HeaderDoc } from '../api-route.js';
import type { ApiDeps } from '../api-deps.js';

const twinIfMatch: HeaderDoc = {
  name: 'If-Match',
  description: 'The twin etag read before (azure-iothub sends it quoted), or `*`/absent to write unconditionally; a stale etag gives 412.',
};

interface TwinTarget {
  readonly url: string;
  readonly suffix: string;
  readonly what: string;
  readonly params: Readonly<Record<string, string>>;
  readonly id: (req: FastifyRequest) => ClientIdentity;
}

const targets: readonly TwinTarget[] = [
  { url: '/twins/:id', suffix: 'DeviceTwin', what: 'device twin', params: { id: 'Device id (URL-encoded).' }, id: (req) => ({ deviceId: param(req, 'id') }) },
  {
    url: '/twins/:id/modules/:mid',
    suffix: 'ModuleTwin',
    what: 'module twin',
    params: { id: 'Device id (URL-encoded).', mid: 'Module id (URL-encoded).' },
    id: (req) => ({ deviceId: param(req, 'id'), moduleId: param(req, 'mid') }),
  },
];

/** `/twins` routes: device and module twins (IoT Hub "Devices/Modules - Get Twin / Update Twin / Replace Twin"). */
export function twinRoutes(deps: ApiDeps): ApiRoute[] {
  return targets.flatMap((t): ApiRoute[] => [
    {
      method: 'GET',
      url: t.url,
      operationId: `get${t.suffix}`,
      summary: `Get a ${t.what}`,
      tag: 'twins',
      auth: 'RegistryRead',
      params: t.params,
      responses: { 200: { description: `The ${t.what}.`, schema: TwinDtoSchema } },
      handler: (req) => deps.twins.getTwin(t.id(req)),
    },
    {
      method: 'PATCH',
      url: t.url,
      operationId: `update${t.suffix}`,
      summary: `Merge-patch the tags and desired properties of a ${t.what}`,
      description:
        'JSON merge patch: `null` deletes a key. Desired changes are pushed to the connected client as a desired-properties patch. `properties.reported` is refused. Limits (IoT Hub): tags 8 KB, desired 32 KB, depth 10.',
      tag: 'twins',
      auth: 'RegistryWrite',
      params: t.params,
      headers: [twinIfMatch],
      body: { schema: TwinUpdateDtoSchema },
      responses: { 200: { description: `The updated ${t.what}.`, schema: TwinDtoSchema } },
      handler: (req) =>
        deps.twins.patchTwin(t.id(req), parseOrThrow(TwinUpdateDtoSchema, req.body, 'request body'), parseIfMatch(header(req, 'if-match'))),
    },
    {
      method: 'PUT',
      url: t.url,
      operationId: `replace${t.suffix}`,
      summary: `Replace the tags and desired properties of a ${t.what}`,
      description: 'Absent sections become empty. The difference between the old and new desired properties is pushed to the connected client.',
      tag: 'twins',
      auth: 'RegistryWrite',
      params: t.params,
      headers: [twinIfMatch],
      body: { schema: TwinUpdateDtoSchema },
      responses: { 200: { description: `The replaced ${t.what}.`, schema: TwinDtoSchema } },
      handler: (req) =>
        deps.twins.replaceTwin(t.id(req), parseOrThrow(TwinUpdateDtoSchema, req.body, 'request body'), parseIfMatch(header(req, 'if-match'))),
    },
  ]);
}
