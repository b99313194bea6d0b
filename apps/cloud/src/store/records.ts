import type { Message } from '@verge/contracts';
import type { Twin } from '@verge/core';
import type { MqttAuthentication } from '@verge/iothub-mqtt';

/** Registry status of an identity. */
export type IdentityStatus = 'enabled' | 'disabled';
/** Connection state as IoT Hub reports it. */
export type ConnectionState = 'Connected' | 'Disconnected';

/** A device identity as stored. Times are epoch ms; `null` when it never happened. */
export interface DeviceRecord {
  readonly deviceId: string;
  /** Changes when a device with the same id is deleted and created again (IoT Hub `generationId`). */
  readonly generationId: string;
  readonly etag: string;
  readonly status: IdentityStatus;
  readonly statusReason: string | null;
  readonly statusUpdatedAtMs: number;
  readonly authentication: MqttAuthentication;
  readonly isEdge: boolean;
  /** The parent edge device (leaf devices, and edge devices in a nested hierarchy). */
  readonly parentDeviceId: string | null;
  readonly connectionState: ConnectionState;
  readonly connectionStateUpdatedAtMs: number | null;
  readonly lastActivityAtMs: number | null;
  readonly createdAtMs: number;
}

/** A module identity as stored. */
export interface ModuleRecord {
  readonly deviceId: string;
  readonly moduleId: string;
  readonly generationId: string;
  readonly etag: string;
  /** `IotEdge` for modules the edge runtime manages; free text otherwise. */
  readonly managedBy: string | null;
  readonly authentication: MqttAuthentication;
  readonly connectionState: ConnectionState;
  readonly connectionStateUpdatedAtMs: number | null;
  readonly lastActivityAtMs: number | null;
  readonly createdAtMs: number;
}

/**
 * A device twin (`moduleId` absent) or module twin as stored: the core's `Twin` (tags, desired and reported with
 * their `$version`s, the twin `version`) with its etag always present.
 */
export type TwinRecord = Twin & {
  readonly etag: string;
  /**
   * Module twins of `$edgeAgent` only: `configurations.{id}.status` for every deployment that targets the device
   * (reference §10.2: `Applied` or `Targeted`), written by deployment evaluation; absent elsewhere.
   */
  readonly configurations?: Readonly<Record<string, { readonly status: 'Applied' | 'Targeted' }>>;
};

/** Rights of a shared access policy (IoT Hub's four permissions). */
export type PolicyRight = 'RegistryRead' | 'RegistryWrite' | 'ServiceConnect' | 'DeviceConnect';

/** A shared access policy of the service API. */
export interface PolicyRecord {
  readonly name: string;
  readonly primaryKey: string;
  readonly secondaryKey: string;
  readonly rights: readonly PolicyRight[];
  readonly createdAtMs: number;
}

/** A cloud-to-device message waiting for its device. */
export interface C2dRecord {
  /** Store id; also the lock token the device endpoint completes. */
  readonly id: string;
  readonly deviceId: string;
  readonly message: Message;
  readonly enqueuedAtMs: number;
  readonly expiresAtMs: number;
}

/** The sender's `iothub-ack` of a C2D message, kept in its system properties under this name (never sent to the device). */
export const C2D_ACK_PROPERTY = 'iothub-ack';

/** An expired C2D message as the purge removed it: enough to tell its sender (feedback) without its body. */
export interface ExpiredC2d {
  readonly deviceId: string;
  readonly systemProperties: Readonly<Record<string, string>>;
}

/**
 * What happened to a C2D message whose sender asked for feedback (`iothub-ack`), as IoT Hub's feedback record
 * (azure-iothub's `getFeedbackReceiver` reads a JSON array of them): delivered (`Success`) or `Expired`.
 */
export interface C2dFeedbackRecord {
  readonly originalMessageId: string;
  readonly deviceId: string;
  readonly deviceGenerationId: string;
  /** When the outcome happened, ISO-8601. */
  readonly enqueuedTimeUtc: string;
  readonly statusCode: 'Success' | 'Expired';
  readonly description: string;
}

/** A successful file upload as IoT Hub's file notification (azure-iothub's `getFileNotificationReceiver` reads one per message). */
export interface FileNotificationRecord {
  readonly deviceId: string;
  readonly blobUri: string;
  readonly blobName: string;
  /** When the blob was last written (the notification time), ISO-8601. */
  readonly lastUpdatedTime: string;
  readonly blobSizeInBytes: number;
  readonly enqueuedTimeUtc: string;
}

