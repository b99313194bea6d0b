import { writeFileSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type mqtt from 'mqtt';
import type { EdgeHub } from '@verge/edge';
import { createLogger } from '@verge/platform';
import { eventually, tempDir } from '@verge/testkit';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { connectLeafMqtt, createTestEdgeCa, registerHubIdentities, standaloneHubDeps, startStandaloneHub, type HubIdentities } from '@verge/testkit/edge';
import { trackSeqs, type SeqTracker } from '@verge/testkit/faults';

// Issue 7: the edge hub renews its server certificate (apps/edge/src/hub/tls/cert-renewal.ts) while messages are
// stored for an unreachable cloud. The renewal is forced with a short-lived edge CA: the hub certificate is clamped
// to the CA's expiry, so its renewal point (two thirds of its validity) comes ~15 s after the start. Afterwards new
// TLS connections get the new certificate, the connection that was open keeps working, every stored message is
// delivered once the cloud is back, and the hub does not renew again in a loop (a certificate that cannot outlive
// the CA used to be re-issued back to back, a CPU storm, once its renewal point came in the past).

const EDGE_ID = 'edge-renew';
const LEAF_ID = 'leaf-renew';
// Hub certificate: notBefore = now - 5 min (clock skew), notAfter = the CA's; renewal at 2/3 → ~15 s after start.
const RENEW_AFTER_SEC = 15;
const CA_VALIDITY_SEC = 1.5 * (RENEW_AFTER_SEC + 100);

/** SHA-256 fingerprint of the certificate a new TLS connection to the hub is served (verified against `ca`). */
function servedFingerprint(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ca }, () => {
      const fp = socket.getPeerCertificate().fingerprint256;
      socket.destroy();
      resolve(fp);
    });
    socket.once('error', reject);
  });
}

describe('edge hub server certificate renewal with messages stored offline', () => {
  const tmp = tempDir('verge-cr-');
  const cloudDir = join(tmp.dir, 'cloud');
  let t: TestCloud;
  let ids: HubIdentities;
  let hub: EdgeHub | undefined;
  let tracker: SeqTracker;
  const clients: mqtt.MqttClient[] = [];
  const issuedAt: number[] = [];
  const nextAttemptsAt: number[] = [];

  beforeAll(async () => {
    t = await startTestCloud(cloudDir);
    ids = await registerHubIdentities(t, { edgeId: EDGE_ID, leafId: LEAF_ID });
    tracker = trackSeqs(t.api, 'seq');
  });

  afterAll(async () => {
    for (const c of clients) c.end(true);
    tracker?.stop();
    await hub?.stop();
    await t?.cloud.stop();
    tmp.cleanup();
  });

  it('serves the renewed certificate to new connections and delivers every stored message', async () => {
    const edgeCa = await createTestEdgeCa(CA_VALIDITY_SEC / 86_400);
    const caFile = join(tmp.dir, 'edge-ca.pem');
    writeFileSync(caFile, edgeCa.certificatePem);
    const logLines = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n')) {
          if (line.includes('edge hub server certificate issued')) issuedAt.push(Date.now());
          // After a renewal that cannot outlive the edge CA, the hub says when it tries next (the floor between renewals).
          if (line.includes('cannot outlive the edge CA')) nextAttemptsAt.push(Date.parse((JSON.parse(line) as { nextAttemptAt: string }).nextAttemptAt));
        }
        done();
      },
    });
    const log = createLogger({ service: 'edge-hub', level: 'info', destination: logLines });
    const started = await startStandaloneHub(standaloneHubDeps(t, ids, { dataDir: join(tmp.dir, 'hub'), edgeCa, log }));
    hub = started.hub;
    const { port } = started;
    const firstCert = await servedFingerprint(port, edgeCa.certificatePem);
    expect(issuedAt).toHaveLength(1);

    const leaf = await eventually(() => connectLeafMqtt(t, { deviceId: LEAF_ID, key: ids.leafKey, port, caFile }).catch(() => undefined), { description: 'the leaf to connect', timeoutMs: 30_000, intervalMs: 300 });
    clients.push(leaf);
    const publish = (client: mqtt.MqttClient, seq: number): Promise<void> =>
      new Promise((resolve, reject) => client.publish(`devices/${LEAF_ID}/messages/events/seq=${seq}`, `{"seq":${seq}}`, { qos: 1 }, (err) => (err ? reject(err) : resolve())));
    let seq = 0;
    await eventually(async () => {
      await publish(leaf, ++seq);
      return tracker.figures(`${LEAF_ID}/`).distinct > 0;
    }, { description: 'the routes to be in force (a message in the cloud)', timeoutMs: 30_000, intervalMs: 500 });

    // Offline: the hub stores what the leaf sends.
    const ports = t.ports;
    await t.cloud.stop();
    for (let i = 0; i < 300; i++) await publish(leaf, ++seq);
    expect(hub.status().online).toBe(false);

    // The renewal: new connections see a new certificate that chains to the edge CA.
    const renewedCert = await eventually(async () => {
      const fp = await servedFingerprint(port, edgeCa.certificatePem);
      return fp !== firstCert ? fp : undefined;
    }, { description: 'new TLS connections to see a renewed certificate', timeoutMs: (RENEW_AFTER_SEC + 30) * 1000, intervalMs: 500 });
    const renewedAt = Date.now();
    expect(renewedCert).not.toBe(firstCert);

    // The connection opened before the renewal still works, and a new one (new certificate) too; both are stored.
    for (let i = 0; i < 100; i++) await publish(leaf, ++seq);
    const second = await connectLeafMqtt(t, { deviceId: LEAF_ID, key: ids.leafKey, port, caFile });
    clients.push(second);
    leaf.end(true);
    for (let i = 0; i < 100; i++) await publish(second, ++seq);

    // The cloud returns: every stored message arrives.
    t = await startTestCloud(cloudDir, { http: ports.http, https: ports.https, mqtt: ports.mqtt });
    const all = Array.from({ length: seq }, (_, i) => i + 1);
    await eventually(() => tracker.missing(`${LEAF_ID}/`, all).length === 0, { description: `all ${seq} messages in the cloud`, timeoutMs: 60_000, intervalMs: 500 }).catch((err: unknown) => {
      throw new Error(`${String(err)}: ${tracker.missing(`${LEAF_ID}/`, all).length} missing`);
    });
    expect(tracker.figures(`${LEAF_ID}/`).outOfOrder).toBe(0);

    // No renewal loop: the renewal scheduled the next attempt an hour on (not back to back: the renewed certificate's
    // own renewal point is past or near, as it cannot outlive the CA), and since the renewal, while every stored
    // message was delivered, the certificate was issued exactly twice.
    const [nextAttemptAt] = nextAttemptsAt;
    expect(nextAttemptsAt, 'the next renewal attempt the hub scheduled').toHaveLength(1);
    expect((nextAttemptAt ?? 0) - renewedAt).toBeGreaterThan(50 * 60_000);
    expect(issuedAt.length, `certificates issued at ${issuedAt.map((a) => new Date(a).toISOString()).join(', ')}`).toBe(2);
  });
});
