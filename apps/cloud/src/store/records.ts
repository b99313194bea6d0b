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
export type TwinRecord = Twin & { readonly etag: string };

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
