import type { QueueEntry } from '@verge/contracts';
import { describe, expect, it } from 'vitest';
import { attemptDelivery } from '../../../src/hub/endpoints/delivery-attempt.js';
import { senderIdentity } from '../../../src/hub/endpoints/index.js';
import { chunkEntries, groupBySender } from '../../../src/hub/endpoints/send-groups.js';

function entry(offset: number, bytes: number, device = 'd', module?: string): QueueEntry {
  const systemProperties: Record<string, string> = { connectionDeviceId: device, ...(module === undefined ? {} : { connectionModuleId: module }) };
  return { offset, edgeMessageId: `e${offset}`, enqueuedAtMs: 0, ttlSecs: -1, message: { body: new Uint8Array(bytes), properties: {}, systemProperties } };
}
const offsets = (chunks: QueueEntry[][]): number[][] => chunks.map((c) => c.map((e) => e.offset));

describe('send grouping', () => {
  it.each([
    [{ connectionDeviceId: 'd1' }, 'd1'],
    [{ connectionDeviceId: 'd1', connectionModuleId: 'm1' }, 'd1/m1'],
    [{ connectionDeviceId: 'd1', connectionModuleId: '' }, 'd1'],
    [{}, ''],
  ])('identifies the sender of %j as %j', (systemProperties, id) => {
    expect(senderIdentity({ offset: 0, edgeMessageId: 'x', enqueuedAtMs: 0, ttlSecs: -1, message: { body: new Uint8Array(), properties: {}, systemProperties } })).toBe(id);
  });

  it('groups by sender in first-appearance order, keeping queue order inside a group', () => {
    const es = [entry(0, 1, 'a'), entry(1, 1, 'b'), entry(2, 1, 'a', 'm'), entry(3, 1, 'a'), entry(4, 1, 'b')];
    expect(offsets(groupBySender(es))).toEqual([[0, 3], [1, 4], [2]]);
  });

  it.each([
    [[10, 10, 10, 10, 10], 2, 1000, [[0, 1], [2, 3], [4]]],
    [[100, 100, 100], 10, 250, [[0, 1], [2]]],
    [[300, 10, 10], 10, 250, [[0], [1, 2]]],
    [[10, 300, 10], 10, 250, [[0], [1], [2]]],
    [[], 10, 250, []],
  ])('cuts sizes %j into chunks of ≤ %i entries and ≤ %i bytes: %j', (sizes, maxCount, maxBytes, expected) => {
    expect(offsets(chunkEntries(sizes.map((s, i) => entry(i, s)), maxCount, maxBytes))).toEqual(expected);
  });

  it('after a retryable failure inside a call, keeps later entries of that sender unresolved unless reported ok', async () => {
    const es = [entry(0, 1), entry(1, 1), entry(2, 1), entry(3, 1)];
    const outcomes = await attemptDelivery(es, { kind: 'per-sender', fanOut: 1, maxBatchSize: 10, maxBatchBytes: 1000 }, () =>
      Promise.resolve([{ kind: 'ok' }, { kind: 'retryable', reason: 'busy' }, { kind: 'permanent', reason: 'late' }, { kind: 'ok' }]),
    );
    expect([...outcomes.entries()].map(([o, r]) => [o, r.kind])).toEqual([
      [0, 'ok'],
      [1, 'retryable'],
      [2, 'retryable'],
      [3, 'ok'],
    ]);
  });

  it('runs at most fanOut senders at once', async () => {
    let running = 0;
    let peak = 0;
    const es = Array.from({ length: 30 }, (_, i) => entry(i, 1, `d${i}`));
    await attemptDelivery(es, { kind: 'per-sender', fanOut: 10, maxBatchSize: 10, maxBatchBytes: 1000 }, async (chunk) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setImmediate(r));
      running--;
      return chunk.map(() => ({ kind: 'ok' as const }));
    });
    expect(peak).toBe(10);
  });
});
