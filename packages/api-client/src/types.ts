// Types of the client's API. Wire shapes come from @verge/contracts (api/): the service API's IoT Hub-shaped DTOs,
// shared with the cloud that serves them. The types below are what only the client needs.
import type { C2dAccepted, DeviceDto, DeviceInputDto, HealthDto, MethodResultDto, ModuleDto, TwinDto, TwinUpdateDto } from '@verge/contracts';

export type { C2dAccepted };
/** A device identity as the API returns it (IoT Hub `Device`). */
export type Device = DeviceDto;
/** Body of `PUT /devices/{id}` (IoT Hub `Device`; read-only fields are ignored by the server). */
export type DeviceInput = DeviceInputDto;
/** A module identity as the API returns it (IoT Hub `Module`). */
export type Module = ModuleDto;
/** A device or module twin (IoT Hub `Twin`). */
export type Twin = TwinDto;
/** Body of a twin PATCH (merge-patch) or PUT (replace): `tags`, `properties.desired`, optional `etag`. */
export type TwinUpdate = TwinUpdateDto;
/** Body of `GET /healthz`. */
export type Health = HealthDto;

/** The device's answer to a direct method (IoT Hub `CloudToDeviceMethodResult`). */
export type MethodResult = MethodResultDto;

/** What the client sends to create or replace a module identity. */
export interface ModuleInput {
  readonly deviceId: string;
  readonly moduleId: string;
  readonly managedBy?: string | null;
  readonly authentication?: DeviceInput['authentication'];
  readonly etag?: string;
}

/** Addresses a device twin, or a module twin when `moduleId` is set. */
export interface TwinRef {
  readonly deviceId: string;
  readonly moduleId?: string;
}

/** What the client sends to invoke a direct method (IoT Hub `CloudToDeviceMethod`). */
export interface MethodInvocation {
  readonly methodName: string;
  readonly payload?: unknown;
  /** 5–300 s; IoT Hub's default is 30. */
  readonly responseTimeoutInSeconds?: number;
  /** 0–300 s to wait for a disconnected device to connect; 0 fails at once when it is offline. */
  readonly connectTimeoutInSeconds?: number;
}

/** One page of `POST /devices/query`; `continuationToken` is absent on the last page. */
export interface QueryPage<T = unknown> {
  readonly items: readonly T[];
  readonly continuationToken?: string;
}

/** A cloud-to-device message to enqueue. A string payload is sent as UTF-8. */
export interface C2dMessageInput {
  readonly payload: string | Uint8Array;
  /** Application properties (`iothub-app-{name}` headers). */
  readonly properties?: Readonly<Record<string, string>>;
  readonly messageId?: string;
  readonly correlationId?: string;
  readonly userId?: string;
  readonly contentType?: string;
  readonly contentEncoding?: string;
  /** Absolute expiry (ISO-8601); the cloud's default time to live applies when absent. */
  readonly expiryTimeUtc?: string;
}

/** A device-to-cloud message with its body decoded from base64. */
export interface TelemetryMessage {
  /** Increases with every stored message; the SSE event id. */
  readonly sequenceNumber: number;
  readonly deviceId: string;
  readonly moduleId?: string;
  /** ISO-8601 time the cloud accepted the message. */
  readonly enqueuedTime: string;
  /** System properties keyed by their internal names (see `Message` in @verge/contracts). */
  readonly systemProperties: Readonly<Record<string, string>>;
  readonly properties: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

/** Filters of the telemetry endpoints. */
export interface TelemetryFilter {
  readonly deviceId?: string;
  readonly moduleId?: string;
}

/** Answer of `GET /healthz`: `ok` is true for 200; the body is there also while starting (503). */
export interface HealthReport {
  readonly ok: boolean;
  readonly status: number;
  readonly health: Health;
}
