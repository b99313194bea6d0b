import type { Clock } from '@verge/contracts';
import { diffTwinSection, type JsonObject } from '@verge/core';
import type { Logger } from '@verge/platform';
import type { AgentTwinClient } from './desired-source.js';
import { isStatusChange } from './reported-properties.js';

/** Timing of the reporter. */
export interface ReporterTiming {
  /** At most one patch per this interval unless a status changes; default 5 s (the reconcile period, reference §2.4). */
  readonly minIntervalMs: number;
  /** Retry of a failed patch while connected; default 10 s. */
  readonly retryMs: number;
}

/** Defaults of {@link ReporterTiming}. */
export const DEFAULT_REPORTER_TIMING: ReporterTiming = { minIntervalMs: 5_000, retryMs: 10_000 };

function withoutSystemKeys(doc: JsonObject): JsonObject {
  const { $version: _v, $metadata: _m, ...rest } = doc;
  return rest;
}

/**
 * Sends the `$edgeAgent` reported properties as merge patches of what changed (`null` for modules no longer
 * deployed), relative to what the cloud holds: the reported section of the last twin GET, updated with every patch
 * acknowledged since. Reports are coalesced: only the latest is kept, and a patch goes out at most every
 * `minIntervalMs` unless `lastDesiredStatus` or a module's `runtimeStatus` changed. Offline, the latest report waits
 * and goes out after the next reconnect (once the twin GET has refreshed the baseline).
 */
export class Reporter {
  private sent: JsonObject | undefined;
  private pending: JsonObject | undefined;
  private lastSentAtMs = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | undefined;
  private cancelTimer: (() => void) | undefined;
  private off: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly client: Pick<AgentTwinClient, 'patchReported' | 'on' | 'connected'>,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly timing: ReporterTiming = DEFAULT_REPORTER_TIMING,
  ) {}

  start(): void {
    this.off = this.client.on('connected', () => this.schedule(0));
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
    this.off?.();
  }

  /** What the cloud holds (the reported section of a twin GET); reports are diffed against it. */
  setBaseline(reported: JsonObject): void {
    if (this.inFlight !== undefined) return; // the patch in flight would make it stale at once
    this.sent = withoutSystemKeys(reported);
    this.schedule(0);
  }

  /** Queues the full reported properties; sends now when a status changed, else within `minIntervalMs`. */
  update(doc: JsonObject): void {
    this.pending = doc;
    const urgent = isStatusChange(this.sent, doc);
    this.schedule(urgent ? 0 : Math.max(0, this.lastSentAtMs + this.timing.minIntervalMs - this.clock.nowMs()));
  }

  /** Sends the pending report now (shutdown), waiting at most `timeoutMs`. */
  async flush(timeoutMs: number): Promise<void> {
    this.cancelTimer?.();
    await Promise.race([this.sendPending(), new Promise<void>((resolve) => this.clock.setTimer(resolve, timeoutMs))]);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.cancelTimer?.();
    this.cancelTimer = this.clock.setTimer(() => void this.sendPending(), delayMs);
  }

  private sendPending(): Promise<void> {
    this.inFlight ??= this.sendOnce().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async sendOnce(): Promise<void> {
    const doc = this.pending;
    if (doc === undefined || this.sent === undefined || !this.client.connected) return;
    const patch = diffTwinSection(this.sent, doc);
    if (Object.keys(patch).length === 0) return;
    try {
      await this.client.patchReported(patch);
      this.sent = doc;
      this.lastSentAtMs = this.clock.nowMs();
      this.log.debug({ keys: Object.keys(patch) }, 'reported properties sent');
      if (this.pending !== undefined && this.pending !== doc) this.update(this.pending);
    } catch (err) {
      this.log.warn({ err }, 'cannot send the reported properties; retrying');
      if (this.client.connected) this.schedule(this.timing.retryMs);
    }
  }
}
