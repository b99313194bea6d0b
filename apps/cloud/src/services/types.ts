// The seam between the cloud's transports (MQTT device endpoint, REST service API) and its services.
// Transports depend on these interfaces only; services never import a transport.
import type { Message } from '@verge/contracts';
import type { ClientIdentity } from '@verge/core';
import type { MqttAuthentication, MqttSessionState } from '@verge/iothub-mqtt';

// One definition each: the identity is core's, authentication and session state the IoT Hub surface's.
/** What the MQTT endpoint persists of a session: its subscription filters (JSON-serializable). */
export type { MqttSessionState };

/** What the device endpoint needs to authenticate and authorize a connecting identity. */
export interface AuthRecord extends ClientIdentity {
  readonly status: 'enabled' | 'disabled';
  readonly authentication: MqttAuthentication;
  readonly isEdge: boolean;
  /** For devices with a parent edge device: the parent's device id. */
  readonly parentDeviceId?: string;
}

/** Twin as the MQTT surface returns it: `{ desired, reported }` each with `$version`. */
export interface TwinProperties {
  readonly desired: Record<string, unknown> & { $version: number };
  readonly reported: Record<string, unknown> & { $version: number };
}

/** A cloud-to-device message waiting for a device. */
export interface C2dMessage {
  readonly id: string; // store id (lock token)
  readonly deviceId: string;
  readonly message: Message;
  readonly expiresAtMs: number;
}

/**
 * Implemented by the services; used by the MQTT device endpoint. Asynchronous where the store is (a networked
 * database answers later); notifications are synchronous events of the bus.
 */
export interface DeviceEndpointServices {
  getAuthRecord(id: ClientIdentity): Promise<AuthRecord | undefined>;
  getTwinProperties(id: ClientIdentity): Promise<TwinProperties>;
  /** Applies a reported merge-patch; resolves with the new reported $version. Rejects with VergeError on bad patches. */
  patchReported(id: ClientIdentity, patch: unknown): Promise<number>;
  /**
   * Persists one device-to-cloud message (connectionDeviceId/ModuleId and enqueuedTime already set); resolves once
   * it is committed (the endpoint sends PUBACK then).
   */
  ingestTelemetry(message: Message): Promise<void>;
  pendingC2d(deviceId: string): Promise<C2dMessage[]>;
  completeC2d(deviceId: string, id: string): Promise<void>;
  setConnectionState(id: ClientIdentity, connected: boolean): Promise<void>;
  /** Subscribes to desired-property changes of any twin; returns an unsubscribe function. */
  onDesiredPatch(listener: (id: ClientIdentity, patch: Record<string, unknown>, version: number) => void): () => void;
  /** Subscribes to newly enqueued C2D messages. */
  onC2dEnqueued(listener: (deviceId: string) => void): () => void;
  /**
   * Optional (added by the services): subscribes to registry changes of an identity: `updated` (status, keys,
   * thumbprints or parent may have changed; re-check with getAuthRecord) or `deleted`. A device change also
   * concerns its modules (they share its status). IoT Hub drops the connection of a disabled or deleted identity.
   */
  onIdentityChanged?(listener: (id: ClientIdentity, change: 'updated' | 'deleted') => void): () => void;
  /**
   * Optional (added by the services): subscribes to clients that connected to another cloud instance; the endpoint
   * closes its own connection of that client, as IoT Hub does when a device connects twice.
   */
  onConnectedElsewhere?(listener: (id: ClientIdentity) => void): () => void;
  /**
   * Optional (added by the services): subscribes to this instance's bus coming back after an outage; events of the
   * other instances (desired patches, C2D, registry changes) were lost meanwhile and the endpoint catches up.
   */
  onBusResumed?(listener: () => void): () => void;
  /**
   * Optional (added by the MQTT endpoint): durable state of persistent MQTT sessions (clean=false), keyed by
   * client id (`{d}` or `{d}/{m}`), so that subscriptions survive a cloud restart (azure-sdk-protocol.md §0.3: the
   * SDK never re-subscribes `$iothub/twin/res/#` or desired patches after a drop). `undefined` deletes the entry.
   * Without these two methods sessions live in memory only. Called on SUBSCRIBE/UNSUBSCRIBE and on connect.
   */
  loadMqttSession?(clientId: string): Promise<MqttSessionState | undefined>;
  saveMqttSession?(clientId: string, state: MqttSessionState | undefined): Promise<void>;
}


/** Result of a direct method invocation, as IoT Hub's REST API returns it. */
export interface MethodResult {
  readonly status: number;
  readonly payload: unknown;
}

/** Implemented by the MQTT device endpoint; used by the REST service API. */
export interface DeviceGateway {
  /** Asynchronous when the connection may be held by another cloud instance (asked over the bus). */
  isConnected(id: ClientIdentity): boolean | Promise<boolean>;
  /** Rejects with VergeError CLD_DEVICE_NOT_CONNECTED (404) or CLD_METHOD_TIMEOUT (504). */
  invokeMethod(id: ClientIdentity, methodName: string, payload: unknown, timeoutMs: number): Promise<MethodResult>;
}
