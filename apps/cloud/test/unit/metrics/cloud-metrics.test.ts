import { afterEach, describe, expect, it } from 'vitest';
import { createServiceSasToken } from '@verge/core';
import { silentLog, vergeErrorOf } from '@verge/testkit';
import { histogramOf, parseMetricSeries, parseMetrics, valueOf } from '@verge/testkit/prometheus';
import { parseCloudConfig } from '../../../src/config.js';
import { createInProcessEventBus } from '../../../src/events/in-process-event-bus.js';
import { CloudMetricCounts, createCloudMetrics, observePublishes, timeTransactions } from '../../../src/metrics/index.js';
import type { FleetGauges } from '../../../src/metrics/index.js';
import type { CloudStore } from '../../../src/store/ports.js';
import { aKey, createTestApi, TEST_HOST, type TestApi } from '../../helpers/fixtures.js';

const noFleet: FleetGauges = { deploymentsByRolloutStatus: async () => new Map(), jobsByStatus: async () => new Map([['running', 2]]) };

describe('cloud metric counts', () => {
  it('counts events by kind and section, and method results by the status the API answered', async () => {
    const m = createCloudMetrics({ hostName: 'hub.test', instanceId: 'hub-1', fleet: noFleet });
    const c = m.counts;
    c.observeEvent('connectionChanged', { id: { deviceId: 'd1' }, connected: true, instanceId: 'hub-1' });
    c.observeEvent('connectionChanged', { id: { deviceId: 'd1', moduleId: 'm1' }, connected: true, instanceId: 'hub-1' });
    c.observeEvent('connectionChanged', { id: { deviceId: 'd1', moduleId: 'm1' }, connected: false, instanceId: 'hub-1' });
    c.observeEvent('twinChanged', { id: { deviceId: 'd1' }, tags: true, desired: true, reported: false });
    c.observeEvent('deploymentsEvaluated', { all: true, devices: 3, written: 1, failed: 0, durationMs: 20 });
    for (const statusCode of [200, 404, 504, 400, 500]) c.observeRequest({ method: 'POST', route: '/twins/:id/modules/:mid/methods', statusCode, durationMs: 1 });
    c.observeRequest({ method: 'GET', route: '/twins/:id/methods', statusCode: 200, durationMs: 1 });
    const text = (await m.collect()).text;
    const f = parseMetricSeries(text);
    expect(valueOf(f, 'verge_cloud_connected_clients', { kind: 'device' })).toBe(1);
    expect(valueOf(f, 'verge_cloud_connected_clients', { kind: 'module' })).toBe(0);
    expect(valueOf(f, 'verge_cloud_connections_closed_total', { kind: 'module' })).toBe(1);
    expect(valueOf(f, 'verge_cloud_twin_updates_total', { section: 'tags' })).toBe(1);
    expect(valueOf(f, 'verge_cloud_twin_updates_total', { section: 'reported' })).toBe(0);
    for (const result of ['answered', 'not_connected', 'timeout', 'rejected', 'error']) expect(valueOf(f, 'verge_cloud_direct_methods_total', { result })).toBe(1);
    expect(valueOf(f, 'verge_cloud_deployment_evaluated_devices_total')).toBe(3);
    const evaluation = histogramOf(f, 'verge_cloud_deployment_evaluation_duration_seconds', { scope: 'all' });
    expect({ sum: evaluation.sum, count: evaluation.count, le005: evaluation.buckets.get('0.05'), le001: evaluation.buckets.get('0.01') }).toEqual({ sum: 0.02, count: 1, le005: 1, le001: 0 });
    expect(valueOf(f, 'verge_cloud_jobs', { status: 'running' })).toBe(2);
    expect(valueOf(f, 'verge_cloud_jobs', { status: 'failed' })).toBe(0);
    expect(parseMetrics(text).get('verge_cloud_deployment_evaluation_duration_seconds')?.type).toBe('HISTOGRAM');
  });

  it('keeps the method counter to the method routes', () => {
    const c = new CloudMetricCounts();
    c.observeRequest({ method: 'GET', route: undefined, statusCode: 404, durationMs: 1 });
    expect(c.methods.size).toBe(0);
  });
});

