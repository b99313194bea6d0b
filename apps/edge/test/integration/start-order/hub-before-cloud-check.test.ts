import { writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { ServerResponse } from 'node:http';
import { connect as tlsConnect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEdge, type RunningEdge } from '@verge/edge';
import { createCa, createLogger, issueServerCert } from '@verge/platform';
import { eventually, freePort, tempDir } from '@verge/testkit';

// Issue 8, restart-to-accept: the hub listens before the start-up credential check has an answer from the cloud (the
// check runs in parallel), and a refusal that arrives after the hub listened still fails the start and closes it.
// The "cloud" is an HTTPS server that holds the check's request until the test answers it.

const KEY = Buffer.alloc(32, 7).toString('base64');

interface HeldCloud {
  readonly url: string;
  readonly caPath: string;
  /** Resolves with the response of the first request once it arrived (the request stays unanswered). */
  readonly held: Promise<ServerResponse>;
  close(): Promise<void>;
}

async function startHeldCloud(dir: string): Promise<HeldCloud> {
  const ca = await createCa({ commonName: 'held cloud CA', validityDays: 2 });
  const cert = await issueServerCert({ ca, commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityDays: 1 });
  const caPath = join(dir, 'cloud-ca.pem');
  writeFileSync(caPath, ca.certificatePem);
  let hold: ((res: ServerResponse) => void) | undefined;
  const held = new Promise<ServerResponse>((resolve) => (hold = resolve));
  // The first request (the start-up check) is held; later ones (identity sync, device scope) get 503 at once.
  const server: Server = createHttpsServer({ cert: cert.chainPem, key: cert.privateKeyPem }, (_req, res) => {
    if (hold === undefined) {
      res.writeHead(503).end();
      return;
    }
    hold(res);
    hold = undefined;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `https://localhost:${port}`,
    caPath,
    held,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** True once a TCP connection to the port is accepted. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

describe('start order: the hub listens while the credential check waits for the cloud', () => {
  const tmp = tempDir('verge-start-order-');
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function startAgainstHeldCloud(name: string): Promise<{ cloud: HeldCloud; mqttPort: number; started: Promise<RunningEdge> }> {
    const cloud = await startHeldCloud(join(tmp.dir));
    cleanups.push(() => cloud.close());
    const cloudMqtt = await freePort(); // nothing listens: the agent and the upstream stay offline
    const mqttPort = await freePort();
    const started = startEdge(
      {
        connectionString: `HostName=localhost;DeviceId=${name};SharedAccessKey=${KEY};GatewayHostName=localhost:${cloudMqtt}`,
        cloudCaFile: cloud.caPath,
        cloudApiUrl: cloud.url,
        dataDir: join(tmp.dir, name),
        hostname: 'localhost',
        bindAddress: '127.0.0.1',
        mqttPort,
        httpsPort: 0,
        runtime: 'process',
        processUser: 'runtime',
        logLevel: 'warn',
      },
      { log: createLogger({ service: 'edge', level: 'silent' }) },
    );
    cleanups.push(async () => (await started.catch(() => undefined))?.stop());
    return { cloud, mqttPort, started };
  }

  it('accepts connections before the cloud answered, and finishes the start once it accepts the credentials', async () => {
    const { cloud, mqttPort, started } = await startAgainstHeldCloud('edge-held-ok');
    const res = await cloud.held;
    await eventually(async () => expect(await accepts(mqttPort)).toBe(true), { description: 'the hub to accept a connection while the check is unanswered', timeoutMs: 20_000, intervalMs: 20 });
    let settled = false;
    void started.then(() => (settled = true), () => (settled = true));
    expect(settled).toBe(false);
    res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
    const edge = await started;
    expect(edge.ports.mqtt).toBe(mqttPort);
  });

  it('still fails the start when the cloud refuses the credentials after the hub listened, and closes the hub', async () => {
    const { cloud, mqttPort, started } = await startAgainstHeldCloud('edge-held-refused');
    const res = await cloud.held;
    await eventually(async () => expect(await accepts(mqttPort)).toBe(true), { description: 'the hub to accept a connection while the check is unanswered', timeoutMs: 20_000, intervalMs: 20 });
    res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'CLD_UNAUTHORIZED', message: 'bad key' }));
    await expect(started).rejects.toMatchObject({ code: 'EDGE_CLOUD_CREDENTIALS_REJECTED' });
    expect(await accepts(mqttPort)).toBe(false);
  });
});
