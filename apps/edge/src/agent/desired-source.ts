import type { Clock } from '@verge/contracts';
import { applyMergePatch, type JsonObject, type JsonValue } from '@verge/core';
import type { DeviceClient } from '@verge/device-client';
import type { Logger } from '@verge/platform';

/** The part of the `$edgeAgent` device client the agent uses (a fake in unit tests). */
export type AgentTwinClient = Pick<DeviceClient, 'getTwin' | 'patchReported' | 'onDesiredPatch' | 'onMethod' | 'on' | 'connected' | 'connect' | 'close'>;

/** Timing of the desired-properties source (reference §2.4). */
export interface DesiredSourceTiming {
  /** Full twin refresh (`ConfigRefreshFrequencySecs`); default 1 h. */
  readonly refreshMs: number;
  /** A reconnect triggers a full GET at most this often; default 30 s. */
  readonly reconnectPullThrottleMs: number;
  /** Retry of a failed GET; default 10 s. */
  readonly retryMs: number;
}

/** Defaults of {@link DesiredSourceTiming}. */
export const DEFAULT_DESIRED_SOURCE_TIMING: DesiredSourceTiming = { refreshMs: 3_600_000, reconnectPullThrottleMs: 30_000, retryMs: 10_000 };

/** What the source reports: the whole desired section after a GET or an applied patch, and the reported section of a GET. */
export interface DesiredSourceListener {
  desired(desired: JsonObject): void;
  reported?(reported: JsonObject): void;
}

/**
 * The `$edgeAgent` desired properties as EA reads them (reference §2.4, EdgeAgentConnection): a full twin GET at
 * start and on reconnect (at most every 30 s), then desired patches applied only when `$version == current + 1`
 * (otherwise a full GET), and a full refresh every hour. The listener gets the full desired section each time it
 * changes.
 */
export class DesiredSource {
  private current: JsonObject | undefined;
  private lastPullAtMs = Number.NEGATIVE_INFINITY;
  private pulling: Promise<void> | undefined;
  private cancelTimer: (() => void) | undefined;
  private readonly offs: (() => void)[] = [];
  /** Patches that arrived while a GET was in flight: the GET may have been answered before they were made. */
  private readonly heldPatches = new Map<number, Record<string, unknown>>();
  private stopped = false;

  constructor(
    private readonly client: AgentTwinClient,
    private readonly listener: DesiredSourceListener,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly timing: DesiredSourceTiming = DEFAULT_DESIRED_SOURCE_TIMING,
  ) {}

  /** Subscribes to patches and reconnects and makes the first full GET (in the background). */
  start(): void {
    this.offs.push(this.client.onDesiredPatch((patch, version) => this.onPatch(patch, version)));
    this.offs.push(
      this.client.on('connected', () => {
        if (this.clock.nowMs() - this.lastPullAtMs >= this.timing.reconnectPullThrottleMs) void this.pull('reconnect');
      }),
    );
    void this.pull('start');
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
    for (const off of this.offs.splice(0)) off();
  }

  /** The desired section as last read, with its `$version`. */
  get desired(): JsonObject | undefined {
    return this.current;
  }

  private onPatch(patch: Record<string, unknown>, version: number | undefined): void {
    if (this.pulling !== undefined && version !== undefined) {
      // The GET in flight may hold an older twin than this patch: keep it for when the GET answers.
      this.heldPatches.set(version, patch);
      return;
    }
    const currentVersion = this.current?.['$version'];
    if (this.current === undefined || typeof currentVersion !== 'number' || version === undefined) {
      void this.pull('patch without a base');
      return;
    }
    if (version <= currentVersion) return; // already seen (a GET overtook the patch)
    if (version !== currentVersion + 1) {
      this.log.info({ version, currentVersion }, 'desired patch out of sequence: reading the whole twin');
      void this.pull('patch out of sequence');
      return;
    }
    this.apply(patch, version);
    this.listener.desired(this.current as JsonObject);
  }

  private apply(patch: Record<string, unknown>, version: number): void {
    const next = applyMergePatch(this.current as JsonObject, patch as JsonValue) as JsonObject;
    this.current = { ...next, $version: version };
  }

  /**
   * After a GET: applies the patches that arrived during it and are newer than what it read, in `$version` order.
   * Returns false when they leave a gap (a patch between the GET's version and theirs was missed): read again.
   */
  private applyHeldPatches(): boolean {
    const held = [...this.heldPatches].sort(([a], [b]) => a - b);
    this.heldPatches.clear();
    let applied = false;
    for (const [version, patch] of held) {
      const currentVersion = this.current?.['$version'];
      if (typeof currentVersion !== 'number') return false;
      if (version <= currentVersion) continue;
      if (version !== currentVersion + 1) {
        this.log.info({ version, currentVersion }, 'desired patch made during a twin read is out of sequence: reading the whole twin again');
        return false;
      }
      this.apply(patch, version);
      applied = true;
    }
    if (applied) this.listener.desired(this.current as JsonObject);
    return true;
  }

  /** One full GET at a time; a failure retries after `retryMs`; a success schedules the hourly refresh. */
  private pull(reason: string): Promise<void> {
    this.pulling ??= this.pullOnce(reason).then((read) => {
      this.pulling = undefined;
      // A failed read keeps the held patches for its retry.
      if (!read || this.stopped || this.heldPatches.size === 0) return;
      if (!this.applyHeldPatches()) void this.pull('patch made during a twin read');
    });
    return this.pulling;
  }

  /** Resolves true when the twin was read (never rejects). */
  private async pullOnce(reason: string): Promise<boolean> {
    if (this.stopped) return false;
    this.cancelTimer?.();
    this.lastPullAtMs = this.clock.nowMs();
    try {
      const twin = await this.client.getTwin();
      if (this.stopped) return false;
      this.log.debug({ reason, version: twin.desired['$version'] }, 'desired properties read');
      this.listener.reported?.(twin.reported as JsonObject);
      const desired = twin.desired as JsonObject;
      const version = desired['$version'];
      const known = this.current?.['$version'];
      if (typeof known !== 'number' || typeof version !== 'number' || version >= known) {
        this.current = desired;
        this.listener.desired(desired);
      }
      this.cancelTimer = this.clock.setTimer(() => void this.pull('hourly refresh'), this.timing.refreshMs);
      return true;
    } catch (err) {
      if (this.stopped) return false;
      this.log.warn({ err, reason }, 'cannot read the $edgeAgent twin; retrying');
      this.cancelTimer = this.clock.setTimer(() => void this.pull('retry'), this.timing.retryMs);
      return false;
    }
  }
}
