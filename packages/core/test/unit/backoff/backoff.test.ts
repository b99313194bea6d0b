import { describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  coolOffMs,
  DEFAULT_PLAN_POLICY,
  ENGINE_EVENTS_BACKOFF,
  EVENT_STREAM_BACKOFF,
  IDENTITY_SYNC_BACKOFF,
  RECONNECT_BACKOFF,
  RUNTIME_OUTAGE_BACKOFF,
  STEP_BACKOFF,
  type BackoffPolicy,
} from '@verge/core';

// The one backoff formula: min(base × 2^(attempt−1), max) × (1 + jitter × (2·random − 1)), within [0, max].

describe('backoffDelayMs', () => {
  const policy: BackoffPolicy = { baseMs: 1_000, maxMs: 60_000, jitter: 0.2 };

  it.each([
    // [attempt, random, delay]
    [1, 0.5, 1_000],
    [2, 0.5, 2_000],
    [3, 0.5, 4_000],
    [6, 0.5, 32_000],
    [7, 0.5, 60_000],
    [1_000_000, 0.5, 60_000],
    [1, 0, 800],
    [1, 0.999_999, 1_200],
    [3, 0, 3_200],
    [6, 0.999_999, 38_400],
    [7, 0, 48_000],
  ])('attempt %i with random %d waits %i ms', (attempt, random, delay) => {
    expect(backoffDelayMs(attempt, policy, random)).toBe(delay);
  });

  it('never exceeds the cap, jitter included', () => {
    for (let attempt = 1; attempt < 40; attempt++) expect(backoffDelayMs(attempt, policy, 0.999_999)).toBeLessThanOrEqual(60_000);
  });

  it('treats an attempt below 1 as the first', () => {
    expect(backoffDelayMs(0, policy)).toBe(1_000);
    expect(backoffDelayMs(-3, policy)).toBe(1_000);
  });

  it('has no jitter without a random value, or with jitter 0', () => {
    expect(backoffDelayMs(2, policy)).toBe(2_000);
    expect(backoffDelayMs(2, { ...policy, jitter: 0 }, 0)).toBe(2_000);
  });

  it('stays a number for huge attempts and a zero base', () => {
    expect(backoffDelayMs(Number.MAX_SAFE_INTEGER, { baseMs: 0, maxMs: 10, jitter: 0 })).toBe(0);
    expect(backoffDelayMs(Number.MAX_SAFE_INTEGER, { baseMs: 1e9, maxMs: 10, jitter: 0.2 }, 0)).toBe(8);
  });

  it('grows monotonically with the attempt for a fixed random value', () => {
    for (const p of [RECONNECT_BACKOFF, STEP_BACKOFF, RUNTIME_OUTAGE_BACKOFF, IDENTITY_SYNC_BACKOFF, ENGINE_EVENTS_BACKOFF, EVENT_STREAM_BACKOFF]) {
      for (let attempt = 1; attempt < 30; attempt++) expect(backoffDelayMs(attempt + 1, p, 0.3)).toBeGreaterThanOrEqual(backoffDelayMs(attempt, p, 0.3));
    }
  });
});

describe('the named policies keep their callers\' bases and caps', () => {
  it.each([
    ['RECONNECT_BACKOFF', RECONNECT_BACKOFF, [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000]],
    ['STEP_BACKOFF', STEP_BACKOFF, [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000]],
    ['RUNTIME_OUTAGE_BACKOFF', RUNTIME_OUTAGE_BACKOFF, [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000]],
    ['IDENTITY_SYNC_BACKOFF', IDENTITY_SYNC_BACKOFF, [5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000]],
    ['ENGINE_EVENTS_BACKOFF', ENGINE_EVENTS_BACKOFF, [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000]],
    ['EVENT_STREAM_BACKOFF', EVENT_STREAM_BACKOFF, [1_000, 2_000, 4_000, 8_000, 16_000, 30_000]],
  ] as const)('%s', (_name, policy, delays) => {
    expect(delays.map((_, i) => backoffDelayMs(i + 1, policy))).toEqual(delays);
  });

  it('the restart cool-off is EA\'s min(10 × 2^n, 300) s, without jitter', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 20].map((n) => coolOffMs(n, DEFAULT_PLAN_POLICY) / 1000)).toEqual([10, 20, 40, 80, 160, 300, 300, 300]);
  });
});
