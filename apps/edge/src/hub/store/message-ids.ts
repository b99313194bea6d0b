import { randomUUID } from 'node:crypto';

/**
 * `edgeMessageId`s for one open store: UUID-shaped, unique across restarts and stores, and cheap. The first 20
 * hex digits (version and variant included) come from one random UUID per generator (74 random bits), the last 12
 * count up from a random start. `crypto.randomUUID()` per message built its string from ~20 concatenations: ~560
 * bytes of garbage a message, one of the largest allocations of the hub's append path (issue 8, GC pauses per hop).
 */
export function messageIdGenerator(seed: string = randomUUID()): () => string {
  const prefix = seed.slice(0, 24); // `xxxxxxxx-xxxx-4xxx-yxxx-`
  let counter = Number.parseInt(seed.slice(24, 36), 16) || 0;
  return () => {
    counter = (counter + 1) % 0x1_0000_0000_0000;
    return prefix + counter.toString(16).padStart(12, '0');
  };
}
