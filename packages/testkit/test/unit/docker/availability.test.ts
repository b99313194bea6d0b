import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createNetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, onTestFinished, test } from 'vitest';
import { dockerAvailability } from '@verge/testkit/docker';

// These talk to stand-ins on unix sockets in a temp dir, never to a real engine: they pin down how each way of
// not answering is reported, and that a client reaches the socket DOCKER_HOST names.
describe('dockerAvailability', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'verge-docker-availability-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('no socket: unavailable, and the reason names DOCKER_HOST and the error', async () => {
    const socket = join(dir, 'absent.sock');
    const result = await dockerAvailability({ env: { DOCKER_HOST: `unix://${socket}` } });
    expect(result).toEqual({
      available: false,
      endpoint: `DOCKER_HOST=unix://${socket}`,
      reason: `no Docker engine answered at DOCKER_HOST=unix://${socket}: connect ENOENT ${socket}`,
    });
  });

  test('an engine that accepts but never answers is unavailable after the timeout', async () => {
    const socket = join(dir, 'hung.sock');
    const open: Socket[] = [];
    const server = createNetServer((connection) => open.push(connection));
    await listen(server, socket);
    onTestFinished(() => {
      for (const connection of open) connection.destroy();
      server.close();
    });
    const started = performance.now();
    const result = await dockerAvailability({ env: { DOCKER_HOST: `unix://${socket}` }, timeoutMs: 200 });
    expect(result.available).toBe(false);
    expect(result.available === false && result.reason).toMatch(new RegExp(`^no Docker engine answered at DOCKER_HOST=unix://${socket}: .*time`, 'i'));
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  test('an endpoint answering /_ping is available, and the client talks to that socket', async () => {
    const socket = join(dir, 'engine.sock');
    const paths: string[] = [];
    const server = createServer((request, response) => {
      paths.push(`${request.method} ${request.url}`);
      response.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
    });
    await listen(server, socket);
    onTestFinished(() => void server.close());
    const result = await dockerAvailability({ env: { DOCKER_HOST: `unix://${socket}`, DOCKER_TLS_VERIFY: '1' } });
    expect(result.available).toBe(true);
    if (!result.available) return;
    expect(result.endpoint).toBe(`DOCKER_HOST=unix://${socket}`);
    expect(await result.docker.ping()).toEqual(Buffer.from('OK'));
    expect(paths).toEqual(['GET /_ping', 'GET /_ping']);
  });

  test('an endpoint the testkit cannot use is unavailable without any connection attempt', async () => {
    expect(await dockerAvailability({ env: { DOCKER_HOST: 'ssh://me@host' } })).toEqual({
      available: false,
      endpoint: 'DOCKER_HOST=ssh://me@host',
      reason: 'DOCKER_HOST=ssh://me@host uses a scheme the testkit does not support (use unix:// or tcp://)',
    });
  });
});

function listen(server: Server | ReturnType<typeof createNetServer>, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
}
