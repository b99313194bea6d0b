import { z } from 'zod';
import { ConfigurationDtoSchema, ConfigurationInputDtoSchema, ConfigurationMetricDevicesDtoSchema } from '@verge/contracts';
import { parseOrThrow } from '@verge/platform';
import { parseIfMatch } from '../../services/identity-values.js';
import { header, param, type ApiRoute } from '../api-route.js';
import type { ApiDeps } from '../api-deps.js';

const idParam = { id: 'Deployment (configuration) id (URL-encoded).' };

const ListQuerySchema = z.looseObject({
  top: z.coerce.number().int().min(1).max(1000).optional().meta({ description: 'At most this many deployments (default all, at most 100 exist).' }),
});

const metricsNote =
  '`systemMetrics.results` (targetedCount, appliedCount, reportedSuccessfulCount, reportedFailedCount, reference §10.4) and `metrics.results` (one count per custom query) are computed on read, cached until a twin, device or deployment changes; the device ids behind them are at `GET /configurations/{id}/metrics`.';

/**
 * `/configurations` routes: automatic IoT Edge deployments (IoT Hub "Configuration - Create Or Update / Get / Get
 * Configurations / Delete"), as azure-iothub's `Registry.addConfiguration`, `getConfiguration(s)`,
 * `updateConfiguration` and `removeConfiguration` call them.
 */
export function configurationRoutes(deps: ApiDeps): ApiRoute[] {
  return [
    {
      method: 'PUT',
      url: '/configurations/:id',
      operationId: 'createOrUpdateConfiguration',
      summary: 'Create or update an automatic deployment',
      description:
        'Without `If-Match`: create (409 CLD_CONFIGURATION_ALREADY_EXISTS if the id exists). With `If-Match` (the etag, or `*` as `updateConfiguration(c, true)` sends): update targetCondition, priority, labels, metrics and rollout (412 on a stale etag); `id` and `content` never change (400 CLD_CONFIGURATION_IMMUTABLE). A standard deployment\'s content is checked as a deployment manifest, a layered one\'s (`properties.desired.<path>` keys) structurally; at most 5 custom metrics and 100 deployments. Verge: an optional top-level `rollout` staged-rollout policy.',
      tag: 'configurations',
      auth: 'RegistryWrite',
      params: idParam,
      headers: [{ name: 'If-Match', description: 'Absent: create. `*`: update whatever is there (or create). An etag: update only if unchanged (else 412).' }],
      body: { schema: ConfigurationInputDtoSchema },
      responses: { 200: { description: 'The deployment as stored.', schema: ConfigurationDtoSchema } },
      handler: async (req) => {
        const input = parseOrThrow(ConfigurationInputDtoSchema, req.body, 'request body');
        return deps.deployments.put(param(req, 'id'), input, parseIfMatch(header(req, 'if-match')));
      },
    },
    {
      method: 'GET',
      url: '/configurations/:id',
      operationId: 'getConfiguration',
      summary: 'Get an automatic deployment with its metrics',
      description: metricsNote,
      tag: 'configurations',
      auth: 'RegistryRead',
      params: idParam,
      responses: { 200: { description: 'The deployment.', schema: ConfigurationDtoSchema } },
      handler: (req) => deps.deployments.get(param(req, 'id')),
    },
    {
      method: 'GET',
      url: '/configurations',
      operationId: 'listConfigurations',
      summary: 'List automatic deployments, ordered by id',
      description: metricsNote,
      tag: 'configurations',
      auth: 'RegistryRead',
      query: ListQuerySchema,
      responses: { 200: { description: 'The deployments.', schema: z.array(ConfigurationDtoSchema) } },
      handler: (req) => deps.deployments.list(parseOrThrow(ListQuerySchema, req.query, 'query string').top),
    },
    {
      method: 'GET',
      url: '/configurations/:id/metrics',
      operationId: 'getConfigurationMetricDevices',
      summary: 'The device ids behind every metric of a deployment (Verge)',
      tag: 'configurations',
      auth: 'RegistryRead',
      params: idParam,
      responses: { 200: { description: 'Device ids per system and custom metric, sorted.', schema: ConfigurationMetricDevicesDtoSchema } },
      handler: (req) => deps.deployments.metricDevices(param(req, 'id')),
    },
    {
      method: 'DELETE',
      url: '/configurations/:id',
      operationId: 'deleteConfiguration',
      summary: 'Delete an automatic deployment',
      description: 'Modules it deployed stay on the devices until another deployment applies (reference §10.2); the devices\' `$edgeAgent` statuses drop it.',
      tag: 'configurations',
      auth: 'RegistryWrite',
      params: idParam,
      headers: [{ name: 'If-Match', description: '`*` (or absent): delete unconditionally. An etag: delete only if unchanged (else 412).' }],
      responses: { 204: { description: 'Deleted.' } },
      handler: async (req, reply) => {
        await deps.deployments.delete(param(req, 'id'), parseIfMatch(header(req, 'if-match')));
        return reply.status(204).send();
      },
    },
  ];
}
