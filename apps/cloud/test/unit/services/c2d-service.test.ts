import { afterEach, describe, expect, it } from 'vitest';
import { expectVergeRejection } from '../../helpers/expect-error.js';
import { createTestCloud, type TestCloud } from '../../helpers/fixtures.js';

let cloud: TestCloud;
afterEach(() => cloud?.close());

const bytes = (s: string) => new TextEncoder().encode(s);

async function setup(c2d: Parameters<typeof createTestCloud>[0] = {}): Promise<TestCloud> {
  cloud = createTestCloud(c2d);
  await cloud.services.devices.putDevice('d', { deviceId: 'd' }, undefined);
  return cloud;
}

describe('C2D service', () => {
  it('queues a message with IoT Hub system properties and announces it', async () => {
    const c = await setup();
    const announced: string[] = [];
    c.services.endpoint.onC2dEnqueued((id) => announced.push(id));
    const accepted = await c.services.c2d.send('d', {
      body: bytes('hello'),
      properties: { color: 'red' },
      messageId: 'mid-1',
      correlationId: 'cid-1',
      contentType: 'application/json',
      contentEncoding: 'utf-8',
    });
    expect(accepted).toEqual({
      deviceId: 'd',
      messageId: 'mid-1',
      enqueuedTime: '2030-01-01T00:00:00.000Z',
      expiryTimeUtc: '2030-01-01T01:00:00.000Z',
      pendingCount: 1,
    });
    expect(announced).toEqual(['d']);
    const [pending] = await c.services.endpoint.pendingC2d('d');
    expect(pending?.expiresAtMs).toBe(Date.UTC(2030, 0, 1, 1));
    expect(new TextDecoder().decode(pending?.message.body)).toBe('hello');
    expect(pending?.message.properties).toEqual({ color: 'red' });
    expect(pending?.message.systemProperties).toEqual({
      messageId: 'mid-1',
      cid: 'cid-1',
      to: '/devices/d/messages/deviceBound',
      'absolute-expiry-time': '2030-01-01T01:00:00.000Z',
      contentType: 'application/json',
      contentEncoding: 'utf-8',
    });
    expect((await c.services.devices.getDevice('d')).cloudToDeviceMessageCount).toBe(1);
  });

  it('assigns a message id when none is given and completes messages by id', async () => {
    const c = await setup();
    const a = await c.services.c2d.send('d', { body: bytes('a'), properties: {} });
    expect(a.messageId).toMatch(/^[0-9a-f-]{36}$/);
    const [m] = await c.services.endpoint.pendingC2d('d');
    await c.services.endpoint.completeC2d('d', m?.id ?? '');
    expect(await c.services.endpoint.pendingC2d('d')).toEqual([]);
  });

  it('expires messages after their TTL (default 1 h) and honours an absolute expiry', async () => {
    const c = await setup();
    await c.services.c2d.send('d', { body: bytes('default'), properties: {} });
    await c.services.c2d.send('d', { body: bytes('short'), properties: {}, expiresAtMs: c.clock.nowMs() + 60_000 });
    await c.clock.advance(61_000);
    expect((await c.services.endpoint.pendingC2d('d')).map((m) => new TextDecoder().decode(m.message.body))).toEqual(['default']);
    await c.clock.advance(3_600_000);
    expect(await c.services.endpoint.pendingC2d('d')).toEqual([]);
    expect(await c.services.telemetry.pruneNow()).toBe(0);
    expect(await c.store.c2d.countPending('d', 0)).toBe(0);
  });

  it('refuses the 51st pending message (IoT Hub allows 50), until messages complete or expire', async () => {
    const c = await setup();
    for (let i = 0; i < 50; i++) await c.services.c2d.send('d', { body: bytes(`m${i}`), properties: {} });
    await expectVergeRejection(c.services.c2d.send('d', { body: bytes('one too many'), properties: {} }), 'CLD_C2D_QUEUE_FULL', "device 'd' already has 50 pending cloud-to-device messages, the maximum; it must receive some first");
    const [first] = await c.services.endpoint.pendingC2d('d');
    await c.services.endpoint.completeC2d('d', first?.id ?? '');
    expect((await c.services.c2d.send('d', { body: bytes('fits again'), properties: {} })).pendingCount).toBe(50);
    await c.clock.advance(3_600_001);
    expect((await c.services.c2d.send('d', { body: bytes('after expiry'), properties: {} })).pendingCount).toBe(1);
  });

  it.each([
    ['a past expiry', { expiresAtMs: Date.UTC(2029, 0, 1) }, 'CLD_C2D_EXPIRY_INVALID', 'iothub-expiry: the message would already be expired; give a time in the future'],
    ['an expiry beyond 48 h', { expiresAtMs: Date.UTC(2030, 0, 3, 0, 0, 1) }, 'CLD_C2D_EXPIRY_INVALID', 'iothub-expiry: the time to live may be at most 172800 seconds'],
    ['a body over 64 KB', { body: new Uint8Array(65_530), properties: { key: 'value1' } }, 'CLD_C2D_MESSAGE_TOO_LARGE', 'the message is 65539 bytes (body plus properties); the limit is 65536'],
  ] as const)('refuses %s', async (_name, over, code, message) => {
    const c = await setup();
    await expectVergeRejection(c.services.c2d.send('d', { body: bytes('x'), properties: {}, ...over }), code, message);
    expect(await c.services.endpoint.pendingC2d('d')).toEqual([]);
  });

  it('refuses unknown devices', async () => {
    const c = await setup();
    await expectVergeRejection(c.services.c2d.send('nope', { body: bytes('x'), properties: {} }), 'CLD_DEVICE_NOT_FOUND', "device 'nope' is not registered");
  });

  it('applies configured bounds', async () => {
    const c = await setup({ c2d: { maxPendingPerDevice: 2 } });
    await c.services.c2d.send('d', { body: bytes('1'), properties: {} });
    await c.services.c2d.send('d', { body: bytes('2'), properties: {} });
    await expectVergeRejection(c.services.c2d.send('d', { body: bytes('3'), properties: {} }), 'CLD_C2D_QUEUE_FULL', /already has 2 pending/);
  });
});
