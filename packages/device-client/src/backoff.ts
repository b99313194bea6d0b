import type { ReconnectPolicy } from './options.js';

/**
 * Delay before reconnect attempt `attempt` (1-based): `min(initial × 2^(attempt−1), max)` scaled by a factor
 * drawn from [1 − jitter, 1 + jitter), never above `max`.
 */
export function reconnectDelayMs(attempt: number, policy: ReconnectPolicy, random: () => number): number {
  const nominal = Math.min(policy.initialDelayMs * 2 ** Math.max(0, attempt - 1), policy.maxDelayMs);
  const factor = 1 + policy.jitter * (2 * random() - 1);
  return Math.max(0, Math.min(policy.maxDelayMs, Math.round(nominal * factor)));
}
