import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultRoutePriority, type MessageDelivery, type MessageStore, type QueueRef } from '@verge/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryMessageStore, openSqliteMessageStore } from '../../src/hub/store/index.js';
import { fuzzRuns } from '@verge/testkit/fuzz';

// Differential test: random operation sequences run against the in-memory and the SQLite store must give identical
// results (values, or error codes and messages), including full-store refusals, TTL expiry and invalid checkpoints.
const endpoints = ['$upstream', 'BrokeredEndpoint("/modules/a/inputs/in")', 'BrokeredEndpoint("/modules/b/inputs/in")'];
const priorities = [0, 1, defaultRoutePriority];
const queue = fc.record({ endpointId: fc.constantFrom(...endpoints), priority: fc.constantFrom(...priorities) });

type Op =
  | { kind: 'append'; size: number; props: Record<string, string>; deliveries: MessageDelivery[] }
  | { kind: 'read'; queue: QueueRef; from: number; max: number }
  | { kind: 'checkpoint'; queue: QueueRef; delta: number }
  | { kind: 'cleanup' }
  | { kind: 'advance'; ms: number }
  | { kind: 'stats' };

const delivery = fc.record({ endpointId: fc.constantFrom(...endpoints), priority: fc.constantFrom(...priorities), ttlSecs: fc.constantFrom(-1, 0, 1, 5, 60) });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('append' as const), size: fc.nat(400), props: fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 6 }), { maxKeys: 2 }), deliveries: fc.array(delivery, { maxLength: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('read' as const), queue, from: fc.nat(30), max: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('checkpoint' as const), queue, delta: fc.integer({ min: -3, max: 2 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'cleanup' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.constantFrom(1, 999, 1_000, 5_001, 61_000) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'stats' as const }) },
);

async function apply(store: MessageStore, o: Op, advance: (ms: number) => void): Promise<unknown> {
  try {
    switch (o.kind) {
      case 'append':
        return await store.append({ body: new Uint8Array(o.size).fill(o.size % 256), properties: o.props, systemProperties: {} }, o.deliveries);
      case 'read': {
        const r = await store.read(o.queue, o.from, o.max);
        return { ...r, entries: r.entries.map((e) => ({ ...e, message: { ...e.message, body: Array.from(e.message.body) } })) };
      }
      case 'checkpoint': {
        const q = (await store.queues(o.queue.endpointId)).find((x) => x.priority === o.queue.priority);
        const target = (q?.nextOffset ?? 0) - 1 + o.delta;
        await store.checkpoint(o.queue, target);
        return target;
      }
      case 'cleanup':
        return await store.cleanup();
      case 'advance':
        advance(o.ms);
        return o.ms;
      case 'stats':
        return await store.stats();
    }
  } catch (e) {
    return { error: (e as { code?: string }).code, message: (e as Error).message };
  }
}

describe('message stores agree (differential fuzz)', () => {
  it('in-memory and SQLite stores give the same result for every operation of random sequences', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verge-hub-store-fuzz-'));
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 60 }), async (ops) => {
          let now = 1_700_000_000_000;
          const nowMs = (): number => now;
          const ids = (): (() => string) => {
            let n = 0;
            return () => `id-${n++}`;
          };
          const mem = createMemoryMessageStore({ maxBytes: 2_000, nowMs, newId: ids() });
          const sql = openSqliteMessageStore({ path: join(dir, `s${run++}.db`), maxBytes: 2_000, nowMs, newId: ids() });
          try {
            for (const o of ops) {
              const a = await apply(mem, o, () => undefined);
              const b = await apply(sql, o, (ms) => (now += ms));
              expect(b).toEqual(a);
            }
          } finally {
            await mem.close();
            await sql.close();
          }
        }),
        { numRuns: fuzzRuns(2_000) },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
