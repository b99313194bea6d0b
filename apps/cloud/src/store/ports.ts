import { VergeError, isVergeError, type Clock } from '@verge/contracts';
import { backoffDelayMs, CONFLICT_RETRY_BACKOFF, type ClientIdentity } from '@verge/core';
import { systemClock } from '@verge/platform';
import type { MqttSessionState } from '../services/types.js';
import type {
  C2dFeedbackRecord,
  C2dRecord,
  ConfigurationRecord,
  ConnectionState,
  DeviceRecord,
  ExpiredC2d,
  FileNotificationRecord,
  JobDeviceRecord,
  JobRecord,
  ModuleRecord,
  PolicyRecord,
  RolloutRecord,
  RolloutSnapshotRecord,
  TelemetryRecord,
  TwinRecord,
} from './records.js';

// The cloud's storage ports. Asynchronous, so that a networked database (PostgreSQL, several cloud instances on one
// database) implements them as well as the embedded SQLite store. Two implementations (store/sqlite, store/postgres)
// pass one contract suite (test/contract/cloud-store-contract.ts).
//
// Concurrency model: optimistic. Records that services read, modify and write back (devices, modules, twins) carry an
// etag; a write may name the etag it read (`{ ifEtag }`) or demand that the record does not exist yet
// (`{ ifAbsent: true }`). A write whose condition does not hold writes nothing and rejects with CLD_STORE_CONFLICT
// (`isStoreConflict`); the service then reads again and retries (bounded). So two cloud instances patching one twin
// lose no update, without locks held across requests. An unconditional write (no condition) overwrites.

/** The condition of a conditional write: the stored record has this etag, or there is no stored record. */
export type WriteCondition = { readonly ifEtag: string } | { readonly ifAbsent: true };

/** Device identities. */
export interface DeviceRepository {
  get(deviceId: string): Promise<DeviceRecord | undefined>;
  /** Devices ordered by id; at most `top`. */
  list(options?: { readonly top?: number }): Promise<DeviceRecord[]>;
  /** Devices whose parent is `parentDeviceId`, ordered by id. */
  children(parentDeviceId: string): Promise<DeviceRecord[]>;
  /**
   * Inserts or replaces the whole record. With a `condition`, writes only when it holds and otherwise rejects with
   * CLD_STORE_CONFLICT (nothing written). Replacing never cascades (modules and twins stay).
   */
  put(record: DeviceRecord, condition?: WriteCondition): Promise<void>;
  /** Deletes the device; its modules, twins and queued C2D messages go with it. False when it did not exist. */
  delete(deviceId: string): Promise<boolean>;
  /** Updates only the connection columns and the last activity (no etag change, as IoT Hub). */
  setConnection(deviceId: string, state: ConnectionState, atMs: number): Promise<void>;
  /** Records activity (telemetry, twin traffic) without changing the etag. */
  touch(deviceId: string, atMs: number): Promise<void>;
  count(): Promise<number>;
  /** How many devices are enabled and disabled. */
  countByStatus(): Promise<{ readonly enabled: number; readonly disabled: number }>;
}

/** Module identities. */
export interface ModuleRepository {
  get(deviceId: string, moduleId: string): Promise<ModuleRecord | undefined>;
  /** Modules of the device, ordered by module id. */
  list(deviceId: string): Promise<ModuleRecord[]>;
  /** Inserts or replaces the whole record; with a `condition` as `DeviceRepository.put`. The device must exist. */
  put(record: ModuleRecord, condition?: WriteCondition): Promise<void>;
  delete(deviceId: string, moduleId: string): Promise<boolean>;
  deleteAll(deviceId: string): Promise<number>;
  setConnection(deviceId: string, moduleId: string, state: ConnectionState, atMs: number): Promise<void>;
  touch(deviceId: string, moduleId: string, atMs: number): Promise<void>;
}

