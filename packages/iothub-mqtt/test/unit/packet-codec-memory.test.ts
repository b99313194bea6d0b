import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { encodePacket } from '../../src/packet-codec.js';

// Issue 8 (edge runtime idle RSS): mqtt-packet fills a process-wide cache of 65,536 two-byte Buffers on its first
// encode unless told not to, 6 MB of heap that the heap snapshot of an idle edge runtime showed as its largest item.

const numbers = createRequire(import.meta.url)('mqtt-packet/numbers.js') as { cache: Record<number, Buffer> };

describe('encodePacket memory', () => {
  it('encodes packet ids without filling mqtt-packet\'s 65,536-entry number cache', () => {
    const frame = encodePacket({ cmd: 'puback', messageId: 513 });
    expect([...frame]).toEqual([0x40, 2, 2, 1]);
    expect(Object.keys(numbers.cache)).toHaveLength(0);
  });
});
