import type { Clock } from '@verge/contracts';
import type { Logger } from '@verge/platform';
import type { Lease } from '../../bus/lease.js';

/** What a scheduled pass evaluates: every device, or these devices. */
export type EvaluationScope = { readonly all: true } | { readonly all: false; readonly deviceIds: readonly string[] };

/** Options of the scheduler. */
export interface EvaluationSchedulerOptions {
  readonly log: Logger;
  /** One pass; rejections are logged. */
  readonly run: (scope: EvaluationScope) => Promise<void>;
  /** A full pass runs this often even without marks. */
  readonly resyncMs: number;
  /** How often the lease is renewed, or tried when another instance holds it. */
  readonly leaseCheckMs: number;
  /** Time and timers of the lease checks and resyncs (the cloud's injected clock; a fake one in tests). */
  readonly timers: Clock;
}

/** Coalesces evaluation marks into passes that run one at a time while a lease is held. */
export interface EvaluationScheduler {
  markAll(): void;
  markDevice(deviceId: string): void;
  /** Starts under `lease` with a full pass (the start-up evaluation). */
  start(lease: Lease): void;
  /** Stops marking and waits for a running pass. */
  stop(): Promise<void>;
  /** Resolves once no pass runs and no mark waits. */
  idle(): Promise<void>;
}

/**
 * Builds the scheduler: marks collect in a dirty set flushed on the next turn (so a burst of events is one pass);
 * a pass first asks the lease: not held, the marks are dropped (the holder got the same events over the bus); newly
 * held (start, take-over after another instance went), the pass covers every device. A timer on the injected clock
 * renews the lease and runs a full pass every `resyncMs`, as IoT Hub re-evaluates every five minutes.
 */
export function createEvaluationScheduler(o: EvaluationSchedulerOptions): EvaluationScheduler {
  let lease: Lease | undefined;
  let dirtyAll = false;
  const dirty = new Set<string>();
  let scheduled = false;
  let running: Promise<void> | undefined;
  let held = false;
  let lastFullAt = 0;
  let waiters: (() => void)[] = [];
  let cancelTimer: (() => void) | undefined;

  const pending = () => dirtyAll || dirty.size > 0;
  const settleIdle = () => {
    if (running !== undefined || scheduled || pending()) return;
    const w = waiters;
    waiters = [];
    for (const resolve of w) resolve();
  };
  const schedule = () => {
    if (scheduled || lease === undefined) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      flush();
    });
  };
  const pass = async (holder: Lease) => {
    if (!(await holder.hold())) {
      held = false;
      dirtyAll = false;
      dirty.clear();
      return;
    }
    if (!held) dirtyAll = true;
    held = true;
    const scope: EvaluationScope = dirtyAll ? { all: true } : { all: false, deviceIds: [...dirty] };
    dirtyAll = false;
    dirty.clear();
    await o.run(scope);
    if (scope.all) lastFullAt = o.timers.nowMs();
  };
  const flush = () => {
    if (running !== undefined || lease === undefined) return;
    if (!pending()) return settleIdle();
    running = pass(lease)
      .catch((err: unknown) => o.log.error({ err }, 'deployment evaluation failed'))
      .finally(() => {
        running = undefined;
        if (pending()) schedule();
        settleIdle();
      });
  };
  const tick = (holder: Lease) => {
    if (!held || o.timers.nowMs() - lastFullAt >= o.resyncMs) return markAll();
    holder.hold().then(
      (h) => void (held = h),
      (err: unknown) => o.log.warn({ err }, 'deployments lease renewal failed'),
    );
  };
  /** One lease check every `leaseCheckMs`, re-armed after each (until stopped). */
  const armTimer = (holder: Lease) => {
    cancelTimer = o.timers.setTimer(() => {
      if (lease !== holder) return;
      tick(holder);
      armTimer(holder);
    }, o.leaseCheckMs);
  };
  const markAll = () => {
    dirtyAll = true;
    schedule();
  };

  return {
    markAll,
    markDevice(deviceId) {
      dirty.add(deviceId);
      schedule();
    },
    start(withLease) {
      if (lease !== undefined) return;
      lease = withLease;
      armTimer(withLease);
      markAll();
    },
    async stop() {
      lease = undefined;
      cancelTimer?.();
      cancelTimer = undefined;
      await running;
      dirtyAll = false;
      dirty.clear();
      settleIdle();
    },
    idle: () =>
      new Promise<void>((resolve) => {
        waiters.push(resolve);
        settleIdle();
      }),
  };
}
