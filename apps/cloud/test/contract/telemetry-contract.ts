import { expect, it } from 'vitest';
import { ids, msg } from './cloud-store-records.js';
import { withHarness, type CloudStoreFactory } from './cloud-store-contract.js';

/** The telemetry part of the CloudStore contract (group commit, retention, durability). */
export function describeTelemetryContract(make: CloudStoreFactory): void {
  it('appends telemetry with increasing sequence numbers and reads by filter', withHarness(make, async (s) => {
    const a = await s.telemetry.append({ deviceId: 'd1', enqueuedAtMs: 1, message: msg('a') });
    const b = await s.telemetry.append({ deviceId: 'd1', moduleId: 'm', enqueuedAtMs: 2, message: msg('b') });
    const c = await s.telemetry.append({ deviceId: 'd2', enqueuedAtMs: 3, message: msg('c') });
    expect([a.sequenceNumber < b.sequenceNumber, b.sequenceNumber < c.sequenceNumber]).toEqual([true, true]);
    expect(b).toMatchObject({ deviceId: 'd1', moduleId: 'm', enqueuedAtMs: 2, sizeBytes: 1 + 2 + 9 + 1 });
    expect(ids(await s.telemetry.recent({}, 10))).toEqual(['a', 'b', 'c']);
    expect(ids(await s.telemetry.recent({}, 2))).toEqual(['b', 'c']);
    expect(ids(await s.telemetry.recent({ deviceId: 'd1' }, 10))).toEqual(['a', 'b']);
    expect(ids(await s.telemetry.recent({ deviceId: 'd1', moduleId: 'm' }, 10))).toEqual(['b']);
    expect(ids(await s.telemetry.recent({ moduleId: 'm' }, 10))).toEqual(['b']);
    expect(ids(await s.telemetry.recent({}, 10, c.sequenceNumber))).toEqual(['a', 'b']);
    expect(ids(await s.telemetry.after({}, a.sequenceNumber, 10))).toEqual(['b', 'c']);
    const last = (await s.telemetry.recent({}, 1))[0]?.message;
    expect({ ...last, body: new TextDecoder().decode(last?.body) }).toEqual({ ...msg('c'), body: 'c' });
    expect(await s.telemetry.stats()).toMatchObject({ count: 3, lastSequence: c.sequenceNumber });
  }));

  it('group commits appends made together: each resolves with its own record, in order', withHarness(make, async (s) => {
    const records = await Promise.all(Array.from({ length: 1000 }, (_, i) => s.telemetry.append({ deviceId: 'd', enqueuedAtMs: i, message: msg(`m${i}`) })));
    const seqs = records.map((r) => r.sequenceNumber);
    expect(seqs.every((q, i) => i === 0 || q > (seqs[i - 1] ?? Infinity))).toBe(true);
    expect(records.map((r) => r.message.systemProperties['messageId'])).toEqual(records.map((_, i) => `m${i}`));
    expect(await s.telemetry.stats()).toMatchObject({ count: 1000, lastSequence: seqs.at(-1) });
    expect(ids(await s.telemetry.after({}, 0, 2000))).toEqual(records.map((_, i) => `m${i}`));
  }));

  it('stores each message of a batch exactly: bodies of any length and bytes, property maps with any characters', withHarness(make, async (s) => {
    const messages = [
      { body: new Uint8Array(0), properties: {}, systemProperties: {} },
      { body: Uint8Array.from([0x00, 0xff, 0x5c, 0x22, 0x7b, 0x2c, 0x7d]), properties: { 'a"b': 'c\\d', 'line\nbreak': '{"x":[1,2]}' }, systemProperties: { messageId: 'm,1' } },
      { body: new Uint8Array(4096).fill(7), properties: { ünï: '😀 \u0001', empty: '' }, systemProperties: { contentType: 'application/json', messageId: 'NULL' } },
      { body: new TextEncoder().encode('{"t":1}'), properties: { k: 'NULL' }, systemProperties: {} },
    ];
    // Appended together: one batch.
    const records = await Promise.all(messages.map((message, i) => s.telemetry.append({ deviceId: i % 2 === 0 ? 'd"1' : 'd,2', ...(i === 3 ? { moduleId: 'm{1}' } : {}), enqueuedAtMs: i, message })));
    const stored = await s.telemetry.after({}, (records[0]?.sequenceNumber ?? 1) - 1, 10);
    expect(stored.map((r) => ({ deviceId: r.deviceId, moduleId: r.moduleId, body: [...r.message.body], properties: r.message.properties, systemProperties: r.message.systemProperties, sizeBytes: r.sizeBytes }))).toEqual(
      records.map((r, i) => ({ deviceId: r.deviceId, moduleId: r.moduleId, body: [...(messages[i]?.body ?? [])], properties: messages[i]?.properties, systemProperties: messages[i]?.systemProperties, sizeBytes: r.sizeBytes })),
    );
  }));

  it('has committed an append once it resolves: another store on the same data reads it', withHarness(make, async (s, h) => {
    if (h.openAnother === undefined) return;
    const pending = Array.from({ length: 50 }, (_, i) => s.telemetry.append({ deviceId: 'd', enqueuedAtMs: i, message: msg(`c${i}`) }));
    const first = await pending[0];
    // The first append resolved: its whole batch is committed, whatever the first store does next.
    const other = await h.openAnother();
    expect(ids(await other.telemetry.after({}, (first?.sequenceNumber ?? 1) - 1, 1))).toEqual(['c0']);
    await Promise.all(pending);
    expect((await other.telemetry.recent({ deviceId: 'd' }, 100)).length).toBe(50);
  }));

  it('prunes telemetry by count, bytes and age, oldest first', withHarness(make, async (s) => {
    for (let i = 0; i < 10; i++) await s.telemetry.append({ deviceId: 'd', enqueuedAtMs: i * 1000, message: msg(`m${i}`) });
    const size = (await s.telemetry.stats()).bytes / 10;
    expect(await s.telemetry.prune({ maxCount: 8, maxBytes: 1e9, olderThanMs: 0 })).toBe(2);
    expect(ids(await s.telemetry.recent({}, 100))[0]).toBe('m2');
    expect(await s.telemetry.prune({ maxCount: 100, maxBytes: size * 5, olderThanMs: 0 })).toBe(3);
    expect(await s.telemetry.stats()).toMatchObject({ count: 5, bytes: size * 5 });
    expect(await s.telemetry.prune({ maxCount: 100, maxBytes: 1e9, olderThanMs: 7000 })).toBe(2);
    expect(ids(await s.telemetry.recent({}, 100))).toEqual(['m7', 'm8', 'm9']);
  }));

  it('never reuses a sequence number, across pruning and a restart', withHarness(make, async (_s, h) => {
    if (h.reopen === undefined) return;
    const last = await h.store.telemetry.append({ deviceId: 'd', enqueuedAtMs: 1, message: msg('x') });
    await h.store.telemetry.prune({ maxCount: 0, maxBytes: 1e9, olderThanMs: 0 });
    const again = await h.reopen();
    expect(await again.telemetry.stats()).toEqual({ count: 0, bytes: 0, lastSequence: last.sequenceNumber });
    expect((await again.telemetry.append({ deviceId: 'd', enqueuedAtMs: 2, message: msg('y') })).sequenceNumber).toBeGreaterThan(last.sequenceNumber);
  }));

  it('close waits for appends still in their batch', withHarness(make, async (_s, h) => {
    if (h.reopen === undefined) return;
    const pending = Array.from({ length: 20 }, (_, i) => h.store.telemetry.append({ deviceId: 'd', enqueuedAtMs: i, message: msg(`p${i}`) }));
    const again = await h.reopen();
    await Promise.all(pending);
    expect((await again.telemetry.stats()).count).toBe(20);
  }));
}
