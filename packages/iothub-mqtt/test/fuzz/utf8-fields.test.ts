import mqttPacket from 'mqtt-packet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { invalidTextField } from '../../src/utf8-fields.js';
import { fuzzRuns } from '@verge/testkit/fuzz';

// Issue 8: text fields are validated with Node's `isUtf8` instead of a fatal TextDecoder (which built a string per
// packet); the verdict must be the WHATWG decoder's for any bytes.

const fatal = new TextDecoder('utf-8', { fatal: true });

function byDecoder(bytes: Uint8Array): boolean {
  try {
    fatal.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function publish(topic: Uint8Array): Buffer {
  // mqtt-packet writes a Buffer topic's bytes as they are.
  return mqttPacket.generate({ cmd: 'publish', topic: Buffer.from(topic) as unknown as string, payload: Buffer.from('payload'), qos: 0, dup: false, retain: false });
}

// Bytes biased towards the edges of UTF-8: continuation bytes, lead bytes of every length, surrogates, overlongs.
// No NUL: it has its own message, tested in the unit tests.
const utf8ish = fc.array(fc.oneof(fc.integer({ min: 0x01, max: 0x7f }), fc.integer({ min: 0x80, max: 0xbf }), fc.constantFrom(0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff)), { maxLength: 40 });

describe('invalidTextField', () => {
  it('calls a topic well-formed exactly when the fatal WHATWG UTF-8 decoder does', () => {
    fc.assert(
      fc.property(fc.oneof(utf8ish.map((a) => Uint8Array.from(a)), fc.string({ unit: 'grapheme', maxLength: 20 }).map((s) => Buffer.from(s.replaceAll('\0', '')))), (topic) => {
        const problem = invalidTextField(publish(topic));
        expect(problem === undefined).toBe(byDecoder(topic));
        if (problem !== undefined) expect(problem).toBe('PUBLISH topic is not well-formed UTF-8 (MQTT-1.5.3-1)');
      }),
      { numRuns: fuzzRuns(100_000) },
    );
  });

  it('names NUL first, then ill-formed UTF-8, wherever either sits in the topic (the ASCII scan hands over to the full check)', () => {
    const withNul = fc.array(fc.oneof(fc.constant(0x00), fc.integer({ min: 0x01, max: 0x7f }), fc.integer({ min: 0x80, max: 0xff })), { maxLength: 40 });
    fc.assert(
      fc.property(withNul.map((a) => Uint8Array.from(a)), (topic) => {
        const expected = topic.includes(0)
          ? 'PUBLISH topic contains U+0000 (MQTT-1.5.3-2)'
          : byDecoder(topic)
            ? undefined
            : 'PUBLISH topic is not well-formed UTF-8 (MQTT-1.5.3-1)';
        expect(invalidTextField(publish(topic))).toBe(expected);
      }),
      { numRuns: fuzzRuns(100_000) },
    );
  });
});