/** Device and module twins. A twin's etag changes with every write (services derive it from the twin version). */
export interface TwinRepository {
  get(id: ClientIdentity): Promise<TwinRecord | undefined>;
  /** Inserts or replaces the twin; with a `condition` as `DeviceRepository.put`. The identity must exist. */
  put(record: TwinRecord, condition?: WriteCondition): Promise<void>;
  delete(id: ClientIdentity): Promise<boolean>;
  /** Deletes the device twin and every module twin of the device. */
  deleteAll(deviceId: string): Promise<number>;
  /** Every device twin (`modules: false`) or every module twin (`modules: true`), ordered by device id, module id. */
  all(options: { readonly modules: boolean }): Promise<TwinRecord[]>;
}

/** Shared access policies. */
export interface PolicyRepository {
  get(name: string): Promise<PolicyRecord | undefined>;
  /** Ordered by name. */
  list(): Promise<PolicyRecord[]>;
  /** Inserts or replaces. */
  put(record: PolicyRecord): Promise<void>;
}

/** Per-device queues of cloud-to-device messages. */
export interface C2dQueue {
  /** The device must exist. */
  enqueue(record: C2dRecord): Promise<void>;
  /** Unexpired messages of the device, oldest (first enqueued) first. */
  pending(deviceId: string, nowMs: number): Promise<C2dRecord[]>;
  countPending(deviceId: string, nowMs: number): Promise<number>;
  /** Removes a delivered message and returns it; undefined when it was not queued (already completed, expired or purged). */
  complete(deviceId: string, id: string): Promise<C2dRecord | undefined>;
  /** Drops expired messages of every device; returns them (without their bodies). */
  purgeExpired(nowMs: number): Promise<ExpiredC2d[]>;
  deleteAll(deviceId: string): Promise<number>;
}

/**
 * Records waiting for a service client's receiver on one of IoT Hub's service-bound AMQP nodes (C2D delivery
 * feedback, file-upload notifications), oldest first; `seq` orders and removes them. Each kind is its own queue.
 */
export interface ServiceBoundQueue<T> {
  add(records: readonly T[], atMs: number): Promise<void>;
  /** Up to `limit` records, oldest first. */
  oldest(limit: number): Promise<{ readonly seq: number; readonly record: T }[]>;
  /** Removes the records a receiver completed (or rejected); returns how many were still there. */
  remove(seqs: readonly number[]): Promise<number>;
  /** Drops records added before `atMs` (nobody read them in time); returns how many. */
  purgeAddedBefore(atMs: number): Promise<number>;
}

/** The service-bound queues by kind (the `kind` column of their one table). */
export const SERVICE_BOUND_KINDS = { c2dFeedback: 'feedback', fileNotifications: 'file-notification' } as const;

/** Persistent MQTT sessions of the device endpoint. */
export interface SessionRepository {
  load(clientId: string): Promise<MqttSessionState | undefined>;
  /** `undefined` deletes the session. */
  save(clientId: string, state: MqttSessionState | undefined, atMs: number): Promise<void>;
  /** Deletes the sessions of a device and of all its modules (client ids `{d}` and `{d}/…`). */
  deleteForDevice(deviceId: string): Promise<number>;
}

/** Deployments (IoT Hub configurations). */
export interface ConfigurationRepository {
  get(id: string): Promise<ConfigurationRecord | undefined>;
  /** Ordered by id. */
  list(): Promise<ConfigurationRecord[]>;
  /** Inserts or replaces; with a `condition` as `DeviceRepository.put`. */
  put(record: ConfigurationRecord, condition?: WriteCondition): Promise<void>;
  /** Deletes the deployment with its rollout state and snapshots. False when it did not exist. */
  delete(id: string): Promise<boolean>;
}

