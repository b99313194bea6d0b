import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ModuleDtoSchema, ModuleInputDtoSchema } from '@verge/contracts';
import { parseOrThrow } from '@verge/platform';
import { parseIfMatch } from '../../services/identity-values.js';
import { header, param, type ApiRoute } from '../api-route.js';
import type { ApiDeps } from '../api-deps.js';
import type { Caller } from '../caller-auth.js';
import { ifMatchHeader } from './device-routes.js';

const params = { id: 'Device id (URL-encoded).', mid: 'Module id (URL-encoded).' };

const deviceNote = 'The IoT Edge device itself (or its `$edgeAgent`/`$edgeHub` module) may call this route with its own SAS token (docs/edge-cloud.md).';

/**
 * `/devices/{id}/modules` routes: module identities (IoT Hub "Modules - Create Or Update / Get / Delete Identity").
 * Listing, creating and deleting are also open to the IoT Edge device itself (`deviceAccess`); `callerOf` tells who
 * called.
 */
export function moduleRoutes(deps: ApiDeps, callerOf: (req: FastifyRequest) => Caller | undefined): ApiRoute[] {
  return [
    {
      method: 'PUT',
      url: '/devices/:id/modules/:mid',
      operationId: 'createOrUpdateModule',
      summary: 'Create or replace a module identity',
      description:
        'The device must exist. SAS keys left empty are generated (on replace, kept); on an IoT Edge device with symmetric keys they are derived from the device keys (`deriveModuleKey`), and the device itself and the system modules `$edgeAgent`/`$edgeHub` may only have the derived keys (400 otherwise). ' +
        deviceNote,
      tag: 'modules',
      auth: 'RegistryWrite',
      deviceAccess: true,
      params,
      headers: [ifMatchHeader],
      body: { schema: ModuleInputDtoSchema },
      responses: { 200: { description: 'The module as stored.', schema: ModuleDtoSchema } },
      handler: async (req) => {
        const input = parseOrThrow(ModuleInputDtoSchema, req.body, 'request body');
        const caller = callerOf(req)?.kind ?? 'service';
        return (await deps.modules.putModule(param(req, 'id'), param(req, 'mid'), input, parseIfMatch(header(req, 'if-match')), caller)).module;
      },
    },
    {
      method: 'GET',
      url: '/devices/:id/modules/:mid',
      operationId: 'getModule',
      summary: 'Get a module identity',
      tag: 'modules',
      auth: 'RegistryRead',
      params,
      responses: { 200: { description: 'The module.', schema: ModuleDtoSchema } },
      handler: (req) => deps.modules.getModule(param(req, 'id'), param(req, 'mid')),
    },
    {
      method: 'GET',
      url: '/devices/:id/modules',
      operationId: 'listModules',
      summary: 'List the module identities of a device',
      description: deviceNote,
      tag: 'modules',
      auth: 'RegistryRead',
      deviceAccess: true,
      params: { id: params.id },
      responses: { 200: { description: 'The modules, ordered by id.', schema: z.array(ModuleDtoSchema) } },
      handler: (req) => deps.modules.listModules(param(req, 'id')),
    },
    {
      method: 'DELETE',
      url: '/devices/:id/modules/:mid',
      operationId: 'deleteModule',
      summary: 'Delete a module identity and its twin',
      description: `The system modules \`$edgeAgent\`/\`$edgeHub\` of an IoT Edge device go only with the device (400 CLD_MODULE_RESERVED). ${deviceNote}`,
      tag: 'modules',
      auth: 'RegistryWrite',
      deviceAccess: true,
      params,
      headers: [{ name: 'If-Match', description: '`*` (or absent): delete unconditionally. An etag: delete only if unchanged (else 412).' }],
      responses: { 204: { description: 'Deleted.' } },
      handler: async (req, reply) => {
        await deps.modules.deleteModule(param(req, 'id'), param(req, 'mid'), parseIfMatch(header(req, 'if-match')));
        return reply.status(204).send();
      },
    },
  ];
}
