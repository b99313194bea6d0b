import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VergeError, errorRegistry, isVergeError } from '@verge/contracts';

describe('error registry', () => {
  it('maps codes to statuses and keeps the cause', () => {
    const cause = new Error('boom');
    const e = new VergeError('VALIDATION_FAILED', 'bad', { cause, details: [1] });
    expect(e.status).toBe(400);
    expect(e.cause).toBe(cause);
    expect(isVergeError(e, 'VALIDATION_FAILED')).toBe(true);
    expect(isVergeError(e, 'INTERNAL_ERROR')).toBe(false);
  });

  it('has a row in docs/errors.md for every code', () => {
    const doc = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');
    for (const code of Object.keys(errorRegistry)) expect(doc).toContain(`| \`${code}\` |`);
  });
});
