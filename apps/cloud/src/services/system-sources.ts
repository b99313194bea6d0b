import { randomBytes, randomUUID } from 'node:crypto';
import type { Clock, RandomSource } from './context.js';

/** The wall clock. */
export const systemClock: Clock = { nowMs: () => Date.now() };

/** Node's CSPRNG. */
export const systemRandom: RandomSource = {
  bytes: (n) => new Uint8Array(randomBytes(n)),
  uuid: () => randomUUID(),
};