describe('observePublishes', () => {
  it('shows the publishes of this instance only, and a failing observer does not stop them', () => {
    const base = createInProcessEventBus(silentLog());
    const seen: string[] = [];
    const bus = observePublishes(base, (topic) => {
      seen.push(topic);
      throw new Error('observer bug');
    });
    const delivered: string[] = [];
    bus.subscribe('c2dEnqueued', (e) => delivered.push(e.deviceId));
    bus.publish('c2dEnqueued', { deviceId: 'local' });
    // What another instance published arrives on the underlying bus, not through `publish` of the wrapper.
    base.publish('c2dEnqueued', { deviceId: 'remote' });
    expect(seen).toEqual(['c2dEnqueued']);
    expect(delivered).toEqual(['local', 'remote']);
  });
});

describe('timeTransactions', () => {
  it('times committed and failed transactions and leaves the rest of the store as it is', async () => {
    const durations: number[] = [];
    const store = {
      marker: 'store',
      transaction: async <T>(fn: (tx: never) => Promise<T>) => fn({} as never),
      close: async function (this: { marker: string }) {
        return this.marker;
      },
    };
    const timed = timeTransactions(store as unknown as CloudStore, (ms) => durations.push(ms));
    expect(await timed.transaction(async () => 7)).toBe(7);
    await expect(timed.transaction(async () => Promise.reject(new Error('conflict')))).rejects.toThrow('conflict');
    expect(durations).toHaveLength(2);
    expect(await (timed as unknown as typeof store).close()).toBe('store');
  });
});

describe('metrics settings', () => {
  it('has no separate listener by default; metrics.port adds one on loopback', () => {
    expect(parseCloudConfig({ dataDir: '/tmp/x' }).metrics).toBeUndefined();
    expect(parseCloudConfig({ dataDir: '/tmp/x', metrics: { port: 0 } }).metrics).toEqual({ port: 0, host: '127.0.0.1' });
  });

  it('refuses a port out of range, an empty address and unknown keys, naming each', () => {
    const err = vergeErrorOf(() => parseCloudConfig({ dataDir: '/tmp/x', metrics: { port: 70_000, host: '', path: '/m' } }));
    expect(err.code).toBe('CLD_CONFIG_INVALID');
    expect(err.message).toContain('metrics.port:');
    expect(err.message).toContain('metrics.host:');
    expect(err.message).toContain('path');
  });
});

describe('GET /metrics on the service API', () => {
  let t: TestApi;
  afterEach(async () => t?.closeAll());

  it('needs a token with RegistryRead: refused without one and with a DeviceConnect-only policy', async () => {
    t = await createTestApi();
    expect((await t.api.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const token = async (name: string, rights: ('RegistryRead' | 'DeviceConnect')[]): Promise<string> => {
      const key = aKey(name.length);
      await t.store.policies.put({ name, primaryKey: key, secondaryKey: aKey(9), rights, createdAtMs: 0 });
      return createServiceSasToken({ hostName: TEST_HOST, policyName: name, key, expirySec: Math.floor(t.clock.nowMs() / 1000) + 60 });
    };
    const scraper = await t.api.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: await token('prometheus', ['RegistryRead']) } });
    expect(scraper.statusCode).toBe(200);
    expect(scraper.headers['content-type']).toContain('text/plain; version=0.0.4');
    expect(valueOf(parseMetricSeries(scraper.body), 'verge_cloud_telemetry_messages_received_total', { iothub: TEST_HOST, cloud_instance: 'test-instance' })).toBe(0);
    const device = await t.api.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: await token('devices', ['DeviceConnect']) } });
    expect([401, 403]).toContain(device.statusCode);
  });
});
