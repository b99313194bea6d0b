import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import device from 'azure-iot-device';
import deviceMqtt from 'azure-iot-device-mqtt';
import type { RunningEdge } from '@verge/edge';
import { createLogger, type Logger } from '@verge/platform';
import { eventually, tempDir } from '@verge/testkit';
import { applyConfigurationContent, collectEvents, connectionStringOf, createEdgeDevice, createLeafDevice, startTestCloud, type EventCollector, type TestCloud } from '@verge/testkit/cloud';
import { listManagedModules, startTestEdge, deployment, type ModuleRunner, agentReported, endpointSent, expectInOrderWithoutGaps, expectPipelineMessages, filterSeqs, waitForRunning } from '@verge/testkit/edge';
import type { Device } from '@verge/api-client';

// The pipeline with `"type": "process"` modules (no Docker): a real cloud, a real edge runtime in this
// process, and three UNMODIFIED Azure SDK programs (test/modules). Tests run in order and share the system.

const EDGE_ID = 'edge-proc';
const runner: ModuleRunner = { kind: 'process', node: process.execPath };

const PINO_LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Number.POSITIVE_INFINITY };

/**
 * The runtime's log as the test kit's default (lines at $VERGE_E2E_LOG, default `error`, to stdout), which also counts
 * the agent's reconcile passes (its `reconcile wake-up` line starts each pass after the first).
 */
function passCountingLog(): { log: Logger; passes: () => number } {
  const shown = PINO_LEVELS[process.env['VERGE_E2E_LOG'] ?? 'error'] ?? 50;
  let passes = 0;
  const write = (line: string): void => {
    const entry = JSON.parse(line) as { level: number; msg?: string };
    if (entry.msg === 'reconcile wake-up') passes += 1;
    if (entry.level >= shown) process.stdout.write(line);
  };
  return { log: createLogger({ service: 'edge', level: 'debug', destination: { write } }), passes: () => passes };
}

