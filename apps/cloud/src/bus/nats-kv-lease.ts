import type { KV } from 'nats';
import type { Lease, Leases } from './lease.js';

/**
 * Leases in a NATS KV bucket whose entries expire after the bucket's TTL: a lease is the key `name` holding its
 * holder's id. `hold()` renews with a compare-and-set on the revision it wrote last, or creates the key when it is
 * absent (never written, expired or released); a create that finds the key held by another instance fails, which
 * JetStream decides atomically. The caller renews by calling `hold()` more often than the TTL.
 */
export function createNatsKvLeases(kv: KV, holderId: string): Leases {
  return {
    lease(name) {
      let revision: number | undefined;
      const value = new TextEncoder().encode(holderId);
      const lease: Lease = {
        name,
        async hold() {
          if (revision !== undefined) {
            try {
              revision = await kv.update(name, value, revision);
              return true;
            } catch {
              revision = undefined; // expired (and perhaps taken): try to create it again
            }
          }
          try {
            revision = await kv.create(name, value);
            return true;
          } catch {
            return false;
          }
        },
        async release() {
          if (revision === undefined) return;
          const held = revision;
          revision = undefined;
          await kv.delete(name, { previousSeq: held }).catch(() => undefined); // already expired or taken: nothing to give up
        },
      };
      return lease;
    },
  };
}
