import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { VergeError } from '@verge/contracts';
import { createLogger } from '@verge/platform';
import { silentLog, vergeErrorOf } from '@verge/testkit';
import { parseEdgeConfig } from '../../../src/config.js';
import { HubCounters } from '../../../src/hub/hub-counters.js';
import type { HubMetricsSource } from '../../../src/hub/index.js';
import { createEdgeMetrics, startMetricsServer, type MetricsServer } from '../../../src/metrics/index.js';
import { parseMetrics, samplesOf } from '@verge/testkit/prometheus';

const CS = 'HostName=hub.test;DeviceId=edge-1;SharedAccessKey=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

/** A hub source over real counters, with fixed status, sends and queues. */
function hubSource(counters: HubCounters): HubMetricsSource {
  return {
    counters,
    status: () =>
      ({
        connectedClients: 2,
        endpoints: [{ endpointId: '$upstream', state: 'idle', priorities: [{ priority: 2_000_000_000, sent: 3, droppedTtlExpiry: 4, droppedPermanent: 0, parked: 0 }], retries: 0, nextRetryAtMs: undefined, lastError: undefined }],
      }) as unknown as ReturnType<HubMetricsSource['status']>,
    sentBySource: () => [
      { endpointId: '$upstream', priority: 2_000_000_000, counts: [{ deviceId: 'edge-1', moduleId: 'filter', key: 'out', count: 3, bytes: 0 }] },
      { endpointId: '/modules/filter/inputs/in1', priority: 0, counts: [{ deviceId: 'edge-1', moduleId: 'producer', key: 'temp', count: 5, bytes: 0 }] },
    ],
    queues: async () => [{ endpointId: '$upstream', priority: 2_000_000_000, name: '$upstream', checkpoint: 2, nextOffset: 10, length: 7 }],
  };
}