/** A device-to-cloud message kept for the retention period. */
export interface TelemetryRecord {
  /** Strictly increasing over the store's life (never reused after pruning). */
  readonly sequenceNumber: number;
  readonly deviceId: string;
  readonly moduleId?: string;
  readonly enqueuedAtMs: number;
  readonly message: Message;
  /** Bytes counted against the retention: body plus property names and values. */
  readonly sizeBytes: number;
}

/** A deployment (IoT Hub configuration, reference §10.1) as stored. `content` and `id` never change after creation. */
export interface ConfigurationRecord {
  readonly id: string;
  readonly etag: string;
  readonly schemaVersion: string;
  readonly labels: Readonly<Record<string, string>>;
  /** `{ modulesContent }` (IoT Edge deployments), as validated at creation. */
  readonly content: { readonly modulesContent: Readonly<Record<string, Readonly<Record<string, unknown>>>> };
  readonly targetCondition: string;
  readonly priority: number;
  /** Custom metrics: name → twin query (`SELECT deviceId FROM devices[.modules] WHERE …`). */
  readonly metricQueries: Readonly<Record<string, string>>;
  /** True when a module block sets sub-paths (`properties.desired.x`, reference §10.3). */
  readonly layered: boolean;
  /** Verge's staged-rollout policy (validated JSON, owned by the rollout service); null: every targeted device at once. */
  readonly rollout: Readonly<Record<string, unknown>> | null;
  readonly createdAtMs: number;
  readonly lastUpdatedAtMs: number;
}

/** The progress of a deployment's staged rollout (validated JSON, owned by the rollout service). */
export interface RolloutRecord {
  readonly configurationId: string;
  readonly etag: string;
  readonly state: Readonly<Record<string, unknown>>;
  readonly updatedAtMs: number;
}

/**
 * What a device's module twins desired before a rollout moved it (module id → desired properties), so that an
 * automatic rollback can restore it when no other deployment applies to the device.
 */
export interface RolloutSnapshotRecord {
  readonly configurationId: string;
  readonly deviceId: string;
  readonly desired: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** A job's per-device counts as stored (IoT Hub `deviceJobStatistics`). */
export interface JobCountsRecord {
  readonly deviceCount: number;
  readonly failedCount: number;
  readonly succeededCount: number;
  readonly runningCount: number;
  readonly pendingCount: number;
}

/**
 * An IoT Hub job (jobs v2) as stored. `status` moves queued|scheduled → running → completed|failed|cancelled; the
 * devices are resolved from `queryCondition` in the transaction that makes it `running` (`JobRepository.addDevices`).
 */
export interface JobRecord {
  readonly jobId: string;
  readonly etag: string;
  readonly type: 'scheduleUpdateTwin' | 'scheduleDeviceMethod';
  readonly queryCondition: string;
  readonly status: 'queued' | 'scheduled' | 'running' | 'completed' | 'failed' | 'cancelled';
  /** The twin patch (`scheduleUpdateTwin`) or the method (`scheduleDeviceMethod`), as validated at creation. */
  readonly updateTwin: Readonly<Record<string, unknown>> | null;
  readonly cloudToDeviceMethod: Readonly<Record<string, unknown>> | null;
  readonly createdAtMs: number;
  /** When it may start. */
  readonly startAtMs: number;
  /** When it began running (its execution time counts from here); null before. */
  readonly runStartedAtMs: number | null;
  readonly endAtMs: number | null;
  readonly maxExecutionTimeInSeconds: number;
  readonly failureReason: string | null;
  readonly statusMessage: string | null;
  readonly counts: JobCountsRecord;
  readonly updatedAtMs: number;
}

/** The outcome of a job on one device. `pending` until the device was processed. */
export interface JobDeviceRecord {
  readonly jobId: string;
  readonly deviceId: string;
  readonly status: 'pending' | 'completed' | 'failed';
  /** `{ deviceMethodResponse: { status, payload } }` for a method job; null otherwise or while pending. */
  readonly outcome: Readonly<Record<string, unknown>> | null;
  /** Why it failed: a Verge error code and message. */
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly updatedAtMs: number;
}
