import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '@verge/testkit';
import { pingDockerEngine } from '../../../src/docker-ping.js';

// `--runtime auto` probes the engine with plain node:http so that a host without Docker never loads dockerode
// (issue 8, idle RSS). An engine on a unix socket that answers 200 is up; anything else is a reason, never a throw.

describe('pingDockerEngine', () => {
  const tmp = tempDir('verge-docker-ping-');
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
  });

  async function engine(status: number | 'silent'): Promise<string> {
    const socketPath = join(tmp.dir, `docker-${servers.length}.sock`);
    const server = createServer((req, res) => {
      if (status === 'silent') return;
      res.writeHead(req.url === '/_ping' ? status : 404).end('OK');
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    return socketPath;
  }

  it('answers undefined when GET /_ping answers 200', async () => {
    expect(await pingDockerEngine({ socketPath: await engine(200) }, 2_000)).toBeUndefined();
  });

  it('names the status when the engine answers something else', async () => {
    expect(await pingDockerEngine({ socketPath: await engine(500) }, 2_000)).toBe('GET /_ping answered 500');
  });

  it('names the error when nothing listens on the socket', async () => {
    expect(await pingDockerEngine({ socketPath: join(tmp.dir, 'absent.sock') }, 2_000)).toMatch(/ENOENT/);
  });

  it('gives up after the timeout when the engine never answers', async () => {
    const socketPath = await engine('silent');
    expect(await pingDockerEngine({ socketPath }, 100)).toBe('no answer within 100 ms');
  });
});
