import { VergeError } from '@verge/contracts';

/** The VergeError `fn` throws, to assert on its code, message and details; fails when `fn` throws anything else or nothing. */
export function vergeErrorOf(fn: () => unknown): VergeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof VergeError) return e;
    throw e;
  }
  throw new Error('expected a VergeError');
}
