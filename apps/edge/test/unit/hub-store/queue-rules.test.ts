import { defaultRoutePriority, isExpired, messageSizeBytes, queueName, utf8Length } from '@verge/contracts';
import { describe, expect, it } from 'vitest';

describe('queue rules (shared by every store)', () => {
  it.each([
    [{ endpointId: '$upstream', priority: defaultRoutePriority }, '$upstream'],
    [{ endpointId: '$upstream', priority: 0 }, '$upstream_Pri0'],
    [{ endpointId: 'BrokeredEndpoint("/modules/m/inputs/i")', priority: 9 }, 'BrokeredEndpoint("/modules/m/inputs/i")_Pri9'],
  ])('names queue %j %s (iotedge {endpointId}[_Pri{p}])', (queue, name) => {
    expect(queueName(queue)).toBe(name);
  });

  it.each([
    [0, 60, 60_000, false],
    [0, 60, 60_001, true],
    [0, 0, 0, false],
    [0, 0, 1, true],
    [0, -1, Number.MAX_SAFE_INTEGER, false],
  ])('enqueued at %i with TTL %i s: expired at %i is %s', (enqueuedAtMs, ttlSecs, nowMs, expired) => {
    expect(isExpired({ enqueuedAtMs, ttlSecs }, nowMs)).toBe(expired);
  });

  it.each(['', 'abc', 'é', '☃', '𝄞', '\ud800', 'a\udc00b', 'x'.repeat(1000) + '€'])('measures UTF-8 length of %j like TextEncoder', (s) => {
    expect(utf8Length(s)).toBe(new TextEncoder().encode(s).byteLength);
  });

  it('sizes a message as body + property keys and values', () => {
    expect(messageSizeBytes({ body: new Uint8Array(10), properties: { k: 'vv' }, systemProperties: { messageId: 'é' } })).toBe(10 + 3 + 9 + 2);
  });
});
