import { join } from 'node:path';
import { tempDir } from '@verge/testkit';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openSqliteMessageStore } from '../../../src/hub/store/index.js';

describe('stored bodies and the read buffers they came from (issue 8, retained Buffers)', () => {
  it('an entry kept for reads holds its own copy, never the large read chunk the payload was a view of', async () => {
    const tmp = tempDir('verge-hub-body-');
    onTestFinished(tmp.cleanup);
    const store = openSqliteMessageStore({ path: join(tmp.dir, 'messages.db') });
    onTestFinished(() => store.close());
    const queue = { endpointId: 'e', priority: 0 };
    // A TLS read chunk with several PUBLISH payloads in it; the append gets a view of one of them.
    const chunk = Buffer.allocUnsafeSlow(64 * 1024).fill(0x61);
    for (const [start, end] of [[100, 220], [5000, 9500]] as const) {
      await store.append({ body: chunk.subarray(start, end), properties: {}, systemProperties: {} }, [{ ...queue, ttlSecs: -1 }]);
    }
    const bodies = (await store.read(queue, 0, 10)).entries.map((e) => e.message.body);
    expect(bodies.map((b) => b.byteLength)).toEqual([120, 4500]);
    for (const body of bodies) {
      expect(body.buffer).not.toBe(chunk.buffer);
      // At most one slab of Node's Buffer pool (small copies) or the body's own size (larger ones).
      expect(body.buffer.byteLength).toBeLessThanOrEqual(Math.max(Buffer.poolSize, body.byteLength));
    }
  });
});
