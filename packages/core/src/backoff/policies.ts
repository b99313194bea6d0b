import type { BackoffPolicy } from './backoff.js';

/**
 * The named backoff policies. Retries against the cloud (or any server many devices share) carry ±20 % jitter so a
 * fleet that lost its connection together does not come back in lockstep; local retries (the container engine) do not.
 */

/** Reconnect to a server: the device client's MQTT reconnect, and the hub's endpoint pumps (iotedge's RoutingModule: 1 s → 60 s, reference azure-iot-edge.md §4). */
export const RECONNECT_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 60_000, jitter: 0.2 };

/** A failed agent step, per step key (STYLE §2.3: 1 s → 5 min, iotedge caps at 300 s). */
export const STEP_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 300_000, jitter: 0.2 };

/** The agent's whole reconcile loop while the module runtime (the engine) is unavailable. */
export const RUNTIME_OUTAGE_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 60_000, jitter: 0 };

/** The agent's module-identity calls to the cloud, once one failed (they are also asked every reconcile pass). */
export const IDENTITY_SYNC_BACKOFF: BackoffPolicy = { baseMs: 5_000, maxMs: 300_000, jitter: 0 };

/** Reopening the container engine's event stream after it broke (the engine restarted). */
export const ENGINE_EVENTS_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 30_000, jitter: 0 };

/** The service client's server-sent-events reconnect (the server's `retry:` replaces the base). */
export const EVENT_STREAM_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 30_000, jitter: 0 };

/** The dashboard's live views reconnecting their event streams (a person is watching: short; the server's `retry:` replaces the base). */
export const LIVE_VIEW_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 10_000, jitter: 0.2 };

/**
 * A read-modify-write that lost an optimistic-concurrency race (the cloud's `retryOnConflict`): milliseconds, not
 * seconds, and jitter of ±90 %: the writers that collided ran in step, so their next attempts must not.
 */
export const CONFLICT_RETRY_BACKOFF: BackoffPolicy = { baseMs: 2, maxMs: 64, jitter: 0.9 };
