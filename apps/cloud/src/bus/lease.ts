/**
 * A named lease shared by the cloud instances of one store and bus: background work that must run once across
 * instances (expired C2D purge, telemetry retention, later deployment evaluation and rollouts) runs only while
 * `hold()` answers true. A holder that stops renewing (crashed, partitioned) loses the lease after its TTL, so work
 * guarded by it must be idempotent: a pass may overlap the next holder's first pass once, never run on two instances
 * for longer than the TTL.
 */
export interface Lease {
  readonly name: string;
  /** Acquires the lease when it is free, renews it when this holder has it; true while this holder holds it. */
  hold(): Promise<boolean>;
  /** Gives the lease up at once (another instance may take it); a no-op when not held. */
  release(): Promise<void>;
}

/** Leases of one holder (a cloud instance). */
export interface Leases {
  lease(name: string): Lease;
}

/** The leases of a cloud that runs alone: always held. */
export const soleInstanceLeases: Leases = {
  lease: (name) => ({ name, hold: () => Promise.resolve(true), release: () => Promise.resolve() }),
};

/**
 * How long a lease outlives a holder that stopped renewing (`ttlMs`: three retention prune intervals, at least 1 s)
 * and how often every holder renews it (`checkMs`: the prune interval, between 333 ms and 10 s, so always well
 * inside the TTL: a live holder never loses its lease between two checks). One place for both.
 */
export function leaseTiming(retention: { readonly pruneIntervalMs: number }): { readonly ttlMs: number; readonly checkMs: number } {
  return {
    ttlMs: Math.max(3 * retention.pruneIntervalMs, 1_000),
    checkMs: Math.min(10_000, Math.max(retention.pruneIntervalMs, 333)),
  };
}
