import { backoffDelayMs } from '@verge/core';
import type { ReconnectPolicy } from './options.js';

/**
 * Delay before reconnect attempt `attempt` (1-based): the shared backoff of `@verge/core`,
 * `min(initial × 2^(attempt−1), max)` scaled by a factor drawn from [1 − jitter, 1 + jitter), never above `max`.
 */
export function reconnectDelayMs(attempt: number, policy: ReconnectPolicy, random: () => number): number {
  return backoffDelayMs(attempt, { baseMs: policy.initialDelayMs, maxMs: policy.maxDelayMs, jitter: policy.jitter }, random());
}
