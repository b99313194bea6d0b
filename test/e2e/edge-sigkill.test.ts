import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { createSasToken, deviceResource } from '@verge/core';
import type { Device } from '@verge/api-client';
import { applyConfigurationContent, collectEvents, createEdgeDevice, createLeafDevice, startTestCloud, type EventCollector, type TestCloud } from '../support/cloud.js';
import { REPO_ROOT, tempDir, waitFor } from '../support/edge.js';
import { deployment } from '../support/manifest.js';

// "Killing the edge runtime with SIGKILL during a stream loses no message whose PUBACK was sent" (issue #4): the
// runtime runs as the user runs it (the built CLI, `verge edge start`, in a child process); a leaf device streams
// QoS 1 telemetry through it; the runtime is SIGKILLed mid-stream and started again on the same data directory;
// every message the hub acknowledged must reach the cloud.

const BIN = join(REPO_ROOT, 'apps/cli/bin/verge.js');
const BUILT = existsSync(join(REPO_ROOT, 'apps/cli/dist/main.js')) && existsSync(join(REPO_ROOT, 'apps/edge/dist/start-edge.js'));
const EDGE_ID = 'edge-kill';
const LEAF_ID = 'leaf-stream';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

describe.runIf(BUILT)('edge runtime SIGKILLed during a QoS 1 stream (built CLI, child process)', () => {
  const tmp = tempDir('verge-e2k-');
  const dataDir = join(tmp.dir, 'edge');
  let t: TestCloud;
  let leaf: Device;
  let edgeCs: string;
  let port: number;
  let events: EventCollector;
  const children: ChildProcess[] = [];

  function startRuntime(): { child: ChildProcess; output: () => string } {
    const args = ['edge', 'start', '--cloud-ca', t.cloud.caPath, '--cloud-api', t.cloud.urls.https, '--data', dataDir, '--hostname', 'localhost'];
    args.push('--bind', '127.0.0.1', '--mqtt-port', String(port), '--runtime', 'process', '--log-level', 'warn');
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, VERGE_EDGE_CONNECTION_STRING: edgeCs }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let output = '';
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    return { child, output: () => output };
  }

  function connectLeaf(): Promise<mqtt.MqttClient> {
    const key = leaf.authentication?.symmetricKey?.primaryKey;
    if (typeof key !== 'string') throw new Error('leaf has no key');
    const password = createSasToken({ resource: deviceResource(t.api.hostName, LEAF_ID), key, expirySec: Math.floor(Date.now() / 1000) + 3600 });
    const client = mqtt.connect({
      protocol: 'mqtts',
      host: 'localhost',
      port,
      clientId: LEAF_ID,
      username: `${t.api.hostName}/${LEAF_ID}/?api-version=2021-04-12`,
      password,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 0,
      ca: readFileSync(join(dataDir, 'pki/edge-ca.pem'), 'utf8'),
    });
    return new Promise((resolve, reject) => {
      client.once('connect', () => resolve(client));
      client.once('error', (err) => {
        client.end(true);
        reject(err);
      });
    });
  }

  beforeAll(async () => {
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    const created = await createEdgeDevice(t, EDGE_ID);
    edgeCs = created.connectionString;
    leaf = await createLeafDevice(t, LEAF_ID, created.device);
    port = await freePort();
    const applied = await applyConfigurationContent(t, EDGE_ID, deployment({ kind: 'process', node: process.execPath }, {}, { routes: { leaves: 'FROM /messages/* WHERE NOT IS_DEFINED($connectionModuleId) INTO $upstream' } }));
    expect(applied.status).toBe(204);
    events = collectEvents(t.api, LEAF_ID);
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    events?.stop();
    await t?.cloud.stop();
    tmp.cleanup();
  });

  it('delivers every PUBACKed message after a SIGKILL and a restart', async () => {
    const first = startRuntime();
    await waitFor(() => first.output().includes('edge hub'), `the runtime to start (output: ${first.output()})`, 60_000);
    const client = await waitFor(() => connectLeaf().catch(() => undefined), 'the leaf to connect', 60_000, 500);
    // Routes arrive from the $edgeHub twin shortly after start: probe until a message reaches the cloud.
    let probe = 0;
    await waitFor(
      () => {
        client.publish(`devices/${LEAF_ID}/messages/events/probe=${++probe}`, 'probe', { qos: 1 });
        return events.messages.some((m) => m.properties['probe'] !== undefined);
      },
      'a probe message to reach the cloud through the hub',
      60_000,
      1_000,
    );

    const acked = new Set<number>();
    let next = 0;
    let inFlight = 0;
    let killed = false;
    const payload = 'x'.repeat(200);
    // A paced stream (~4,000 msg/s, up to 200 unacknowledged) so the cloud receives the backlog in seconds.
    let inFlightAtKill = 0;
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        for (let i = 0; i < 40 && !killed && inFlight < 200; i++) {
          const n = ++next;
          inFlight += 1;
          client.publish(`devices/${LEAF_ID}/messages/events/n=${n}`, payload, { qos: 1 }, (err) => {
            inFlight -= 1;
            if (err === undefined || err === null) acked.add(n);
          });
        }
      }, 10);
      // Kill mid-stream, at a moment with publishes in flight (checked every millisecond after 2.5 s, for 1 s).
      const killAt = Date.now() + 2_500;
      const watch = setInterval(() => {
        if (Date.now() < killAt || (inFlight === 0 && Date.now() < killAt + 1_000)) return;
        inFlightAtKill = inFlight;
        killed = true;
        clearInterval(watch);
        clearInterval(tick);
        first.child.kill('SIGKILL');
        resolve();
      }, 1);
    });
    await new Promise<void>((resolve) => (first.child.exitCode !== null || first.child.signalCode !== null ? resolve() : first.child.once('exit', () => resolve())));
    client.end(true);
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(acked.size).toBeGreaterThan(200);

    const second = startRuntime();
    await waitFor(() => second.output().includes('edge hub'), `the runtime to start again (output: ${second.output()})`, 60_000);
    const delivered = (): Set<number> => new Set(events.messages.map((m) => Number(m.properties['n'])).filter((n) => Number.isInteger(n)));
    await waitFor(() => [...acked].every((n) => delivered().has(n)), `all ${acked.size} acknowledged messages in the cloud`, 90_000, 500).catch((err: unknown) => {
      const got = delivered();
      throw new Error(`${String(err)}; ${[...acked].filter((n) => !got.has(n)).length} of them missing, ${got.size} distinct delivered`);
    });
    const got = delivered();
    const lost = [...acked].filter((n) => !got.has(n));
    expect(lost).toEqual([]);
    console.log(`SIGKILL test: ${next} published, ${acked.size} PUBACKed, ${inFlightAtKill} in flight at the kill, ${got.size} distinct delivered, ${events.messages.length} cloud messages`);
    second.child.kill('SIGTERM');
    await new Promise<void>((resolve) => second.child.once('exit', () => resolve()));
    expect(second.child.exitCode).toBe(0);
  });

  it('exits 2 with one clear line for bad flags, before starting anything', async () => {
    const run = (argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stderr: string }> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [BIN, 'edge', 'start', ...argv], { env: { ...process.env, VERGE_EDGE_CONNECTION_STRING: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
        child.once('exit', (code) => resolve({ code, stderr }));
      });
    expect(await run(['--data', join(tmp.dir, 'none')])).toEqual({
      code: 2,
      stderr: 'error: invalid edge configuration: connectionString: is required: install a config file holding it (verge edge config apply --config FILE), or set $VERGE_EDGE_CONNECTION_STRING\n',
    });
    expect(await run(['--connection-string', 'HostName=h;DeviceId=d;SharedAccessKey=a2V5', '--runtime', 'podman'])).toEqual({
      code: 2,
      stderr: 'error: --runtime "podman" is not one of docker, process, auto\n',
    });
    const service = await run(['--data', join(tmp.dir, 'bad')], { VERGE_EDGE_CONNECTION_STRING: 'HostName=h;SharedAccessKeyName=owner;SharedAccessKey=a2V5a2V5a2V5a2V5a2V5a2V5' });
    expect(service.code).toBe(2);
    expect(service.stderr).toBe("error: invalid edge configuration: connectionString: is a service connection string; give the edge device's own (HostName, DeviceId, SharedAccessKey)\n");
  });
});
