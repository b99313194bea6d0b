/**
 * Exponential backoff: the one formula every retry in Verge uses (agent steps and restarts, the device client's
 * reconnect, the hub's endpoint pumps, the SSE client, the agent's cloud and engine retries). Pure: the jitter
 * arrives as a number drawn by the caller.
 */
export interface BackoffPolicy {
  /** Delay before the first retry (attempt 1). */
  readonly baseMs: number;
  /** Ceiling of every delay, jitter included. */
  readonly maxMs: number;
  /** Relative jitter in [0, 1): the delay is scaled by a factor in [1 − jitter, 1 + jitter); 0 for none. */
  readonly jitter: number;
}

/** 2^1000 is finite: larger exponents would give Infinity, and 0 × Infinity is NaN. */
const MAX_EXPONENT = 1_000;

/**
 * The delay before retry `attempt` (1-based: the retry after the first failure is attempt 1):
 * `min(baseMs × 2^(attempt−1), maxMs)` scaled by `1 + jitter × (2·random − 1)`, rounded, and kept within
 * [0, maxMs]. `random` is uniform in [0, 1) (the caller's rng); 0.5, the default, means no jitter.
 * Without jitter and with base 1 s, cap 60 s: 1, 2, 4, 8, 16, 32, 60, 60… s.
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random = 0.5): number {
  const exponent = Math.min(Math.max(0, attempt - 1), MAX_EXPONENT);
  const nominal = Math.min(policy.baseMs * 2 ** exponent, policy.maxMs);
  const factor = 1 + policy.jitter * (2 * random - 1);
  return Math.max(0, Math.min(policy.maxMs, Math.round(nominal * factor)));
}
