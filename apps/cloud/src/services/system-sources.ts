import { randomBytes, randomUUID } from 'node:crypto';
import type { RandomSource } from './context.js';

/** Node's CSPRNG. */
export const systemRandom: RandomSource = {
  bytes: (n) => new Uint8Array(randomBytes(n)),
  uuid: () => randomUUID(),
};
