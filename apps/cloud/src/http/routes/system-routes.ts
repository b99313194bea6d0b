import { z } from 'zod';
import { HealthDtoSchema } from '@verge/contracts';
import type { ApiRoute } from '../api-route.js';
import type { ApiDeps } from '../api-deps.js';

/** `/healthz` and `/openapi.json` (both anonymous). */
export function systemRoutes(deps: ApiDeps, openApi: () => unknown): ApiRoute[] {
  return [
    {
      method: 'GET',
      url: '/healthz',
      operationId: 'health',
      summary: 'Health: 200 once every listener (HTTP, HTTPS, MQTT) is up, 503 while starting or stopping',
      tag: 'system',
      auth: 'anonymous',
      responses: { 200: { description: 'Every listener is up.', schema: HealthDtoSchema }, 503: { description: 'Starting or stopping.', schema: HealthDtoSchema } },
      handler: (_req, reply) => {
        const health = deps.health();
        return reply.status(health.status === 'ok' ? 200 : 503).send(health);
      },
    },
    {
      method: 'GET',
      url: '/openapi.json',
      operationId: 'openApi',
      summary: 'This OpenAPI 3.1 document',
      tag: 'system',
      auth: 'anonymous',
      responses: { 200: { description: 'The OpenAPI document.', schema: z.record(z.string(), z.unknown()) } },
      handler: () => openApi(),
    },
  ];
}
