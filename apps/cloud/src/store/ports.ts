import type { ClientIdentity } from '@verge/core';
import type { MqttSessionState } from '../services/types.js';
import type {
  C2dRecord,
  ConnectionState,
  DeviceRecord,
  ModuleRecord,
  PolicyRecord,
  TelemetryRecord,
  TwinRecord,
} from './records.js';

// The cloud's storage ports. Synchronous, because the device-endpoint seam (services/types.ts) is: the SQLite
// implementation answers from the same thread without I/O waits. A PostgreSQL implementation (several cloud
// instances) will need async ports or a write-through cache in front of them.

/** Device identities. */
export interface DeviceRepository {
  get(deviceId: string): DeviceRecord | undefined;
  /** Devices ordered by id; at most `top`. */
  list(options?: { readonly top?: number }): DeviceRecord[];
  /** Devices whose parent is `parentDeviceId`. */
  children(parentDeviceId: string): DeviceRecord[];
  /** Inserts or replaces the whole record. */
  put(record: DeviceRecord): void;
  delete(deviceId: string): boolean;
  /** Updates only the connection columns (no etag change, as IoT Hub). */
  setConnection(deviceId: string, state: ConnectionState, atMs: number): void;
  /** Records activity (telemetry, twin traffic) without changing the etag. */
  touch(deviceId: string, atMs: number): void;
  count(): number;
  /** How many devices are enabled and disabled. */
  countByStatus(): { readonly enabled: number; readonly disabled: number };
}

/** Module identities. */
export interface ModuleRepository {
  get(deviceId: string, moduleId: string): ModuleRecord | undefined;
  list(deviceId: string): ModuleRecord[];
  put(record: ModuleRecord): void;
  delete(deviceId: string, moduleId: string): boolean;
  deleteAll(deviceId: string): number;
  setConnection(deviceId: string, moduleId: string, state: ConnectionState, atMs: number): void;
  touch(deviceId: string, moduleId: string, atMs: number): void;
}

/** Device and module twins. */
export interface TwinRepository {
  get(id: ClientIdentity): TwinRecord | undefined;
  put(record: TwinRecord): void;
  delete(id: ClientIdentity): boolean;
  /** Deletes the device twin and every module twin of the device. */
  deleteAll(deviceId: string): number;
  /** Every device twin (`modules: false`) or every module twin (`modules: true`), ordered by id. */
  all(options: { readonly modules: boolean }): TwinRecord[];
}

/** Shared access policies. */
export interface PolicyRepository {
  get(name: string): PolicyRecord | undefined;
  list(): PolicyRecord[];
  put(record: PolicyRecord): void;
}

/** Per-device queues of cloud-to-device messages. */
export interface C2dQueue {
  enqueue(record: C2dRecord): void;
  /** Unexpired messages of the device, oldest first. */
  pending(deviceId: string, nowMs: number): C2dRecord[];
  countPending(deviceId: string, nowMs: number): number;
  /** Removes a delivered message; false when it was not queued (already completed, expired or purged). */
  complete(deviceId: string, id: string): boolean;
  /** Drops expired messages of every device; returns how many. */
  purgeExpired(nowMs: number): number;
  deleteAll(deviceId: string): number;
}

/** Filters of telemetry reads. */
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

/** Device-to-cloud messages kept for a bounded retention. */
export interface TelemetryStore {
  /** Stores a message and returns it with its sequence number and size. */
  append(entry: Omit<TelemetryRecord, 'sequenceNumber' | 'sizeBytes'>): TelemetryRecord;
  /** The newest `limit` messages matching `filter` with a sequence number below `beforeSequence`, oldest first. */
  recent(filter: TelemetryFilter, limit: number, beforeSequence?: number): TelemetryRecord[];
  /** Messages after `afterSequence` matching `filter`, oldest first, at most `limit`. */
  after(filter: TelemetryFilter, afterSequence: number, limit: number): TelemetryRecord[];
  /** Drops the oldest messages until every bound holds; returns how many were dropped. */
  prune(limits: RetentionLimits): number;
  stats(): { readonly count: number; readonly bytes: number; readonly lastSequence: number };
}

/** Persistent MQTT sessions of the device endpoint. */
export interface SessionRepository {
  load(clientId: string): MqttSessionState | undefined;
  /** `undefined` deletes the session. */
  save(clientId: string, state: MqttSessionState | undefined, atMs: number): void;
  /** Deletes the sessions of a device and of all its modules. */
  deleteForDevice(deviceId: string): number;
}

/** All storage of the cloud, with one transaction boundary. */
export interface CloudStore {
  readonly devices: DeviceRepository;
  readonly modules: ModuleRepository;
  readonly twins: TwinRepository;
  readonly policies: PolicyRepository;
  readonly c2d: C2dQueue;
  readonly telemetry: TelemetryStore;
  readonly sessions: SessionRepository;
  /** Runs `fn` atomically: every write inside commits together or not at all. Nested calls join the outer one. */
  transaction<T>(fn: () => T): T;
  /** Flushes and closes (the SQLite store checkpoints its WAL). */
  close(): void;
}
