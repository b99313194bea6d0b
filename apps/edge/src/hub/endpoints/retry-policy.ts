/** Exponential backoff of a failing endpoint (reference azure-iot-edge.md §4, RoutingModule: min 1 s, max 60 s, delta 1 s). */
export interface RetryPolicy {
  readonly minBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly deltaBackoffMs: number;
  /** ± fraction applied to the delta (the TransientFaultHandling block iotedge uses draws from 0.8–1.2 × delta). */
  readonly jitter: number;
}

/** iotedge's endpoint retry policy: infinite retries, 1 s → 60 s. */
export const defaultRetryPolicy: RetryPolicy = { minBackoffMs: 1_000, maxBackoffMs: 60_000, deltaBackoffMs: 1_000, jitter: 0.2 };

/**
 * The wait before retry number `attempt` (0-based): `min + (2^attempt − 1) × delta × j`, capped at `max`, where
 * `j = 1 + jitter × (2·random − 1)`. Without jitter: 1 s, 2 s, 4 s, 8 s, 16 s, 32 s, 60 s, 60 s, …
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy, random: number): number {
  const j = 1 + policy.jitter * (2 * random - 1);
  const grown = policy.minBackoffMs + (2 ** Math.min(attempt, 30) - 1) * policy.deltaBackoffMs * j;
  return Math.round(Math.min(policy.maxBackoffMs, grown));
}