/** Staged-rollout state, one record per deployment with a rollout policy, and the devices' pre-rollout snapshots. */
export interface RolloutRepository {
  get(configurationId: string): Promise<RolloutRecord | undefined>;
  /** Ordered by configuration id. */
  list(): Promise<RolloutRecord[]>;
  /** Inserts or replaces; with a `condition` as `DeviceRepository.put`. The deployment must exist. */
  put(record: RolloutRecord, condition?: WriteCondition): Promise<void>;
  delete(configurationId: string): Promise<boolean>;
  /** Stores snapshots (replacing any of the same deployment and device). */
  putSnapshots(records: readonly RolloutSnapshotRecord[]): Promise<void>;
  getSnapshot(configurationId: string, deviceId: string): Promise<RolloutSnapshotRecord | undefined>;
}

/** Filters of `JobRepository.list`. */
export interface JobListOptions {
  readonly type?: JobRecord['type'];
  readonly statuses?: readonly JobRecord['status'][];
  /** Jobs with an id after this one (paging). */
  readonly afterJobId?: string;
  readonly limit: number;
}

/**
 * IoT Hub jobs (jobs v2) and their per-device outcomes. Device rows are bounded by the fleet (a 10k-device job
 * has 10k rows) and are read in pages.
 */
export interface JobRepository {
  get(jobId: string): Promise<JobRecord | undefined>;
  /** Ordered by job id. */
  list(options: JobListOptions): Promise<JobRecord[]>;
  /** Inserts or replaces; with a `condition` as `DeviceRepository.put`. */
  put(record: JobRecord, condition?: WriteCondition): Promise<void>;
  /** Adds the job's devices as `pending` (ids already present are left as they are). The job must exist. */
  addDevices(jobId: string, deviceIds: readonly string[], atMs: number): Promise<void>;
  /** The job's device rows ordered by device id, optionally of one status and after a device id; at most `limit`. */
  devices(jobId: string, options: { readonly status?: JobDeviceRecord['status']; readonly afterDeviceId?: string; readonly limit: number }): Promise<JobDeviceRecord[]>;
  /** Replaces the outcome of device rows of existing jobs. */
  putDeviceOutcomes(records: readonly JobDeviceRecord[]): Promise<void>;
  /** How many of the job's devices are in each status. */
  countDevices(jobId: string): Promise<{ readonly pending: number; readonly completed: number; readonly failed: number }>;
}

/** Filters of telemetry reads. A device filter alone matches the device's own messages and its modules'. */
export interface TelemetryFilter {
  readonly deviceId?: string;
  readonly moduleId?: string;
}

/** Bounds of the telemetry retention. */
export interface RetentionLimits {
  readonly maxCount: number;
  readonly maxBytes: number;
  /** Messages enqueued before this time are dropped. */
  readonly olderThanMs: number;
}

/** What `TelemetryStore.append` takes: the record without what the store assigns. */
export type TelemetryEntry = Omit<TelemetryRecord, 'sequenceNumber' | 'sizeBytes'>;

/** Device-to-cloud messages kept for a bounded retention. */
export interface TelemetryStore {
  /**
   * Stores a message and resolves with its sequence number and size only once it is durably committed (the device
   * endpoint sends PUBACK then). Implementations group commit: appends that arrive together share one transaction
   * (flushed when a batch is full or on the next turn of the event loop), so the rate is not bound by one commit per
   * message. A failed commit rejects every append of its batch (nothing of the batch is stored).
   */
  append(entry: TelemetryEntry): Promise<TelemetryRecord>;
  /** The newest `limit` messages matching `filter` with a sequence number below `beforeSequence`, oldest first. */
  recent(filter: TelemetryFilter, limit: number, beforeSequence?: number): Promise<TelemetryRecord[]>;
  /**
   * Messages after `afterSequence` matching `filter`, oldest first, at most `limit`. A message with a lower sequence
   * number than one returned never commits later, so a reader resuming from the last one it got skips nothing.
   */
  after(filter: TelemetryFilter, afterSequence: number, limit: number): Promise<TelemetryRecord[]>;
  /** Drops the oldest messages until every bound holds; returns how many were dropped. */
  prune(limits: RetentionLimits): Promise<number>;
  /**
   * Committed messages kept, their bytes, and the highest sequence number ever committed (never goes down). With
   * several instances (PostgreSQL), `lastSequence` stays below a batch of another instance still committing with lower
   * numbers: every message up to it is readable, so `after(lastSequence)` misses nothing later.
   */
  stats(): Promise<{ readonly count: number; readonly bytes: number; readonly lastSequence: number }>;
}

