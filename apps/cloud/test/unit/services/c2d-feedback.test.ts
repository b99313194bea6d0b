import { afterEach, expect, it } from 'vitest';
import { createTestCloud, type TestCloud } from '../../helpers/fixtures.js';
import type { C2dSendInput } from '../../../src/services/c2d-service.js';

let cloud: TestCloud;
afterEach(() => cloud?.close());

const message = (messageId: string, ack: C2dSendInput['ack']): C2dSendInput => ({ body: new TextEncoder().encode(messageId), properties: {}, messageId, ...(ack === undefined ? {} : { ack }) });

it('records Success when the device completes a message whose sender asked, Expired when one expires, and drops unread ones after an hour', async () => {
  cloud = createTestCloud();
  const { services, store, clock } = cloud;
  await services.devices.putDevice('d', { deviceId: 'd' }, undefined);
  const generationId = (await store.devices.get('d'))?.generationId;
  for (const [id, ack] of [['full-done', 'full'], ['positive-done', 'positive'], ['negative-done', 'negative'], ['none-done', 'none']] as const) {
    await services.c2d.send('d', message(id, ack));
  }
  for (const [id, ack] of [['full-expired', 'full'], ['positive-expired', 'positive'], ['negative-expired', 'negative'], ['unasked-expired', undefined]] as const) {
    await services.c2d.send('d', { ...message(id, ack), expiresAtMs: clock.nowMs() + 60_000 });
  }
  const pending = await services.endpoint.pendingC2d('d');
  // The device never sees the sender's ack.
  expect(pending.every((m) => !('iothub-ack' in m.message.properties) && !('$.ack' in m.message.systemProperties))).toBe(true);
  for (const m of pending.filter((p) => p.message.systemProperties['messageId']?.endsWith('-done'))) await services.endpoint.completeC2d('d', m.id);
  // Completing again (a duplicate PUBACK) records nothing more.
  await services.endpoint.completeC2d('d', pending[0]?.id ?? '');

  await clock.advance(61_000);
  await services.telemetry.pruneNow();
  const records = (await store.c2dFeedback.oldest(100)).map((r) => r.record);
  expect(records.map((r) => [r.originalMessageId, r.statusCode])).toEqual([
    ['full-done', 'Success'],
    ['positive-done', 'Success'],
    ['full-expired', 'Expired'],
    ['negative-expired', 'Expired'],
  ]);
  expect(records[0]).toEqual({ originalMessageId: 'full-done', deviceId: 'd', deviceGenerationId: generationId, enqueuedTimeUtc: '2030-01-01T00:00:00.000Z', statusCode: 'Success', description: 'Success' });
  expect(records[2]?.description).toBe('Message expired');

  await clock.advance(60 * 60 * 1000 + 1);
  await services.telemetry.pruneNow();
  expect(await store.c2dFeedback.oldest(100)).toEqual([]);
});