describe('edge runtime end to end with process modules', () => {
  const tmp = tempDir('verge-e2e-');
  const crashLog = join(tmp.dir, 'crash.log');
  let t: TestCloud;
  let edge: RunningEdge;
  let edgeCs: string;
  let events: EventCollector;
  let leaf: Device;
  const modules = {
    producer: { file: 'producer.mjs', env: { SEND_INTERVAL_MS: '200' } },
    filter: { file: 'filter.mjs' },
    crasher: { file: 'crasher.mjs', env: { CRASH_LOG: crashLog } },
  };
  const manifest = deployment(runner, modules, { moduleDesired: { filter: { greeting: 'hello', threshold: 5 } } });
  const agentLog = passCountingLog();

  beforeAll(async () => {
    // Run as root, each process module runs as its own unprivileged user: the crasher must reach its log file.
    chmodSync(tmp.dir, 0o711);
    writeFileSync(crashLog, '', { mode: 0o666 });
    chmodSync(crashLog, 0o666);
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    const created = await createEdgeDevice(t, EDGE_ID);
    edgeCs = created.connectionString;
    // A child registered before the runtime starts is in the device scope of its first sync.
    leaf = await createLeafDevice(t, 'leaf-1', created.device);
    events = collectEvents(t.api, EDGE_ID);
    edge = await startTestEdge(t, { dataDir: join(tmp.dir, 'edge'), connectionString: edgeCs, runtime: 'process', log: agentLog.log });
    const applied = await applyConfigurationContent(t, EDGE_ID, manifest);
    expect(applied.status).toBe(204);
  });

  afterAll(async () => {
    events?.stop();
    await edge?.stop();
    await t?.cloud.stop();
    tmp.cleanup();
  });

  it('runs the deployment set through applyConfigurationContent and reports the modules running', async () => {
    const reported = await waitForRunning(t, EDGE_ID, ['producer', 'filter']);
    const mods = reported['modules'] as Record<string, Record<string, unknown>>;
    expect(mods['producer']).toMatchObject({ type: 'process', status: 'running', runtimeStatus: 'running', restartPolicy: 'always' });
    expect(reported['lastDesiredVersion']).toEqual(expect.any(Number));
    const listed = await listManagedModules(edge);
    // edgeAgent and edgeHub are listed too (as `iotedge list`), inside the runtime process.
    expect(listed.map((m) => m.id).sort()).toEqual(['crasher', 'edgeAgent', 'edgeHub', 'filter', 'producer']);
  });

  it('routes producer → filter input → $upstream: messages reach /events as module filter', async () => {
    await expectPipelineMessages(events, EDGE_ID, 10);
    expectInOrderWithoutGaps(filterSeqs(events));
  });

  it('delivers the desired properties of the manifest to the module, which reports them back', async () => {
    const seen = await eventually(async () => {
      const twin = await t.api.twins.get({ deviceId: EDGE_ID, moduleId: 'filter' });
      return (twin.properties?.reported as Record<string, unknown> | undefined)?.['seenDesired'];
    }, { description: 'filter to report seenDesired', timeoutMs: 30_000 });
    expect(seen).toEqual({ greeting: 'hello', threshold: 5 });
    await t.api.twins.update({ deviceId: EDGE_ID, moduleId: 'filter' }, { properties: { desired: { greeting: 'patched' } } });
    await eventually(async () => {
      const twin = await t.api.twins.get({ deviceId: EDGE_ID, moduleId: 'filter' });
      const r = (twin.properties?.reported as Record<string, { greeting?: string }> | undefined)?.['seenDesired'];
      return r?.greeting === 'patched';
    }, { description: 'the desired patch to reach the module and come back', timeoutMs: 30_000 });
  });

  it('carries a direct method from the service API to the module and its answer back', async () => {
    const result = await t.api.invokeMethod({ deviceId: EDGE_ID, moduleId: 'filter' }, { methodName: 'echo', payload: { n: 42 }, responseTimeoutInSeconds: 15 });
    expect(result).toEqual({ status: 200, payload: { module: 'filter', payload: { n: 42 } } });
  });

  it('lets a leaf device (Azure SDK Client with GatewayHostName) send through the edge hub to the cloud', async () => {
    // Messages that match no route are dropped (reference §3.5): wait for the deployment's routes to be in force.
    await eventually(() => edge.hubStatus().routes >= 3, { description: 'the edge hub to load the routes', timeoutMs: 30_000 });
    const client = device.Client.fromConnectionString(connectionStringOf(t, leaf, `localhost:${edge.ports.mqtt}`), deviceMqtt.Mqtt);
    client.setOptions({ ca: edge.edgeCaPem });
    try {
      await eventually(() => client.open().then(() => true), { description: 'the leaf to connect to the edge hub', timeoutMs: 30_000, intervalMs: 1_000 });
      const message = new device.Message(JSON.stringify({ leaf: true, n: 1 }));
      message.properties.add('kind', 'leaf-test');
      await client.sendEvent(message);
      const got = await eventually(async () => (await t.api.recentMessages({ deviceId: 'leaf-1' })).find((m) => m.properties['kind'] === 'leaf-test'), { description: 'the leaf message in the cloud', timeoutMs: 30_000 });
      expect(got.moduleId).toBeUndefined();
      expect(JSON.parse(new TextDecoder().decode(got.body))).toEqual({ leaf: true, n: 1 });
    } finally {
      await client.close();
    }
  });

  it('restarts a crashing module with the §2.5 backoff: ~10 s, then ~20 s', async () => {
    const starts = await eventually(() => {
        const lines = readFileSync(crashLog, 'utf8').trim().split('\n').map(Number);
        return lines.length >= 3 ? lines : undefined;
      }, { description: 'three starts of the crashing module', timeoutMs: 60_000, intervalMs: 500 });
    const [first = 0, second = 0, third = 0] = starts;
    // Each run lasts ~200 ms; the cool-off is measured from the exit (reference §2.5: 10 × 2^restartCount s).
    expect((second - first) / 1000).toBeGreaterThanOrEqual(10);
    expect((second - first) / 1000).toBeLessThan(14);
    expect((third - second) / 1000).toBeGreaterThanOrEqual(20);
    expect((third - second) / 1000).toBeLessThan(25);
    const crasher = (await listManagedModules(edge)).find((m) => m.id === 'crasher');
    expect(crasher?.restartCount).toBeGreaterThanOrEqual(2);
  });

  it('refuses an invalid deployment with 400 and the path of the fault, leaving the running modules alone', async () => {
    const before = await listManagedModules(edge);
    const refused = await applyConfigurationContent(t, EDGE_ID, { modulesContent: { ...manifest.modulesContent, $edgeAgent: { 'properties.desired': { schemaVersion: '1.1' } } } });
    expect(refused.status).toBe(400);
    // The cloud validates too; to reach the agent the bad manifest is written to the $edgeAgent twin directly.
    await t.api.twins.update({ deviceId: EDGE_ID, moduleId: '$edgeAgent' }, { properties: { desired: { modules: { producer: { restartPolicy: 'sometimes' } } } } });
    const status = await eventually(async () => {
      const s = (await agentReported(t, EDGE_ID))['lastDesiredStatus'] as { code: number; description: string } | undefined;
      return s?.code === 400 ? s : undefined;
    }, { description: 'lastDesiredStatus 400', timeoutMs: 30_000 });
    expect(status.description).toContain('modules.producer.restartPolicy');
    // The observation window is counted in reconcile passes, not time: the pass that reported the refusal has run
    // (steps run before a pass reports), and the agent reconciles once more in full; nothing is restarted.
    const passesAtRefusal = agentLog.passes();
    await eventually(() => agentLog.passes() >= passesAtRefusal + 2, { description: 'a further full reconcile pass after the refusal', timeoutMs: 30_000 });
    const after = await listManagedModules(edge);
    for (const id of ['producer', 'filter']) {
      const b = before.find((m) => m.id === id);
      const a = after.find((m) => m.id === id);
      expect(a?.runtimeStatus).toBe('running');
      expect(a?.startedAt).toBe(b?.startedAt);
    }
    // Repair: the valid deployment again.
    expect((await applyConfigurationContent(t, EDGE_ID, manifest)).status).toBe(204);
    await waitForRunning(t, EDGE_ID, ['producer', 'filter']);
  });

  it('keeps routing locally while the cloud is down, stores upstream messages, and delivers all in order after', async () => {
    await expectPipelineMessages(events, EDGE_ID, 20);
    const ports = t.ports;
    await t.cloud.stop();
    const sentToFilter = endpointSent(edge, 'filter');
    const storedBefore = edge.hubStatus().counters.stored;
    await eventually(() => !edge.hubStatus().online && endpointSent(edge, 'filter') > sentToFilter + 10 && edge.hubStatus().counters.stored > storedBefore + 20, { description: 'the hub offline, routing locally and storing upstream messages while the cloud is down', timeoutMs: 30_000 });
    expect(edge.hubStatus().online).toBe(false);
    expect(endpointSent(edge, 'filter')).toBeGreaterThan(sentToFilter + 10);
    expect(edge.hubStatus().counters.stored).toBeGreaterThan(storedBefore + 20);
    const maxBefore = Math.max(...filterSeqs(events));

    t = await startTestCloud(join(tmp.dir, 'cloud'), ports);
    await eventually(() => Math.max(...filterSeqs(events)) > maxBefore + 30, { description: 'the messages stored while offline to arrive', timeoutMs: 90_000, intervalMs: 500 });
    const { unique, duplicates } = expectInOrderWithoutGaps(filterSeqs(events));
    expect(unique).toBeGreaterThan(maxBefore);
    expect(duplicates).toBeLessThan(unique);
  });

  it('stops process modules on stop() and starts them again at the next start', async () => {
    const port = edge.ports.mqtt;
    const before = (await listManagedModules(edge)).find((m) => m.id === 'producer');
    await edge.stop();
    edge = await startTestEdge(t, { dataDir: join(tmp.dir, 'edge'), connectionString: edgeCs, runtime: 'process', mqttPort: port });
    const after = await eventually(async () => {
      const p = (await listManagedModules(edge)).find((m) => m.id === 'producer');
      return p?.runtimeStatus === 'running' ? p : undefined;
    }, { description: 'the producer to run again', timeoutMs: 30_000 });
    expect(after.startedAt).not.toBe(before?.startedAt);
    const count = filterSeqs(events).length;
    await eventually(() => filterSeqs(events).length > count + 5, { description: 'messages to flow again after the restart', timeoutMs: 60_000 });
  });
});
