import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Device } from '@verge/api-client';
import { eventually, freePort, tempDir } from '@verge/testkit';
import { applyConfigurationContent, collectEvents, createEdgeDevice, createLeafDevice, startTestCloud, type EventCollector, type TestCloud } from '@verge/testkit/cloud';
import { LEAVES_TO_UPSTREAM } from '@verge/testkit/manifest';
import { deployment, connectLeafMqtt, startRuntimeProcess, type RuntimeProcess, CLI_BUILT, killVerge, runVerge } from '@verge/testkit/edge';

// "Killing the edge runtime with SIGKILL during a stream loses no message whose PUBACK was sent" (issue #4): the
// runtime runs as the user runs it (the built CLI, `verge edge start`, in a child process); a leaf device streams
// QoS 1 telemetry through it; the runtime is SIGKILLed mid-stream and started again on the same data directory;
// every message the hub acknowledged must reach the cloud.

const EDGE_ID = 'edge-kill';
const LEAF_ID = 'leaf-stream';

describe.runIf(CLI_BUILT)('edge runtime SIGKILLed during a QoS 1 stream (built CLI, child process)', () => {
  const tmp = tempDir('verge-e2k-');
  const dataDir = join(tmp.dir, 'edge');
  let t: TestCloud;
  let leaf: Device;
  let edgeCs: string;
  let port: number;
  let events: EventCollector;
  const runtimes: RuntimeProcess[] = [];

  function startRuntime(): RuntimeProcess {
    const runtime = startRuntimeProcess(t, { dataDir, connectionString: edgeCs, port });
    runtimes.push(runtime);
    return runtime;
  }

  function connectLeaf() {
    const key = leaf.authentication?.symmetricKey?.primaryKey;
    if (typeof key !== 'string') throw new Error('leaf has no key');
    return connectLeafMqtt(t, { deviceId: LEAF_ID, key, port, caFile: join(dataDir, 'pki/edge-ca.pem') });
  }

  beforeAll(async () => {
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    const created = await createEdgeDevice(t, EDGE_ID);
    edgeCs = created.connectionString;
    leaf = await createLeafDevice(t, LEAF_ID, created.device);
    port = await freePort();
    const applied = await applyConfigurationContent(t, EDGE_ID, deployment({ kind: 'process', node: process.execPath }, {}, { routes: { leaves: LEAVES_TO_UPSTREAM } }));
    expect(applied.status).toBe(204);
    events = collectEvents(t.api, LEAF_ID);
  });

  afterAll(async () => {
    for (const r of runtimes) killVerge(r);
    events?.stop();
    await t?.cloud.stop();
    tmp.cleanup();
  });

  it('delivers every PUBACKed message after a SIGKILL and a restart', async () => {
    const first = startRuntime();
    await first.started;
    const client = await eventually(() => connectLeaf().catch(() => undefined), { description: 'the leaf to connect', timeoutMs: 60_000, intervalMs: 500 });
    // Routes arrive from the $edgeHub twin shortly after start: probe until a message reaches the cloud.
    let probe = 0;
    await eventually(() => {
        client.publish(`devices/${LEAF_ID}/messages/events/probe=${++probe}`, 'probe', { qos: 1 });
        return events.messages.some((m) => m.properties['probe'] !== undefined);
      }, { description: 'a probe message to reach the cloud through the hub', timeoutMs: 60_000, intervalMs: 1_000 });

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
    await first.exited;
    client.end(true);
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(acked.size).toBeGreaterThan(200);

    const second = startRuntime();
    await second.started;
    const delivered = (): Set<number> => new Set(events.messages.map((m) => Number(m.properties['n'])).filter((n) => Number.isInteger(n)));
    await eventually(() => [...acked].every((n) => delivered().has(n)), { description: `all ${acked.size} acknowledged messages in the cloud`, timeoutMs: 90_000, intervalMs: 500 }).catch((err: unknown) => {
      const got = delivered();
      throw new Error(`${String(err)}; ${[...acked].filter((n) => !got.has(n)).length} of them missing, ${got.size} distinct delivered`);
    });
    const got = delivered();
    const lost = [...acked].filter((n) => !got.has(n));
    expect(lost).toEqual([]);
    console.log(`SIGKILL test: ${next} published, ${acked.size} PUBACKed, ${inFlightAtKill} in flight at the kill, ${got.size} distinct delivered, ${events.messages.length} cloud messages`);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });

  it('exits 2 with one clear line for bad flags, before starting anything', async () => {
    const run = async (argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stderr: string }> => {
      const { code, stderr } = await runVerge(['edge', 'start', ...argv], { env: { VERGE_EDGE_CONNECTION_STRING: '', ...env } });
      return { code, stderr };
    };
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