describe('edge metrics (reference §9 names and labels)', () => {
  it('exposes the hub counters, parsed by a real Prometheus parser, with the default labels on every series', async () => {
    const counters = new HubCounters();
    counters.receivedBySource.add('edge-1', 'producer', 'temp', 100);
    counters.receivedBySource.add('edge-1', 'producer', 'temp', 50);
    counters.receivedBySource.add('leaf-1', undefined, '', 10);
    counters.unroutedBySource.add('leaf-1', undefined, '');
    counters.twinGets.add('edge-1', 'filter', '');
    counters.reportedPatches.add('edge-1', 'filter', '');
    counters.directMethods.add('edge-1', 'filter', 'upstream');
    counters.refusedStoreFull = 2;
    const metrics = createEdgeMetrics({
      iotHubHostName: 'hub.test',
      deviceId: 'edge-1',
      dataDir: process.cwd(),
      version: '0.1.0',
      runtimeStartedAtMs: 1_000,
      nowMs: () => 11_000,
      hub: () => hubSource(counters),
      modules: async () => [],
    });
    metrics.steps.observe('startModule', 'ok', 20, { action: 'startModule', moduleId: 'producer' } as never);
    metrics.steps.observe('startModule', 'retryable', 20, { action: 'startModule', moduleId: 'filter' } as never);
    const families = parseMetrics((await metrics.collect()).text);

    expect(samplesOf(families, 'edgehub_messages_received_total', { id: 'edge-1/producer', route_output: 'temp' })[0]?.value).toBe('2');
    expect(samplesOf(families, 'edgehub_messages_received_total', { id: 'leaf-1', route_output: '' })[0]?.value).toBe('1');
    const size = samplesOf(families, 'edgehub_message_size_bytes', { id: 'edge-1/producer' })[0];
    expect(families.get('edgehub_message_size_bytes')?.type).toBe('SUMMARY');
    expect({ sum: size?.sum, count: size?.count }).toEqual({ sum: '150', count: '2' });
    expect(samplesOf(families, 'edgehub_messages_sent_total', { from: 'edge-1/filter', to: 'upstream', from_route_output: 'out', priority: '2000000000' })[0]?.value).toBe('3');
    expect(samplesOf(families, 'edgehub_messages_sent_total', { from: 'edge-1/producer', to: 'edge-1/filter', to_route_input: 'in1' })[0]?.value).toBe('5');
    expect(samplesOf(families, 'edgehub_queue_length', { endpoint: '$upstream', priority: '2000000000' })[0]?.value).toBe('7');
    expect(samplesOf(families, 'edgehub_messages_dropped_total', { reason: 'no_route', from: 'leaf-1' })[0]?.value).toBe('1');
    expect(samplesOf(families, 'edgehub_messages_dropped_total', { reason: 'ttl_expiry' })[0]?.value).toBe('4');
    expect(samplesOf(families, 'edgehub_messages_unack_total', { reason: 'storage_full' })[0]?.value).toBe('2');
    expect(samplesOf(families, 'edgehub_gettwin_total', { id: 'edge-1/filter' })[0]?.value).toBe('1');
    expect(samplesOf(families, 'edgehub_reported_properties_total', { id: 'edge-1/filter', target: 'upstream' })[0]?.value).toBe('1');
    expect(samplesOf(families, 'edgehub_direct_methods_total', { from: 'upstream', to: 'edge-1/filter' })[0]?.value).toBe('1');
    expect(samplesOf(families, 'edgehub_connected_clients')[0]?.value).toBe('2');
    // Only a successful start counts.
    expect(samplesOf(families, 'edgeAgent_module_start_total').map((s) => s.labels?.['module_name'])).toEqual(['producer']);
    expect(samplesOf(families, 'edgeAgent_command_latency_seconds', { command: 'start' })[0]?.value).toBe('0.02');
    expect(samplesOf(families, 'edgeAgent_iotedged_uptime_seconds')[0]?.value).toBe('10');
    expect(Number(samplesOf(families, 'edgeAgent_available_disk_space_bytes')[0]?.value)).toBeGreaterThan(0);
    expect(Number(samplesOf(families, 'edgeAgent_host_uptime_seconds')[0]?.value)).toBeGreaterThan(0);
    for (const family of families.values()) {
      for (const sample of family.metrics) expect(sample.labels).toMatchObject({ iothub: 'hub.test', edge_device: 'edge-1', instance_number: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    }
  });

  it('integrates the time each module ran while expected to, from one scrape to the next', async () => {
    let now = 0;
    let runtimeStatus: 'running' | 'backoff' = 'running';
    const metrics = createEdgeMetrics({
      iotHubHostName: 'hub.test',
      deviceId: 'edge-1',
      dataDir: process.cwd(),
      version: '0.1.0',
      runtimeStartedAtMs: 0,
      nowMs: () => now,
      hub: () => undefined,
      modules: async () => [{ id: 'producer', type: 'process', status: 'running', runtimeStatus, statusDescription: '', restartCount: 0, version: '1.2' }],
    });
    // Each scrape samples the module listing.
    await metrics.collect();
    now = 10_000;
    runtimeStatus = 'backoff';
    await metrics.collect();
    now = 15_000;
    const families = parseMetrics((await metrics.collect()).text);
    expect(samplesOf(families, 'edgeAgent_total_time_expected_running_seconds', { module_name: 'producer' })[0]?.value).toBe('15');
    expect(samplesOf(families, 'edgeAgent_total_time_running_correctly_seconds', { module_name: 'producer' })[0]?.value).toBe('10');
  });
});

describe('the /metrics listener', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });

  async function occupiedPort(): Promise<number> {
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => server.close(() => r())));
    return (server.address() as { port: number }).port;
  }

  it('serves GET /metrics in the Prometheus text format and 404 elsewhere', async () => {
    const metrics = createEdgeMetrics({ iotHubHostName: 'h', deviceId: 'd', dataDir: process.cwd(), version: '0', runtimeStartedAtMs: 0, hub: () => undefined, modules: async () => [] });
    const server = (await startMetricsServer(metrics, { host: '127.0.0.1', port: 0, explicit: true }, silentLog())) as MetricsServer;
    closers.push(() => server.close());
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    expect(parseMetrics(await res.text()).has('edgehub_messages_received_total')).toBe(true);
    expect((await fetch(server.url.replace('/metrics', '/other'))).status).toBe(404);
  });

  it('fails with EDGE_METRICS_PORT_IN_USE naming the flag when an explicit port is taken', async () => {
    const port = await occupiedPort();
    const metrics = createEdgeMetrics({ iotHubHostName: 'h', deviceId: 'd', dataDir: process.cwd(), version: '0', runtimeStartedAtMs: 0, hub: () => undefined, modules: async () => [] });
    const err = await startMetricsServer(metrics, { host: '127.0.0.1', port, explicit: true }, silentLog()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VergeError);
    expect(err).toMatchObject({ code: 'EDGE_METRICS_PORT_IN_USE' });
    expect((err as Error).message).toBe(`--metrics-port ${port} on --metrics-bind 127.0.0.1 is already in use (another edge runtime or exporter?); choose another port, or 0 for a free one`);
  });

  it('only warns, and serves no metrics, when the default port is taken', async () => {
    const port = await occupiedPort();
    const lines: string[] = [];
    const log = createLogger({ service: 'test', level: 'warn', destination: { write: (l: string) => void lines.push(l) } });
    const metrics = createEdgeMetrics({ iotHubHostName: 'h', deviceId: 'd', dataDir: process.cwd(), version: '0', runtimeStartedAtMs: 0, hub: () => undefined, modules: async () => [] });
    await expect(startMetricsServer(metrics, { host: '127.0.0.1', port, explicit: false }, log)).resolves.toBeUndefined();
    expect(lines.join('')).toContain('Prometheus metrics are off');
  });
});

describe('metrics settings', () => {
  it('defaults to 127.0.0.1:9600, not explicit; --metrics-port makes a taken port fatal; --no-metrics turns it off', () => {
    expect(parseEdgeConfig({ connectionString: CS }, {}).metrics).toEqual({ host: '127.0.0.1', port: 9600, explicit: false });
    expect(parseEdgeConfig({ connectionString: CS, metricsPort: 0, metricsBind: '0.0.0.0' }, {}).metrics).toEqual({ host: '0.0.0.0', port: 0, explicit: true });
    expect(parseEdgeConfig({ connectionString: CS, metrics: false }, {}).metrics).toBeUndefined();
  });

  it('refuses a port out of range and an empty bind address, naming the field', () => {
    const err = vergeErrorOf(() => parseEdgeConfig({ connectionString: CS, metricsPort: 70_000, metricsBind: '' }, {}));
    expect(err.code).toBe('EDGE_CONFIG_INVALID');
    expect(err.message).toContain('metricsPort:');
    expect(err.message).toContain('metricsBind:');
  });
});
