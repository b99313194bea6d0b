import { connect as netConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EdgeHub } from '@verge/edge';
import { eventually, tempDir } from '@verge/testkit';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { createTestEdgeCa, registerHubIdentities, standaloneHubDeps, startStandaloneHub } from '@verge/testkit/edge';
import { httpsCall } from '@verge/testkit/faults';

// The hub's HTTPS port (direct methods, MQTT over WebSockets) is a second way in to its MQTT server, reachable by
// leaf devices' networks. Sockets that never start TLS were held for Node's 120 s handshake timeout, as many as one
// address opened, while the MQTT port refuses such floods: anyone could run the runtime out of file descriptors. The
// MQTT server's limits now hold here too (a short handshake timeout and a limit per address, small in this test).

const PER_ADDRESS = 20;
const HANDSHAKE_MS = 1_000;

describe('edge hub HTTPS port: connection floods', () => {
  const tmp = tempDir('verge-https-flood-');
  let t: TestCloud;
  let hub: EdgeHub | undefined;
  let httpsPort = 0;
  let ca = '';

  beforeAll(async () => {
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    const ids = await registerHubIdentities(t, { edgeId: 'edge-flood', leafId: 'leaf-flood' });
    const edgeCa = await createTestEdgeCa();
    ca = edgeCa.certificatePem;
    const base = standaloneHubDeps(t, ids, { dataDir: join(tmp.dir, 'hub'), edgeCa, mqttLimits: { maxConnectionsPerAddress: PER_ADDRESS, tlsHandshakeTimeoutMs: HANDSHAKE_MS } });
    hub = (await startStandaloneHub({ ...base, options: { ...base.options, httpsPort: 0 } })).hub;
    httpsPort = hub.status().httpsPort ?? 0;
  });

  afterAll(async () => {
    await hub?.stop();
    await t?.cloud.stop();
    tmp.cleanup();
  });

  /** Opens `n` TCP connections that send nothing; resolves once each is connected or closed. */
  async function silentSockets(n: number): Promise<{ sockets: Socket[]; closed: () => number }> {
    let closed = 0;
    const sockets = await Promise.all(
      Array.from({ length: n }, () =>
        new Promise<Socket>((resolve) => {
          const s = netConnect(httpsPort, '127.0.0.1');
          s.on('error', () => undefined);
          s.once('close', () => closed++);
          s.once('connect', () => resolve(s));
          s.once('close', () => resolve(s));
        }),
      ),
    );
    return { sockets, closed: () => closed };
  }

  it('closes connections beyond the per-address limit at once, and silent ones after the handshake timeout', async () => {
    const flood = await silentSockets(PER_ADDRESS + 10);
    try {
      await eventually(() => flood.closed() >= 10, { description: 'the connections beyond the per-address limit to be closed', timeoutMs: 5_000, intervalMs: 20 });
      await eventually(() => flood.closed() === PER_ADDRESS + 10, { description: 'the silent connections to be closed at the handshake timeout', timeoutMs: 10_000, intervalMs: 100 });
    } finally {
      for (const s of flood.sockets) s.destroy();
    }
  });

  it('still answers a direct-method request once the flood is gone (control)', async () => {
    const answer = await eventually(
      async () => {
        const a = await httpsCall(`https://127.0.0.1:${httpsPort}/twins/edge-flood/modules/m/methods?api-version=2018-06-30`, { ca, servername: 'localhost', method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        return a.status === 401 ? a : undefined;
      },
      { description: 'the HTTPS port to answer (401 without a token)', timeoutMs: 10_000 },
    );
    expect(answer.status).toBe(401);
  });
});
