import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { openApiPath } from '../../../src/http/openapi.js';
import { createTestApi, type TestApi } from '../../helpers/fixtures.js';

let t: TestApi;
afterEach(async () => t?.closeAll());

type Doc = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, unknown> } };
type Operation = { operationId: string; parameters: { name: string; in: string; schema: unknown }[]; responses: Record<string, { content?: Record<string, { schema: unknown }> }>; requestBody?: { content: Record<string, { schema: unknown }> }; security: unknown[] };

// Ajv 8 with the 2020-12 dialect, resolved from fastify's own schema compiler (no extra dependency).
const Ajv2020 = createRequire(createRequire(import.meta.url).resolve('@fastify/ajv-compiler'))('ajv/dist/2020') as {
  default: new (o: object) => { compile(s: unknown): unknown };
};

async function doc(): Promise<Doc> {
  t = await createTestApi();
  await t.api.app.ready();
  const res = await t.api.app.inject({ method: 'GET', url: '/openapi.json' });
  expect(res.statusCode).toBe(200);
  return res.json() as Doc;
}

// Each test builds a whole test API and compiles every route's schemas (53 routes and counting): about 1-4 s alone,
// past vitest's default 5 s on a loaded 2-core CI machine; hence the longer timeout.
describe('GET /openapi.json', { timeout: 30_000 }, () => {
  it('is an OpenAPI 3.1 document covering every registered route and nothing else', async () => {
    const d = await doc();
    expect(d.openapi).toBe('3.1.0');
    const documented = Object.entries(d.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)).sort();
    const served = t.api.registered.map((r) => `${r.method} ${openApiPath(r.url)}`).sort();
    expect(documented).toEqual(served);
    expect(served).toEqual(
      [
        'DELETE /devices/{id}',
        'DELETE /configurations/{id}',
        'GET /configurations',
        'GET /configurations/{id}',
        'GET /configurations/{id}/metrics',
        'GET /configurations/{id}/rollout',
        'PUT /configurations/{id}',
        'DELETE /devices/{id}/modules/{mid}',
        'GET /devices',
        'GET /devices/{id}',
        'GET /devices/{id}/modules',
        'GET /devices/{id}/modules/{mid}',
        'GET /devices/{id}/scope',
        'POST /devices/{id}/modules/{mid}/devicesAndModulesInDeviceScope',
        'GET /events',
        'GET /events/changes',
        'GET /health/live',
        'GET /health/ready',
        'GET /healthz',
        'GET /messages',
        'GET /metrics',
        'GET /openapi.json',
        'GET /statistics/devices',
        'GET /twins/{id}',
        'GET /twins/{id}/modules/{mid}',
        'PATCH /twins/{id}',
        'PATCH /twins/{id}/modules/{mid}',
        'POST /devices/query',
        'POST /devices/{id}/applyConfigurationContent',
        'GET /devices/{id}/effective',
        'POST /configurations/plan',
        'POST /configurations/{id}/plan',
        'POST /configurations/{id}/rollout/abort',
        'POST /configurations/{id}/rollout/pause',
        'POST /configurations/{id}/rollout/resume',
        'POST /devices/{id}/messages/deviceBound',
        'POST /twins/{id}/methods',
        'POST /twins/{id}/modules/{mid}/methods',
        'PUT /devices/{id}',
        'PUT /devices/{id}/modules/{mid}',
        'PUT /twins/{id}',
        'PUT /twins/{id}/modules/{mid}',
        'POST /devices',
        'PUT /jobs/v2/{id}',
        'GET /jobs/v2/{id}',
        'GET /jobs/v2/{id}/devices',
        'POST /jobs/v2/{id}/cancel',
        'GET /jobs/v2/query',
        'POST /devices/{id}/files',
        'POST /devices/{id}/files/notifications',
        'POST /devices/{id}/files/notifications/{correlationId}',
        'GET /files/blobs',
        'GET /files/blob',
        'GET /files/notifications',
        'POST /files/sas',
      ].sort(),
    );
  });

  it('declares every path parameter, unique operation ids, security, and valid JSON Schemas', async () => {
    const d = await doc();
    const ajv = new Ajv2020.default({ strict: false, validateFormats: false });
    const ids = new Set<string>();
    for (const [path, ops] of Object.entries(d.paths)) {
      const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(ops)) {
        expect(ids.has(op.operationId), `${method} ${path} reuses ${op.operationId}`).toBe(false);
        ids.add(op.operationId);
        expect(op.parameters.filter((p) => p.in === 'path').map((p) => p.name)).toEqual(pathParams);
        expect(op.parameters.some((p) => p.name === 'api-version' && p.in === 'query')).toBe(true);
        expect(Object.keys(op.responses)).toContain('default');
        const schemas = [...op.parameters.map((p) => p.schema), ...Object.values(op.requestBody?.content ?? {}).map((c) => c.schema), ...Object.values(op.responses).flatMap((r) => Object.values(r.content ?? {}).map((c) => c.schema))];
        for (const s of schemas) expect(() => ajv.compile(s), `${method} ${path}`).not.toThrow();
        // The device side of file upload checks the device's own SAS token in its handler (any device, not only edge).
        const anonymous = ['/healthz', '/health/live', '/health/ready', '/openapi.json', '/devices/{id}/files', '/devices/{id}/files/notifications', '/devices/{id}/files/notifications/{correlationId}'].includes(path);
        // The device-scoped routes of docs/edge-cloud.md also take the edge device's own token.
        const deviceScoped = [
          'get /devices/{id}/modules',
          'put /devices/{id}/modules/{mid}',
          'delete /devices/{id}/modules/{mid}',
          'get /devices/{id}/scope',
          'post /devices/{id}/modules/{mid}/devicesAndModulesInDeviceScope',
        ].includes(`${method} ${path}`);
        expect(op.security).toEqual(anonymous ? [] : deviceScoped ? [{ sharedAccessSignature: [] }, { edgeDeviceSignature: [] }] : [{ sharedAccessSignature: [] }]);
      }
    }
    expect(d.components.securitySchemes).toHaveProperty('sharedAccessSignature');
    expect(d.components.securitySchemes).toHaveProperty('edgeDeviceSignature');
  });

  it('documents the IoT Hub headers of identity, query and C2D routes', async () => {
    const d = await doc();
    const names = (path: string, method: string) => d.paths[path]?.[method]?.parameters.map((p) => p.name) ?? [];
    expect(names('/devices/{id}', 'put')).toContain('If-Match');
    expect(names('/devices/query', 'post')).toEqual(expect.arrayContaining(['x-ms-max-item-count', 'x-ms-continuation']));
    expect(names('/devices/{id}/messages/deviceBound', 'post')).toEqual(
      expect.arrayContaining(['iothub-messageid', 'iothub-correlationid', 'iothub-expiry', 'iothub-app-{name}']),
    );
    expect(d.paths['/devices/{id}']?.['put']?.requestBody?.content['application/json']?.schema).toMatchObject({ type: 'object', required: ['deviceId'] });
  });
});
