import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNodeFetch } from '../../src/http/node-fetch.js';

let server: Server;
let base: string;
let handler: (req: IncomingMessage, body: string, res: ServerResponse) => void;

beforeEach(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);

describe('createNodeFetch', () => {
  it('sends method, headers and body; returns status, headers and body', async () => {
    handler = (req, body, res) => {
      res.writeHead(201, 'Made', { 'Content-Type': 'application/json', 'x-ms-continuation': 'tok' });
      res.end(JSON.stringify({ method: req.method, url: req.url, h: req.headers['if-match'], len: req.headers['content-length'], body }));
    };
    const fetch = createNodeFetch({});
    const res = await fetch(`${base}/a/b?x=1`, { method: 'PUT', headers: { 'If-Match': '"*"' }, body: 'héllo' });
    expect([res.status, res.statusText, res.headers.get('x-ms-continuation')]).toEqual([201, 'Made', 'tok']);
    expect(await res.json()).toEqual({ method: 'PUT', url: '/a/b?x=1', h: '"*"', len: '6', body: 'héllo' });
  });

  it('204 has a null body', async () => {
    handler = (_req, _body, res) => res.writeHead(204).end();
    const res = await createNodeFetch({})(`${base}/`, { method: 'DELETE', headers: {} });
    expect([res.status, res.body, await res.text()]).toEqual([204, null, '']);
  });

  it('streams the body as it arrives and stops on abort', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.write('data: one\n\n');
    };
    const controller = new AbortController();
    const res = await createNodeFetch({})(`${base}/events`, { method: 'GET', headers: {}, signal: controller.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('data: one\n\n');
    controller.abort();
    await expect(reader.read()).rejects.toThrow();
  });

  it('a refused connection rejects with the cause', async () => {
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await expect(createNodeFetch({})(`http://127.0.0.1:${port}/`, { method: 'GET', headers: {} })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    server.listen(0, '127.0.0.1');
  });
});
