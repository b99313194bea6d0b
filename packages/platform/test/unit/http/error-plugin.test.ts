import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { VergeError } from '@verge/contracts';
import { errorHandlerPlugin, formatIssuePath, parseOrThrow, toErrorResponse } from '../../../src/index.js';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

async function build(decorate = false): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 64 });
  apps.push(app);
  await app.register(errorHandlerPlugin, decorate ? { decorateBody: (b, s) => ({ ...b, Message: `ErrorCode:${b.code};${b.message}`, s }) } : {});
  app.get('/verge', () => {
    throw new VergeError('CLD_DEVICE_NOT_FOUND', 'device "d1" is not registered', { details: { deviceId: 'd1' } });
  });
  app.get('/zod', () => z.object({ a: z.object({ b: z.array(z.number()) }) }).parse({ a: { b: [1, 'x'] } }));
  app.post('/parse', (req) => parseOrThrow(z.object({ name: z.string().min(1) }), req.body, 'request body'));
  app.get('/boom', () => {
    throw new Error('secret internals');
  });
  app.post('/json', (req) => req.body);
  return app;
}

describe('errorHandlerPlugin', () => {
  it('maps a VergeError to its status and { code, message, details }', async () => {
    const res = await (await build()).inject({ method: 'GET', url: '/verge' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({ code: 'CLD_DEVICE_NOT_FOUND', message: 'device "d1" is not registered', details: { deviceId: 'd1' } });
  });

  it('maps a raw zod failure to 400 VALIDATION_FAILED with issue paths', async () => {
    const res = await (await build()).inject({ method: 'GET', url: '/zod' });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.message).toBe('request is invalid: a.b[1]: Invalid input: expected number, received string');
    expect(body.details.issues).toEqual([{ path: 'a.b[1]', message: 'Invalid input: expected number, received string', code: 'invalid_type' }]);
  });

  it('parseOrThrow names where the input failed', async () => {
    const res = await (await build()).inject({ method: 'POST', url: '/parse', payload: { name: '' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toBe('request body is invalid: name: Too small: expected string to have >=1 characters');
  });

  it('hides unknown errors behind a generic 500', async () => {
    const res = await (await build()).inject({ method: 'GET', url: '/boom' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ code: 'INTERNAL_ERROR', message: 'internal error; the server log has the details' });
    expect(res.body).not.toContain('secret');
  });

  it.each([
    ['malformed JSON', { 'content-type': 'application/json' }, '{"a":', 400, 'HTTP_BODY_MALFORMED'],
    ['empty JSON body', { 'content-type': 'application/json' }, '', 400, 'HTTP_BODY_MALFORMED'],
    ['body over the limit', { 'content-type': 'application/json' }, JSON.stringify({ a: 'x'.repeat(100) }), 413, 'HTTP_BODY_TOO_LARGE'],
    ['unsupported media type', { 'content-type': 'application/xml' }, '<a/>', 415, 'HTTP_MEDIA_TYPE_UNSUPPORTED'],
  ])('maps fastify client errors: %s', async (_name, headers, payload, status, code) => {
    const res = await (await build()).inject({ method: 'POST', url: '/json', headers, payload });
    expect(res.statusCode).toBe(status);
    expect(res.json().code).toBe(code);
  });

  it('answers unknown routes with HTTP_ROUTE_NOT_FOUND naming method and path', async () => {
    const res = await (await build()).inject({ method: 'DELETE', url: '/nope?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ code: 'HTTP_ROUTE_NOT_FOUND', message: 'no route DELETE /nope' });
  });

  it('lets the service decorate every error body', async () => {
    const app = await build(true);
    expect((await app.inject({ method: 'GET', url: '/verge' })).json()).toMatchObject({
      code: 'CLD_DEVICE_NOT_FOUND',
      Message: 'ErrorCode:CLD_DEVICE_NOT_FOUND;device "d1" is not registered',
      s: 404,
    });
    expect((await app.inject({ method: 'GET', url: '/x' })).json()).toMatchObject({ Message: 'ErrorCode:HTTP_ROUTE_NOT_FOUND;no route GET /x' });
  });
});

describe('toErrorResponse / formatIssuePath', () => {
  it('flags only unknown failures as internal', () => {
    expect(toErrorResponse(new VergeError('CLD_METHOD_TIMEOUT', 't')).internal).toBe(false);
    expect(toErrorResponse(new TypeError('x')).internal).toBe(true);
    expect(toErrorResponse('a string').status).toBe(500);
  });
  it.each([
    [[], '(root)'],
    [['a'], 'a'],
    [['a', 0, 'b'], 'a[0].b'],
    [[0, 1], '[0][1]'],
  ] as [PropertyKey[], string][])('formats %j as %s', (path, text) => expect(formatIssuePath(path)).toBe(text));
});
