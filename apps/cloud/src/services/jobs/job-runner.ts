import type { Clock } from '@verge/contracts';
import { retryOnConflict } from '../../store/ports.js';
import type { JobDeviceRecord, JobRecord } from '../../store/records.js';
import type { ServiceContext } from '../context.js';
import { newEtag } from '../identity-values.js';
import type { MethodService } from '../method-service.js';
import type { QueryService } from '../query-service.js';
import type { TwinService } from '../twin-service.js';
import { deviceWorkOf, type DeviceWork } from './job-device-work.js';
import { countsOf, deviceQueryOf, isTerminal } from './job-records.js';

/** Tuning of the job runner. */
export interface JobRunnerOptions {
  /** Devices read and processed per batch (their outcomes are written together). Default 100. */
  readonly batchSize?: number;
  /** Devices processed at once within a batch. Default 16. */
  readonly concurrency?: number;
  /**
   * How often the runner looks for due jobs besides the events it gets, and renews its lease: keep it well under the
   * lease TTL, or a live holder loses the lease between two passes. Default 5 s.
   */
  readonly pollIntervalMs?: number;
}

/** Executes jobs: exactly one cloud instance at a time (the holder of the `jobs` lease). */
export interface JobRunner {
  /** Starts looking for due jobs; `held` (the lease's `hold`) gates every pass and every batch. Default: always held. */
  start(held?: () => Promise<boolean>): void;
  /** Stops the timers and the running jobs (they stay `running` in the store and resume on the next start). */
  stop(): Promise<void>;
}

