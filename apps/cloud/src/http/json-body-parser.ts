import type { FastifyInstance } from 'fastify';

/**
 * Replaces fastify's JSON body parser with one that reads an empty body as no body. Azure's Java service SDK sends
 * `Content-Type: application/json; charset=utf-8` on every request (its `DeviceOperations.request`), so its
 * body-less DELETEs (RegistryManager.removeDevice, removeModule) and POSTs (JobClient.cancelJob) arrive with an
 * empty JSON body, which fastify refuses with 400; IoT Hub serves them. A non-empty body is parsed by fastify's own
 * parser with its prototype-poisoning checks (`error`, fastify's defaults); a route that needs a body still refuses
 * the missing one when it validates it.
 */
export function acceptEmptyJsonBodies(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text === '') {
      done(null, undefined);
      return;
    }
    parseJson(request, text, done);
  });
}
