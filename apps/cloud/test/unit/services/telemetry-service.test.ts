import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '@verge/contracts';
import { telemetryToDto } from '../../../src/services/telemetry-service.js';
import { createTestCloud, type TestCloud } from '../../helpers/fixtures.js';

let cloud: TestCloud | undefined;
afterEach(() => {
  cloud?.close();
  cloud = undefined;
});

function message(deviceId: string, text: string, extra: Record<string, string> = {}, enqueuedTime?: string): Message {
  return {
    body: new TextEncoder().encode(text),
    properties: { p: text },
    systemProperties: { connectionDeviceId: deviceId, messageId: text, ...(enqueuedTime === undefined ? {} : { enqueuedTime }), ...extra },
  };
}

const texts = async (c: TestCloud) => (await c.services.telemetry.recent({}, 1000)).map((r) => new TextDecoder().decode(r.message.body));

describe('telemetry service', () => {
  it('stores a message under its connection ids and enqueued time, and announces it', async () => {
    cloud = createTestCloud();
    const seen: number[] = [];
    cloud.bus.subscribe('telemetry', (e) => seen.push(e.record.sequenceNumber));
    await cloud.services.devices.putDevice('d', { deviceId: 'd' }, undefined);
    await cloud.services.endpoint.ingestTelemetry(message('d', 'hello', { connectionModuleId: 'm', contentType: 'application/json' }, '2030-01-01T00:00:05.000Z'));
    const [r] = await cloud.services.telemetry.recent({ deviceId: 'd', moduleId: 'm' }, 10);
    expect(seen).toEqual([r?.sequenceNumber]);
    expect(r && telemetryToDto(r)).toEqual({
      sequenceNumber: r?.sequenceNumber,
      deviceId: 'd',
      moduleId: 'm',
      enqueuedTime: '2030-01-01T00:00:05.000Z',
      systemProperties: { connectionDeviceId: 'd', connectionModuleId: 'm', messageId: 'hello', enqueuedTime: '2030-01-01T00:00:05.000Z', contentType: 'application/json' },
      properties: { p: 'hello' },
      body: Buffer.from('hello').toString('base64'),
    });
    expect((await cloud.services.devices.getDevice('d')).lastActivityTime).toBe('0001-01-01T00:00:00Z');
    expect(await cloud.services.modules.listModules('d')).toEqual([]);
  });

  it('records device activity, at most every 5 s', async () => {
    cloud = createTestCloud();
    await cloud.services.devices.putDevice('d', { deviceId: 'd' }, undefined);
    await cloud.services.endpoint.ingestTelemetry(message('d', 'a'));
    expect((await cloud.services.devices.getDevice('d')).lastActivityTime).toBe('2030-01-01T00:00:00.000Z');
    await cloud.clock.advance(1000);
    await cloud.services.endpoint.ingestTelemetry(message('d', 'b'));
    expect((await cloud.services.devices.getDevice('d')).lastActivityTime).toBe('2030-01-01T00:00:00.000Z');
    await cloud.clock.advance(5000);
    await cloud.services.endpoint.ingestTelemetry(message('d', 'c'));
    expect((await cloud.services.devices.getDevice('d')).lastActivityTime).toBe('2030-01-01T00:00:06.000Z');
  });

  it('keeps at most maxCount messages, dropping the oldest as new ones arrive', async () => {
    cloud = createTestCloud({ retention: { maxCount: 3 } });
    for (const t of ['1', '2', '3', '4', '5']) await cloud.services.endpoint.ingestTelemetry(message('d', t));
    expect(await texts(cloud)).toEqual(['3', '4', '5']);
  });

  it('prunes inline only past the limit by 1%, then back down to the limit (no table scan per message)', async () => {
    cloud = createTestCloud({ retention: { maxCount: 200 } });
    for (let i = 0; i < 202; i++) await cloud.services.endpoint.ingestTelemetry(message('d', `${i}`));
    expect((await cloud.store.telemetry.stats()).count).toBe(202);
    await cloud.services.endpoint.ingestTelemetry(message('d', '202'));
    expect((await cloud.store.telemetry.stats()).count).toBe(200);
    expect((await texts(cloud))[0]).toBe('3');
  });

  it('messages committed together share one retention stats read', async () => {
    cloud = createTestCloud({ retention: { maxCount: 1000 } });
    const c = cloud;
    const stats = c.store.telemetry.stats.bind(c.store.telemetry);
    let reads = 0;
    Object.assign(c.store.telemetry, { stats: () => ((reads += 1), stats()) });
    await Promise.all(Array.from({ length: 50 }, (_, i) => c.services.endpoint.ingestTelemetry(message('d', `${i}`))));
    expect((await stats()).count).toBe(50);
    expect(reads).toBeGreaterThan(0);
    expect(reads).toBeLessThan(50);
  });

  it('keeps at most maxBytes', async () => {
    cloud = createTestCloud({ retention: { maxBytes: 5000 } });
    for (let i = 0; i < 10; i++) await cloud.services.endpoint.ingestTelemetry(message('d', `${i}`.padEnd(500, '.')));
    expect((await cloud.store.telemetry.stats()).bytes).toBe(3 * 1529);
    expect((await texts(cloud)).map((t) => t[0])).toEqual(['7', '8', '9']);
  });

  it('drops messages older than maxAgeSec on the periodic pass', async () => {
    cloud = createTestCloud({ retention: { maxAgeSec: 60, pruneIntervalMs: 100 } });
    const c = cloud;
    await c.services.endpoint.ingestTelemetry(message('d', 'old', {}, '2030-01-01T00:00:00.000Z'));
    await c.clock.advance(30_000);
    await c.services.endpoint.ingestTelemetry(message('d', 'new', {}, '2030-01-01T00:00:30.000Z'));
    await c.clock.advance(31_000);
    c.services.telemetry.start();
    await expect.poll(() => texts(c), { timeout: 2000 }).toEqual(['new']);
    c.services.telemetry.stop();
  });

  it('keeps retained messages and sequence numbers across a restart', async () => {
    cloud = createTestCloud();
    const dir = cloud.dir;
    await cloud.services.endpoint.ingestTelemetry(message('d', 'before'));
    const last = (await cloud.store.telemetry.stats()).lastSequence;
    cloud.services.telemetry.stop();
    await cloud.store.close();
    const again = createTestCloud({ dir });
    try {
      expect(await texts(again)).toEqual(['before']);
      await again.services.endpoint.ingestTelemetry(message('d', 'after'));
      expect((await again.services.telemetry.recent({}, 10)).map((r) => r.sequenceNumber)).toEqual([last, last + 1]);
    } finally {
      again.close();
    }
  });
});
