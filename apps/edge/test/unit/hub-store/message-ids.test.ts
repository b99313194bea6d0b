import { describe, expect, it } from 'vitest';
import { messageIdGenerator } from '../../../src/hub/store/message-ids.js';

const uuidV4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('messageIdGenerator (edgeMessageId of the SQLite store)', () => {
  it('makes UUID-shaped ids, distinct within a generator and between generators', () => {
    const a = messageIdGenerator();
    const b = messageIdGenerator();
    const ids = [...Array.from({ length: 1000 }, a), ...Array.from({ length: 1000 }, b)];
    for (const id of ids) expect(id).toMatch(uuidV4);
    expect(new Set(ids).size).toBe(2000);
  });

  it('counts in the last twelve hex digits from the seed, and wraps there without touching the rest', () => {
    const next = messageIdGenerator('0123abcd-0000-4000-8000-fffffffffffe');
    expect([next(), next(), next()]).toEqual(['0123abcd-0000-4000-8000-ffffffffffff', '0123abcd-0000-4000-8000-000000000000', '0123abcd-0000-4000-8000-000000000001']);
  });
});
