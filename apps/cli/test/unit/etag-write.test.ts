import { describe, expect, it } from 'vitest';
import { VergeError } from '@verge/contracts';
import { writeBackRead } from '../../src/cli/etag-write.js';

describe('writeBackRead', () => {
  const conflict = (): Promise<never> => Promise.reject(new VergeError('CLD_ETAG_MISMATCH', 'If-Match etag "a" does not match the current etag "b"'));

  it('says the identity changed since it was read when the etag was the one read', async () => {
    await expect(writeBackRead('device d1', false, conflict)).rejects.toMatchObject({ code: 'CLD_ETAG_MISMATCH', message: 'device d1 changed while it was being updated; nothing was changed, run the command again' });
  });

  it("keeps the server's message for an etag the user gave, and passes other errors and results through", async () => {
    await expect(writeBackRead('device d1', true, conflict)).rejects.toMatchObject({ message: 'If-Match etag "a" does not match the current etag "b"' });
    await expect(writeBackRead('device d1', false, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await writeBackRead('device d1', false, () => Promise.resolve(7))).toBe(7);
  });
});
