import { randomInt } from 'node:crypto';
import type { RequestOptions } from 'node:https';
import { connect as netConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSasToken, deriveModuleKey } from '@verge/core';
import type { EdgeHub } from '@verge/edge';
import { eventually, tempDir } from '@verge/testkit';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { createTestEdgeCa, registerHubIdentities, standaloneHubDeps, startStandaloneHub, type HubIdentities } from '@verge/testkit/edge';
import { httpsCall } from '@verge/testkit/faults';
import { sasCredentials } from '@verge/testkit/mqtt';

// Issue 8 follow-up: the hub serves its HTTPS port (direct methods, MQTT over WebSockets) on a module network's
// gateway address too (`listenForModules`), at 443 whatever `--https-port` is, since the SDK dials 443 fixed.
// A random 127.x.y.z address stands for the bridge's gateway (tests stay on loopback; Linux routes all of 127/8
// to lo): fixed ports on it clash with no other test (127.0.0.1:443 and :8883 of hub-methods-websockets included,
// no test binds the wildcard address). The renewal is forced with a short-lived edge CA as in
// test/faults/hub-cert-renewal.test.ts: the hub certificate is clamped to the CA's expiry, so its renewal point
// (two thirds of its validity, which starts 5 min in the past) comes RENEW_AFTER_SEC after the start.

const EDGE_ID = 'edge-mnet';
const LEAF_ID = 'leaf-mnet';
const GENERATION = 'gen-a';
const RENEW_AFTER_SEC = 10;
const CA_VALIDITY_SEC = 1.5 * (RENEW_AFTER_SEC + 100);
const GATEWAY = `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;

describe('edge hub on a module network gateway address: HTTPS (methods, MQTT over WebSockets), renewal, shutdown', () => {
  const tmp = tempDir('verge-mnet-');
  let t: TestCloud;
  let ids: HubIdentities;
  let hub: EdgeHub | undefined;
  let ca: string;
  let mainTls: number;
  let mainHttps: number;

  const moduleKey = (): string => deriveModuleKey(ids.edgeKey, 'modA', GENERATION, 'primary');

  beforeAll(async () => {
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    ids = await registerHubIdentities(t, { edgeId: EDGE_ID, leafId: LEAF_ID });
    const edgeCa = await createTestEdgeCa(CA_VALIDITY_SEC / 86_400);
    ca = edgeCa.certificatePem;
    const base = standaloneHubDeps(t, ids, {
      dataDir: join(tmp.dir, 'hub'),
      edgeCa,
      resolveModule: (m) => (m === '$edgeHub' ? { generationId: ids.hubGenerationId } : m === 'modA' ? { generationId: GENERATION } : undefined),
    });
    const started = await startStandaloneHub({ ...base, options: { ...base.options, httpsPort: 0 } });
    hub = started.hub;
    mainTls = started.port;
    mainHttps = hub.status().httpsPort ?? 0;
    await hub.listenForModules(GATEWAY);
  });

  afterAll(async () => {
    await hub?.stop();
    await t?.cloud.stop();
    tmp.cleanup();
  });

  it('answers a direct method call on gateway:443 over TLS with the hub certificate (the target is not connected: 404)', async () => {
    expect(mainHttps).not.toBe(443);
    const token = createSasToken({ resource: `${t.api.hostName}/devices/${EDGE_ID}/modules/modA`, key: moduleKey(), expirySec: Math.floor(Date.now() / 1000) + 600 });
    const body = JSON.stringify({ methodName: 'echo', payload: null, responseTimeoutInSeconds: 5, connectTimeoutInSeconds: 0 });
    const answer = await httpsCall(`https://${GATEWAY}:443/twins/${EDGE_ID}/modules/modB/methods?api-version=2018-06-30`, {
      ca,
      servername: 'localhost',
      method: 'POST',
      headers: { authorization: token, 'content-type': 'application/json' },
      body,
    });
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.text)).toMatchObject({ errorCode: 404103, Message: expect.stringMatching(/^ErrorCode:DeviceNotOnline;/) });
    expect(await servedFingerprint(GATEWAY, 443)).toBe(await servedFingerprint('127.0.0.1', mainHttps));
  });

  it('serves MQTT over WebSockets on gateway:443 (wss://…/$iothub/websocket): a module connects', async () => {
    const creds = sasCredentials({ host: t.api.hostName, clientId: `${EDGE_ID}/modA`, key: moduleKey() });
    // The certificate names `localhost`, not the address: ws hands these TLS options to https.request.
    const wsOptions: RequestOptions = { servername: 'localhost' };
    const client = await mqtt.connectAsync(`wss://${GATEWAY}:443/$iothub/websocket`, {
      clientId: creds.clientId,
      username: creds.username,
      password: creds.password,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      ca,
      rejectUnauthorized: true,
      wsOptions,
    });
    try {
      expect(client.connected).toBe(true);
      await eventually(() => hub?.status().connectedClients === 1, { description: 'the hub to count the WebSocket client', timeoutMs: 5_000 });
    } finally {
      await client.endAsync(true);
    }
  });

  it('serves the renewed certificate on gateway:443 and gateway:8883, as on the main listeners', async () => {
    const before = await servedFingerprint(GATEWAY, 443);
    expect(await servedFingerprint(GATEWAY, 8883)).toBe(before);
    // Real time: the renewal comes RENEW_AFTER_SEC after the start (the short-lived CA above).
    const renewed = await eventually(
      async () => {
        const fp = await servedFingerprint('127.0.0.1', mainHttps);
        return fp !== before ? fp : undefined;
      },
      { description: 'the main HTTPS listener to serve a renewed certificate', timeoutMs: (RENEW_AFTER_SEC + 20) * 1000, intervalMs: 250 },
    );
    expect(await servedFingerprint('127.0.0.1', mainTls)).toBe(renewed);
    expect(await servedFingerprint(GATEWAY, 443)).toBe(renewed);
    expect(await servedFingerprint(GATEWAY, 8883)).toBe(renewed);
  });

  it('stop closes a connection handed to the HTTPS listener (even mid-handshake) and the gateway listeners', async () => {
    const open = await tlsOpen(GATEWAY, 443);
    const closed = new Promise<void>((resolve) => open.once('close', () => resolve()));
    const raw = await rawOpen(GATEWAY, 443); // TCP only: its TLS handshake never starts
    const rawClosed = new Promise<void>((resolve) => raw.once('close', () => resolve()));
    await hub?.stop();
    hub = undefined;
    await Promise.all([closed, rawClosed]);
    await expect(rawOpen(GATEWAY, 443)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(rawOpen(GATEWAY, 8883)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  /** SHA-256 fingerprint of the certificate a new TLS connection is served (verified against the edge CA). */
  async function servedFingerprint(host: string, port: number): Promise<string> {
    const socket = await tlsOpen(host, port);
    const fp = socket.getPeerCertificate().fingerprint256;
    socket.destroy();
    return fp;
  }

  function tlsOpen(host: string, port: number): Promise<TLSSocket> {
    return new Promise((resolve, reject) => {
      const socket = tlsConnect({ host, port, servername: 'localhost', ca }, () => resolve(socket));
      socket.once('error', reject);
    });
  }
});

function rawOpen(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port }, () => resolve(socket));
    socket.once('error', reject);
  });
}
