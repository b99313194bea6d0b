import { createServer, type Server } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@verge/testkit';
import { createEdgeDevice, startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { edgeDeployment, processModule } from '@verge/testkit/manifest';
import { histogramOf, parseMetricSeries, parseMetrics, samplesOf, valueOf, type MetricFamily } from '@verge/testkit/prometheus';
import { SdkClients, Message, deviceConnectionString, updateReported, type DeviceClient } from '../sdk-support/sdk-clients.js';

// The cloud's Prometheus metrics after real traffic of the unmodified Azure IoT device SDK (telemetry, a reported
// twin update, a direct method), scraped from the API (RegistryRead token) and from the unauthenticated
// `--metrics-port` listener, parsed with a real Prometheus parser.

type Families = Map<string, MetricFamily>;

let cloud: TestCloud;
const sdk = new SdkClients();
beforeAll(async () => {
  cloud = await startTestCloud(undefined, {}, { metricsPort: 0 });
});
afterEach(async () => {
  await sdk.closeAll();
});
afterAll(async () => {
  await cloud?.stop();
});

/** `GET /metrics` on the API with the owner's token, as text. */
async function scrapeText(t: TestCloud = cloud): Promise<string> {
  const res = await fetch(`${t.cloud.urls.http}/metrics`, { headers: { authorization: t.serviceToken() } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
  return res.text();
}

/** `GET /metrics`, parsed with histograms as their labelled series. */
async function scrape(t: TestCloud = cloud): Promise<Families> {
  return parseMetricSeries(await scrapeText(t));
}

async function connect(deviceId: string): Promise<DeviceClient> {
  const key = await cloud.createDevice(deviceId);
  const client = await sdk.device(deviceConnectionString({ hostName: cloud.hostName, deviceId, key, port: cloud.mqttPort }), { ca: cloud.caPem });
  await client.open();
  return client;
}

describe('cloud /metrics after Azure IoT SDK traffic', () => {
  it('counts connections, telemetry, a reported twin update, a direct method and a C2D message', async () => {
    const before = await scrape();
    const client = await connect('metrics-dev-1');
    client.onDeviceMethod('reboot', (_req, res) => void res.send(200, { ok: true }));
    for (let i = 0; i < 3; i += 1) await client.sendEvent(new Message(JSON.stringify({ n: i, pad: 'x'.repeat(100) })));
    await updateReported(await client.getTwin(), { firmware: '1.2' });
    await cloud.ok('PATCH', '/twins/metrics-dev-1', { properties: { desired: { rate: 5 } } });
    const method = await eventually(
      async () => {
        const r = await cloud.rest('POST', '/twins/metrics-dev-1/methods', { methodName: 'reboot', payload: {}, responseTimeoutInSeconds: 5 });
        return r.status === 200 ? r : undefined;
      },
      { description: 'the device to answer reboot' },
    );
    expect(method.body).toMatchObject({ status: 200 });
    expect((await cloud.rest('POST', '/twins/metrics-dev-1/methods', { methodName: 'reboot', payload: {}, responseTimeoutInSeconds: 5, connectTimeoutInSeconds: 0 })).status).toBe(200);
    await cloud.rest('POST', '/devices/metrics-dev-1/messages/deviceBound', 'hello');

    const f = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}): number => valueOf(f, name, labels) - valueOf(before, name, labels);
    expect(valueOf(f, 'verge_cloud_connected_clients', { kind: 'device' })).toBe(1);
    expect(delta('verge_cloud_connections_opened_total', { kind: 'device' })).toBe(1);
    expect(delta('verge_cloud_telemetry_messages_received_total')).toBe(3);
    expect(delta('verge_cloud_telemetry_bytes_received_total')).toBeGreaterThan(300);
    expect(delta('verge_cloud_twin_updates_total', { section: 'reported' })).toBe(1);
    expect(delta('verge_cloud_twin_updates_total', { section: 'desired' })).toBe(1);
    expect(delta('verge_cloud_direct_methods_total', { result: 'answered' })).toBeGreaterThanOrEqual(2);
    expect(delta('verge_cloud_c2d_messages_enqueued_total')).toBe(1);
    // The API latency histogram is keyed by the route template, not the URL.
    const methodSeries = histogramOf(f, 'verge_cloud_api_request_duration_seconds', { method: 'POST', route: '/twins/:id/methods', status_class: '2xx' });
    expect(methodSeries.count).toBeGreaterThanOrEqual(2);
    expect(methodSeries.buckets.get('+Inf')).toBe(methodSeries.count);
    expect(methodSeries.buckets.get('10')).toBeLessThanOrEqual(methodSeries.count);
    expect(methodSeries.sum).toBeGreaterThan(0);
    const typed = parseMetrics(await scrapeText());
    expect(typed.get('verge_cloud_api_request_duration_seconds')?.type).toBe('HISTOGRAM');
    expect(typed.get('verge_cloud_telemetry_messages_received_total')?.type).toBe('COUNTER');
    expect(typed.get('verge_cloud_connected_clients')?.type).toBe('GAUGE');
    // Store transactions are timed; prom-client's process metrics are there.
    expect(histogramOf(f, 'verge_cloud_store_transaction_duration_seconds', {}).count).toBeGreaterThan(0);
    expect(valueOf(f, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(f.has('nodejs_eventloop_lag_seconds')).toBe(true);

    await client.close();
    const closed = await eventually(
      async () => {
        const g = await scrape();
        return valueOf(g, 'verge_cloud_connected_clients', { kind: 'device' }) === 0 ? g : undefined;
      },
      { description: 'the closed connection to be counted' },
    );
    expect(valueOf(closed, 'verge_cloud_connections_closed_total', { kind: 'device' }) - valueOf(before, 'verge_cloud_connections_closed_total', { kind: 'device' })).toBe(1);
  });

  it('counts methods to a device that is not connected by result', async () => {
    await cloud.createDevice('metrics-offline');
    const before = await scrape();
    expect((await cloud.rest('POST', '/twins/metrics-offline/methods', { methodName: 'm', payload: {}, responseTimeoutInSeconds: 5, connectTimeoutInSeconds: 0 })).status).toBe(404);
    const f = await scrape();
    expect(valueOf(f, 'verge_cloud_direct_methods_total', { result: 'not_connected' }) - valueOf(before, 'verge_cloud_direct_methods_total', { result: 'not_connected' })).toBe(1);
  });

  it('counts deployment evaluations and shows deployments by rollout status and jobs by status', async () => {
    await createEdgeDevice(cloud, 'metrics-edge');
    await cloud.ok('PATCH', '/twins/metrics-edge', { tags: { site: 'metrics' } });
    const content = edgeDeployment({ modules: { sim: processModule('node', ['sim.js']) }, routes: { up: 'FROM /messages/* INTO $upstream' } });
    await cloud.ok('PUT', '/configurations/metrics-dep', { id: 'metrics-dep', priority: 10, targetCondition: "tags.site='metrics'", content });
    await cloud.cloud.services.automaticDeployments.evaluator.idle();
    const f = await eventually(
      async () => {
        const g = await scrape();
        return valueOf(g, 'verge_cloud_deployment_evaluations_total') > 0 && valueOf(g, 'verge_cloud_deployments', { rollout_status: 'none' }) === 1 ? g : undefined;
      },
      { description: 'an evaluation pass and the deployment to be counted' },
    );
    expect(valueOf(f, 'verge_cloud_deployment_evaluated_devices_total')).toBeGreaterThanOrEqual(1);
    expect(histogramOf(f, 'verge_cloud_deployment_evaluation_duration_seconds', { scope: 'all' }).count).toBeGreaterThanOrEqual(1);
    expect(valueOf(f, 'verge_cloud_deployments', { rollout_status: 'running' })).toBe(0);
    expect(samplesOf(f, 'verge_cloud_jobs').map((s) => s.labels?.['status']).sort()).toEqual(['cancelled', 'completed', 'failed', 'queued', 'running', 'scheduled']);
  });

  it('keeps series bounded: many device ids add no series, and no label holds an id or a key', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `card-${i}`);
    for (const id of ids) await cloud.createDevice(id);
    const visit = async (id: string): Promise<void> => {
      await cloud.rest('GET', `/devices/${id}`);
      await cloud.rest('GET', `/twins/${id}`);
      await cloud.rest('GET', `/no/such/route/${id}`);
    };
    await visit('card-0');
    const before = await scrape();
    for (const id of ids) await visit(id);
    const f = await scrape();
    /** The `verge_cloud_*` series: family and labels, buckets of one histogram series counted once. */
    const series = (g: Families): Set<string> =>
      new Set(
        [...g.values()]
          .filter((fam) => fam.name.startsWith('verge_cloud_'))
          .flatMap((fam) => fam.metrics.map((m) => `${fam.name.replace(/_(bucket|sum|count)$/, '')}${JSON.stringify({ ...m.labels, le: undefined })}`)),
      );
    expect([...series(f)].filter((k) => !series(before).has(k))).toEqual([]);
    expect(histogramOf(f, 'verge_cloud_api_request_duration_seconds', { route: '/devices/:id', method: 'GET', status_class: '2xx' }).count).toBeGreaterThanOrEqual(ids.length);
    expect(histogramOf(f, 'verge_cloud_api_request_duration_seconds', { route: 'unmatched', status_class: '4xx' }).count).toBe(ids.length + 1);
    const key = (await cloud.rest('GET', '/devices/card-1')).body as { authentication: { symmetricKey: { primaryKey: string } } };
    const labelValues = [...f.values()].flatMap((fam) => fam.metrics.flatMap((s) => Object.values(s.labels ?? {})));
    for (const v of labelValues) {
      expect(v).not.toMatch(/card-\d+|metrics-dev-1/);
      expect(v).not.toContain(key.authentication.symmetricKey.primaryKey);
    }
  });

  it('refuses /metrics on the API without a token, and serves it without one on the metrics port', async () => {
    const res = await fetch(`${cloud.cloud.urls.http}/metrics`);
    expect(res.status).toBe(401);
    const url = cloud.cloud.metricsUrl;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const open = await fetch(url ?? '');
    expect(open.status).toBe(200);
    const f = parseMetricSeries(await open.text());
    const instance = samplesOf(f, 'verge_cloud_connected_clients')[0]?.labels?.['cloud_instance'];
    expect(instance).toMatch(/^localhost-[0-9a-f]{8}$/);
    for (const fam of f.values()) for (const s of fam.metrics) expect(s.labels).toMatchObject({ iothub: cloud.hostName, cloud_instance: instance });
    expect((await fetch((url ?? '').replace('/metrics', '/other'))).status).toBe(404);
  });
});

describe('the metrics port setting', () => {
  it('fails the start with CLD_LISTEN_FAILED naming the metrics listener when the port is taken', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const err = await startTestCloud(undefined, {}, { metricsPort: port }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'CLD_LISTEN_FAILED' });
      expect((err as Error).message).toBe(`metrics (--metrics-port) listener cannot bind 127.0.0.1:${port}: the port is in use`);
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });
});
