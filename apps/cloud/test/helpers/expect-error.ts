import { expect } from 'vitest';
import { isVergeError, type ErrorCode } from '@verge/contracts';

/** Asserts that `fn` throws a VergeError with `code` and the exact `message` (or matching the pattern). */
export function expectVergeError(fn: () => unknown, code: ErrorCode, message: string | RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(isVergeError(caught, code), `expected ${code}, got ${String(caught)}`).toBe(true);
  if (typeof message === 'string') expect((caught as Error).message).toBe(message);
  else expect((caught as Error).message).toMatch(message);
}

/** As `expectVergeError` for a promise. */
export async function expectVergeRejection(p: Promise<unknown>, code: ErrorCode, message: string | RegExp): Promise<void> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  expect(isVergeError(caught, code), `expected ${code}, got ${String(caught)}`).toBe(true);
  if (typeof message === 'string') expect((caught as Error).message).toBe(message);
  else expect((caught as Error).message).toMatch(message);
}
