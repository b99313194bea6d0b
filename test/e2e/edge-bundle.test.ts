import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Device } from '@verge/api-client';
import { eventually, freePort, tempDir } from '@verge/testkit';
import { applyConfigurationContent, collectEvents, createEdgeDevice, createLeafDevice, startTestCloud, type EventCollector, type TestCloud } from '@verge/testkit/cloud';
import { LEAVES_TO_UPSTREAM } from '@verge/testkit/manifest';
import { deployment, connectLeafMqtt, startRuntimeProcess, type RuntimeProcess, CLI_BUILT, killVerge, runVerge } from '@verge/testkit/edge';

// `verge edge start` runs the bundled edge runtime (scripts/bundle-edge.mjs, made by `npm run build`; issue 8,
// footprint). Its lazy chunks must load where the unbundled build loads their modules: the certificate generator
// on the first start (edge CA, hub certificate), mqtt.js for the links to the cloud; a leaf's message must cross
// the hub to the cloud; SIGTERM stops it cleanly, and a second start (certificates kept) runs the bundle again.
// The bundle has its own copy of VergeError: a refused start must still end as one line and exit 2.

const EDGE_ID = 'edge-bundle';
const LEAF_ID = 'leaf-bundle';

describe.runIf(CLI_BUILT)('the built `verge edge start` runs the bundled edge runtime', () => {
  const tmp = tempDir('verge-e2b-');
  const dataDir = join(tmp.dir, 'edge');
  let t: TestCloud;
  let leaf: Device;
  let edgeCs: string;
  let port: number;
  let events: EventCollector;
  const runtimes: RuntimeProcess[] = [];

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

  async function startBundled(): Promise<RuntimeProcess> {
    const runtime = startRuntimeProcess(t, { dataDir, connectionString: edgeCs, port });
    runtimes.push(runtime);
    await runtime.started;
    // Printed with the other start lines; "unbundled: <why>" when the bundle is missing or older than the build.
    const build = await eventually(() => /\n {2}build {9}(.+)\n/.exec(runtime.output())?.[1], { description: 'the build line of the start banner', timeoutMs: 10_000, intervalMs: 50 });
    expect(build).toBe('bundled');
    return runtime;
  }

  it('starts, carries a leaf message to the cloud, stops on SIGTERM and starts again', async () => {
    const first = await startBundled();
    const key = leaf.authentication?.symmetricKey?.primaryKey;
    if (typeof key !== 'string') throw new Error('leaf has no key');
    const client = await eventually(() => connectLeafMqtt(t, { deviceId: LEAF_ID, key, port, caFile: join(dataDir, 'pki/edge-ca.pem') }).catch(() => undefined), {
      description: 'the leaf to connect to the bundled hub',
      timeoutMs: 60_000,
      intervalMs: 500,
    });
    // Routes arrive from the $edgeHub twin shortly after start: probe until a message reaches the cloud.
    let probe = 0;
    await eventually(() => {
      client.publish(`devices/${LEAF_ID}/messages/events/probe=${++probe}`, 'probe', { qos: 1 });
      return events.messages.some((m) => m.properties['probe'] !== undefined);
    }, { description: 'a leaf message to reach the cloud through the bundled hub', timeoutMs: 60_000, intervalMs: 1_000 });
    client.end(true);
    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);

    const second = await startBundled();
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });

  it('reports a start the bundled runtime refuses as one line, exit 2', async () => {
    const missing = join(tmp.dir, 'no-such-ca.pem');
    const run = await runVerge(['edge', 'start', '--data', join(tmp.dir, 'refused'), '--cloud-ca', missing, '--bind', '127.0.0.1', '--mqtt-port', '0', '--https-port', '0'], {
      env: { VERGE_EDGE_CONNECTION_STRING: edgeCs },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`--cloud-ca ${missing} cannot be read`);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
