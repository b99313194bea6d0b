import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AckSequencer } from '../../src/ack-sequencer.js';
import type { MqttConnection } from '../../src/index.js';
import { fuzzRuns } from '@verge/testkit/fuzz';

const RUNS = { numRuns: fuzzRuns(100_000) };

describe('AckSequencer (fuzz)', () => {
  it('sends PUBACKs in arrival order for every order of completion, skipping what was not acknowledged', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 20 }).chain((acks) => fc.tuple(fc.constant(acks), fc.shuffledSubarray(acks.map((_, i) => i), { minLength: acks.length }))), ([acks, order]) => {
        const sent: number[] = [];
        const s = new AckSequencer({ puback: (id: number) => sent.push(id), close: () => undefined } as unknown as MqttConnection);
        const slots = acks.map((_, i) => s.reserve(i + 1));
        for (const i of order) {
          const slot = slots[i];
          if (slot === undefined) continue;
          if (acks[i] === true) s.ack(slot);
          else s.skip(slot);
        }
        expect(sent).toEqual(acks.flatMap((a, i) => (a ? [i + 1] : [])));
      }),
      RUNS,
    );
  });
});