/** Devices resolved per query page when a job starts. */
const RESOLVE_PAGE_SIZE = 5000;
/** Jobs read per page when looking for due ones. */
const LIST_PAGE_SIZE = 500;
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The job runner. A pass (on start, on `jobChanged`, at a job's `startTime`, every `pollIntervalMs`) lists the
 * jobs not ended and runs those due. Running a job: resolve its devices from `queryCondition` (the cloud's query
 * service) and store them as pending in the transaction that makes the job `running`; then, batch by batch,
 * process pending devices with bounded concurrency (yielding to the event loop after each device), write their
 * outcomes and the job's counts, and publish `jobChanged`. A cancelled job stops at once (`jobChanged`), a job past
 * `maxExecutionTimeInSeconds` fails. Everything is in the store, so after a restart (or when another instance takes
 * the lease) the job resumes with its pending devices. Devices are processed at least once, not exactly once: a
 * holder that crashes loses its batch in flight (up to `batchSize` devices, processed again by the next holder);
 * one that stops (drain), loses the lease or is cancelled records the devices it finished, so only those in flight
 * (up to `concurrency`) run again. A twin patch applied twice bumps the desired `$version` twice; a method may be
 * invoked twice. Every timer (poll, scheduled start, deadline) is set on `deps.timers`, so tests drive them with a
 * fake clock.
 */
export function createJobRunner(
  ctx: ServiceContext,
  deps: {
    readonly twins: TwinService;
    readonly methods: MethodService;
    readonly query: QueryService;
    /** Time and timers of the runner (polls, scheduled starts, deadlines): the cloud's injected clock, a fake one in tests. */
    readonly timers: Clock;
  },
  options: JobRunnerOptions = {},
): JobRunner {
  const { store, bus, random } = ctx;
  const clock = deps.timers;
  const log = ctx.log.child({ component: 'jobs' });
  const batchSize = options.batchSize ?? 100;
  const concurrency = options.concurrency ?? 16;
  const pollIntervalMs = options.pollIntervalMs ?? 5000;

  let held: () => Promise<boolean> = () => Promise.resolve(true);
  let running = false;
  let passing: Promise<void> | undefined;
  let again = false;
  let cancelPoll: (() => void) | undefined;
  let cancelStartTimer: (() => void) | undefined;
  let unsubscribe: (() => void) | undefined;
  const active = new Map<string, { readonly abort: AbortController; readonly done: Promise<void> }>();

  /** Rewrites the job unless it left `running` (cancelled meanwhile): false then. Publishes `jobChanged`. */
  const update = async (jobId: string, change: (job: JobRecord, now: number) => Promise<JobRecord>): Promise<boolean> => {
    const ok = await retryOnConflict(async () => {
      const job = await store.jobs.get(jobId);
      if (job === undefined || job.status !== 'running') return false;
      const next = await change(job, clock.nowMs());
      await store.jobs.put({ ...next, etag: newEtag(random) }, { ifEtag: job.etag });
      return true;
    });
    if (ok) bus.publish('jobChanged', { jobId });
    return ok;
  };

  const progress = (jobId: string, inFlight: number): Promise<boolean> =>
    update(jobId, async (job, now) => ({ ...job, counts: countsOf(await store.jobs.countDevices(jobId), inFlight), updatedAtMs: now }));

  const finish = async (jobId: string, status: 'completed' | 'failed', failureReason?: string): Promise<void> => {
    const done = await update(jobId, async (job, now) => ({
      ...job,
      status,
      endAtMs: now,
      failureReason: failureReason ?? null,
      statusMessage: failureReason ?? null,
      counts: countsOf(await store.jobs.countDevices(jobId)),
      updatedAtMs: now,
    }));
    if (done) log.info({ jobId, status, ...(failureReason === undefined ? {} : { failureReason }) }, 'job ended');
  };

  /** Resolves the devices and makes the job `running`; undefined when it is no longer startable. */
  const begin = async (job: JobRecord): Promise<JobRecord | undefined> => {
    const deviceIds: string[] = [];
    for (let continuation: string | undefined, first = true; first || continuation !== undefined; first = false) {
      const page = await deps.query.query(deviceQueryOf(job.queryCondition), RESOLVE_PAGE_SIZE, continuation);
      for (const item of page.items) {
        const id = (item as { deviceId?: unknown }).deviceId;
        if (typeof id === 'string') deviceIds.push(id);
      }
      continuation = page.continuationToken;
    }
    const started = await retryOnConflict(() =>
      store.transaction(async (tx) => {
        const current = await tx.jobs.get(job.jobId);
        if (current === undefined || (current.status !== 'queued' && current.status !== 'scheduled')) return undefined;
        const now = clock.nowMs();
        await tx.jobs.addDevices(job.jobId, deviceIds, now);
        const next: JobRecord = {
          ...current,
          etag: newEtag(random),
          status: 'running',
          runStartedAtMs: now,
          counts: countsOf({ pending: deviceIds.length, completed: 0, failed: 0 }),
          updatedAtMs: now,
        };
        await tx.jobs.put(next, { ifEtag: current.etag });
        return next;
      }),
    );
    if (started !== undefined) {
      log.info({ jobId: job.jobId, type: job.type, devices: deviceIds.length }, 'job started');
      bus.publish('jobChanged', { jobId: job.jobId });
    }
    return started;
  };

  /**
   * Processes `batch`; once `stopped` (cancel, deadline, stop, lost lease) no further device is started. `finished`
   * grows as devices finish, so an interrupted batch can still record the ones already done.
   */
  const runBatch = (batch: readonly JobDeviceRecord[], work: DeviceWork, stopped: () => boolean): { readonly done: Promise<JobDeviceRecord[]>; readonly finished: readonly JobDeviceRecord[] } => {
    const out: JobDeviceRecord[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < batch.length && !stopped(); i = next++) {
        const row = batch[i] as JobDeviceRecord;
        out.push({ ...row, ...(await work(row.deviceId)), updatedAtMs: clock.nowMs() });
        await yieldToEventLoop();
      }
    };
    const done = Promise.all(Array.from({ length: Math.min(concurrency, batch.length) }, worker)).then(() => out);
    return { done, finished: out };
  };

  const execute = async (jobId: string, signal: AbortSignal): Promise<void> => {
    let job = await store.jobs.get(jobId);
    if (job === undefined || isTerminal(job.status)) return;
    if (job.status !== 'running') {
      const waiting = job;
      try {
        job = await begin(waiting);
      } catch (e) {
        const failureReason = `the devices of queryCondition could not be resolved: ${e instanceof Error ? e.message : String(e)}`;
        log.warn({ jobId, err: e }, 'job failed to start');
        const now = clock.nowMs();
        await store.jobs.put({ ...waiting, etag: newEtag(random), status: 'failed', endAtMs: now, failureReason, statusMessage: failureReason, updatedAtMs: now }, { ifEtag: waiting.etag });
        bus.publish('jobChanged', { jobId });
        return;
      }
      if (job === undefined) return;
    }
    const deadlineMs = (job.runStartedAtMs ?? clock.nowMs()) + job.maxExecutionTimeInSeconds * 1000;
    const overdue = (): boolean => clock.nowMs() >= deadlineMs;
    const failOverdue = (): Promise<void> => finish(jobId, 'failed', `the job did not finish within maxExecutionTimeInSeconds (${job.maxExecutionTimeInSeconds} s)`);
    let cancelDeadline: (() => void) | undefined;
    const interrupted = new Promise<undefined>((resolve) => {
      signal.addEventListener('abort', () => resolve(undefined), { once: true });
      cancelDeadline = clock.setTimer(() => resolve(undefined), deadlineMs - clock.nowMs());
    });
    const work = deviceWorkOf(job, deps);
    try {
      for (;;) {
        if (signal.aborted) return;
        if (overdue()) return await failOverdue();
        if (!(await held())) return;
        const batch = await store.jobs.devices(jobId, { status: 'pending', limit: batchSize });
        if (batch.length === 0) return await finish(jobId, 'completed');
        if (!(await progress(jobId, batch.length))) return;
        const run = runBatch(batch, work, () => signal.aborted || overdue());
        const outcomes = await Promise.race([run.done, interrupted]);
        if (outcomes === undefined) {
          // Interrupted (stop or drain, lost lease, cancel, deadline): record the devices already done, so only those
          // still in flight (at most `concurrency`) run again when the job resumes here or on another instance.
          if (run.finished.length > 0) await store.jobs.putDeviceOutcomes([...run.finished]);
          if (!signal.aborted && overdue()) await failOverdue();
          return;
        }
        await store.jobs.putDeviceOutcomes(outcomes);
        if (!(await progress(jobId, 0))) return;
        await yieldToEventLoop();
      }
    } finally {
      cancelDeadline?.();
    }
  };

  const launch = (jobId: string): void => {
    const abort = new AbortController();
    const done = execute(jobId, abort.signal)
      .catch((err: unknown) => log.error({ err, jobId }, 'job run failed; it resumes on the next pass'))
      .finally(() => active.delete(jobId));
    active.set(jobId, { abort, done });
  };

  const armStartTimer = (atMs: number | undefined): void => {
    cancelStartTimer?.();
    cancelStartTimer = undefined;
    if (atMs === undefined || !running) return;
    cancelStartTimer = clock.setTimer(wake, atMs - clock.nowMs());
  };

  /** A pass every `pollIntervalMs` until stopped (one timer at a time, re-armed when it fires). */
  const armPoll = (): void => {
    cancelPoll = clock.setTimer(() => {
      if (!running) return;
      armPoll();
      wake();
    }, pollIntervalMs);
  };

  // Every pass renews the lease (the poll runs passes while batches are in flight); a lost lease stops local runs at
  // once, as the new holder resumes them.
  const pass = async (): Promise<void> => {
    if (!(await held())) {
      for (const run of active.values()) run.abort.abort();
      return;
    }
    let nextStart: number | undefined;
    const now = clock.nowMs();
    for (let after: string | undefined, more = true; more; ) {
      const page = await store.jobs.list({ statuses: ['queued', 'scheduled', 'running'], ...(after === undefined ? {} : { afterJobId: after }), limit: LIST_PAGE_SIZE });
      for (const job of page) {
        if (job.status === 'running' || job.startAtMs <= now) {
          if (!active.has(job.jobId) && running) launch(job.jobId);
        } else {
          nextStart = Math.min(nextStart ?? job.startAtMs, job.startAtMs);
        }
      }
      more = page.length === LIST_PAGE_SIZE;
      after = page.at(-1)?.jobId;
    }
    armStartTimer(nextStart);
  };

  function wake(): void {
    if (!running) return;
    if (passing !== undefined) {
      again = true;
      return;
    }
    passing = pass()
      .catch((err: unknown) => log.error({ err }, 'job pass failed'))
      .finally(() => {
        passing = undefined;
        if (again) {
          again = false;
          wake();
        }
      });
  }

  return {
    start(holdLease) {
      if (running) return;
      running = true;
      if (holdLease !== undefined) held = holdLease;
      unsubscribe = bus.subscribe('jobChanged', ({ jobId }) => {
        const run = active.get(jobId);
        if (run === undefined) {
          wake();
          return;
        }
        void store.jobs.get(jobId).then(
          (job) => {
            if (job === undefined || isTerminal(job.status)) run.abort.abort();
          },
          () => undefined,
        );
      });
      armPoll();
      wake();
    },
    async stop() {
      running = false;
      cancelPoll?.();
      cancelStartTimer?.();
      unsubscribe?.();
      for (const run of active.values()) run.abort.abort();
      await Promise.all([...active.values()].map((r) => r.done));
      await passing;
    },
  };
}
