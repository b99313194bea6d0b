import { z } from 'zod';
import { HealthDtoSchema, ReadinessDtoSchema, type ReadinessDto } from '@verge/contracts';
import type { ApiRoute } from '../api-route.js';
import type { ApiDeps } from '../api-deps.js';

/** `/healthz`, `/health/live`, `/health/ready` and `/openapi.json` (all anonymous). */
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
      url: '/health/live',
      operationId: 'healthLive',
      summary: 'Liveness: 200 while the process serves HTTP (starting, running or draining)',
      tag: 'system',
      auth: 'anonymous',
      responses: { 200: { description: 'The process answers.', schema: LiveDtoSchema } },
      handler: () => ({ status: deps.health().status }),
    },
    {
      method: 'GET',
      url: '/health/ready',
      operationId: 'healthReady',
      summary: 'Readiness for a load balancer: 200 when the store and bus answer, every listener is up and the instance is not draining; else 503',
      tag: 'system',
      auth: 'anonymous',
      responses: { 200: { description: 'Ready for new connections.', schema: ReadinessDtoSchema }, 503: { description: 'Not ready.', schema: ReadinessDtoSchema } },
      handler: async (_req, reply) => {
        const readiness = await (deps.readiness ?? (() => Promise.resolve(fromHealth(deps))))();
        return reply.status(readiness.ready ? 200 : 503).send(readiness);
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

const LiveDtoSchema = z.object({ status: HealthDtoSchema.shape.status });

/** Readiness of an app built without probes (tests): the phase and the listeners only. */
function fromHealth(deps: ApiDeps): ReadinessDto {
  const health = deps.health();
  const listeners = Object.values(health.listeners).every((l) => l.up) ? 'ok' : 'failed';
  return {
    ready: health.status === 'ok' && listeners === 'ok',
    status: health.status,
    checks: { store: 'notConfigured', bus: 'notConfigured', blobStore: 'notConfigured', listeners, draining: health.status === 'stopping' },
  };
}
