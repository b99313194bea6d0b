import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEdge } from '@verge/edge';
import { eventually } from '@verge/testkit';
import type { TestCloud } from '@verge/testkit/cloud';
import { startPipelineEdge, startTestEdge, type PipelineEdge } from '@verge/testkit/edge';
import { parseMetrics, samplesOf } from '@verge/testkit/prometheus';

// The edge runtime's Prometheus endpoint with a real cloud, a real runtime and unmodified Azure SDK modules
// (producer → filter → $upstream): the series of reference §9 carry what actually flowed.

const EDGE_ID = 'edge-metrics';

describe('edge runtime /metrics', () => {
  let pipeline: PipelineEdge;
  let t: TestCloud;
  let edge: RunningEdge;

  beforeAll(async () => {
    pipeline = await startPipelineEdge({ edgeId: EDGE_ID, tempPrefix: 'verge-metrics-', sendIntervalMs: 100, moduleDesired: { filter: { greeting: 'hi' } } });
    ({ t, edge } = pipeline);
  });

  afterAll(() => pipeline?.stop());

  async function scrape(): Promise<ReturnType<typeof parseMetrics>> {
    const url = edge.metricsUrl;
    if (url === undefined) throw new Error('the runtime serves no metrics');
    const res = await fetch(url);
    expect(res.status).toBe(200);
    return parseMetrics(await res.text());
  }

  it('listens on a loopback port of its own and labels every series with the hub, device and instance', async () => {
    expect(edge.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const families = await scrape();
    const instance = samplesOf(families, 'edgeAgent_host_uptime_seconds')[0]?.labels?.['instance_number'];
    expect(instance).toMatch(/^[0-9a-f-]{36}$/);
    for (const f of families.values()) for (const s of f.metrics) expect(s.labels).toMatchObject({ iothub: t.api.hostName, edge_device: EDGE_ID, instance_number: instance });
  });

  it('counts what the modules sent, what the hub delivered, twin traffic and the agent starts', async () => {
    const families = await eventually(
      async () => {
        const f = await scrape();
        const upstream = samplesOf(f, 'edgehub_messages_sent_total', { from: `${EDGE_ID}/filter`, to: 'upstream', from_route_output: 'out' });
        return Number(upstream[0]?.value ?? 0) >= 5 && samplesOf(f, 'edgehub_reported_properties_total', { id: `${EDGE_ID}/filter` }).length > 0 ? f : undefined;
      },
      { description: 'the filter to have sent 5 messages upstream and reported its twin', timeoutMs: 30_000, intervalMs: 250 },
    );
    const received = Number(samplesOf(families, 'edgehub_messages_received_total', { id: `${EDGE_ID}/producer`, route_output: 'out' })[0]?.value);
    expect(received).toBeGreaterThanOrEqual(5);
    expect(samplesOf(families, 'edgehub_messages_sent_total', { from: `${EDGE_ID}/producer`, to: `${EDGE_ID}/filter`, to_route_input: 'in' }).length).toBe(1);
    const size = samplesOf(families, 'edgehub_message_size_bytes', { id: `${EDGE_ID}/producer` })[0];
    expect(Number(size?.count)).toBeGreaterThanOrEqual(received);
    expect(Number(size?.sum)).toBeGreaterThan(0);
    expect(Number(samplesOf(families, 'edgehub_gettwin_total', { id: `${EDGE_ID}/filter` })[0]?.value)).toBeGreaterThanOrEqual(1);
    expect(samplesOf(families, 'edgehub_queue_length', { endpoint: '$upstream' }).length).toBeGreaterThanOrEqual(1);
    expect(Number(samplesOf(families, 'edgehub_connected_clients')[0]?.value)).toBeGreaterThanOrEqual(2);
    expect(Number(samplesOf(families, 'edgehub_client_connect_success_total', { id: `${EDGE_ID}/producer` })[0]?.value)).toBeGreaterThanOrEqual(1);
    for (const m of ['producer', 'filter']) expect(Number(samplesOf(families, 'edgeAgent_module_start_total', { module_name: m })[0]?.value)).toBeGreaterThanOrEqual(1);
    expect(Number(samplesOf(families, 'edgeAgent_total_time_expected_running_seconds', { module_name: 'producer' })[0]?.value)).toBeGreaterThanOrEqual(0);
  });

  it('counts a direct method from the cloud to a module', async () => {
    await t.api.invokeMethod({ deviceId: EDGE_ID, moduleId: 'filter' }, { methodName: 'echo', payload: {}, responseTimeoutInSeconds: 15 });
    const families = await scrape();
    expect(Number(samplesOf(families, 'edgehub_direct_methods_total', { from: 'upstream', to: `${EDGE_ID}/filter` })[0]?.value)).toBe(1);
  });

  it('refuses to start when the --metrics-port given is taken, naming the flag', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const err = await startTestEdge(t, { dataDir: join(pipeline.dir, 'edge-2'), connectionString: pipeline.connectionString, runtime: 'process', processUser: 'runtime', metricsPort: port }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'EDGE_METRICS_PORT_IN_USE' });
      expect((err as Error).message).toContain(`--metrics-port ${port} on --metrics-bind 127.0.0.1 is already in use`);
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });
});