/** The repositories, as the store offers them and as a transaction binds them. */
export interface CloudStoreRepos {
  readonly devices: DeviceRepository;
  readonly modules: ModuleRepository;
  readonly twins: TwinRepository;
  readonly policies: PolicyRepository;
  readonly c2d: C2dQueue;
  readonly c2dFeedback: ServiceBoundQueue<C2dFeedbackRecord>;
  readonly fileNotifications: ServiceBoundQueue<FileNotificationRecord>;
  readonly sessions: SessionRepository;
  readonly configurations: ConfigurationRepository;
  readonly rollouts: RolloutRepository;
  readonly jobs: JobRepository;
}

/** All storage of the cloud. Calls on the store's own repositories each run on their own (autocommit). */
export interface CloudStore extends CloudStoreRepos {
  /** Telemetry lives outside transactions: its appends group commit on their own. */
  readonly telemetry: TelemetryStore;
  /**
   * Runs `fn` atomically with repositories bound to one transaction (`tx`): every write through `tx` commits
   * together when `fn` resolves, or none does when it rejects (the rejection passes through). Use only `tx` inside
   * `fn` (the store's own repositories would run outside the transaction, and may wait for it to end); there is no
   * nesting: pass `tx` down instead. Conditional writes inside reject with CLD_STORE_CONFLICT as outside, which
   * rolls the transaction back; callers retry the whole transaction (`retryOnConflict`).
   */
  transaction<T>(fn: (tx: CloudStoreRepos) => Promise<T>): Promise<T>;
  /** Flushes pending telemetry, waits for running transactions, and closes. */
  close(): Promise<void>;
}

/** The error a conditional write rejects with when its condition does not hold. */
export function storeConflict(what: string, condition: WriteCondition): VergeError {
  const expected = 'ifEtag' in condition ? `etag "${condition.ifEtag}"` : 'no record';
  return new VergeError('CLD_STORE_CONFLICT', `${what} changed concurrently (expected ${expected})`, {
    details: { ...('ifEtag' in condition ? { ifEtag: condition.ifEtag } : { ifAbsent: true }) },
  });
}

/** True for the rejection of a conditional write that lost a race (CLD_STORE_CONFLICT). */
export function isStoreConflict(e: unknown): boolean {
  return isVergeError(e, 'CLD_STORE_CONFLICT');
}

/** How {@link retryOnConflict} retries. */
export interface ConflictRetryOptions {
  /** Attempts in all, the first included (default 12). */
  readonly attempts?: number;
  /** The clock the waits between attempts run on (default the system clock). */
  readonly clock?: Pick<Clock, 'setTimer'>;
  /** The jitter's random source, uniform in [0, 1) (default `Math.random`). */
  readonly random?: () => number;
}

/**
 * Runs a read-modify-write `attempt` again while it loses an optimistic-concurrency race (CLD_STORE_CONFLICT), at
 * most `attempts` times; the last conflict passes through. `attempt` must re-read what it modifies each time.
 * Between attempts it waits as `CONFLICT_RETRY_BACKOFF` says (2 ms doubling to 64 ms, ±90 % jitter), so writers
 * that collided do not collide again in lock-step.
 */
export async function retryOnConflict<T>(attempt: () => Promise<T>, options: ConflictRetryOptions = {}): Promise<T> {
  const { attempts = 12, clock = systemClock, random = Math.random } = options;
  for (let i = 1; ; i += 1) {
    try {
      return await attempt();
    } catch (e) {
      if (!isStoreConflict(e) || i >= attempts) throw e;
    }
    await new Promise<void>((resolve) => clock.setTimer(resolve, backoffDelayMs(i, CONFLICT_RETRY_BACKOFF, random())));
  }
}
