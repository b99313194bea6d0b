import type { MqttAuthentication } from '@verge/iothub-mqtt';

/**
 * A device in this edge device's scope (a leaf, child of the edge device in the registry) with what the hub needs
 * to authenticate it offline and to act as it upstream (reference azure-iot-edge.md §11.1).
 */
export interface ScopeIdentity {
  readonly deviceId: string;
  readonly generationId?: string;
  readonly status: 'enabled' | 'disabled';
  readonly authentication: MqttAuthentication;
}

/** The device scope as synced from the cloud. */
export interface DeviceScopeSnapshot {
  /** Every child device of the edge device (the edge device itself excluded). */
  readonly devices: readonly ScopeIdentity[];
}

/**
 * Where the hub gets the device scope (iotedge `DeviceScopeCacheRefreshRateSecs`, reference §11.1). Rejects when
 * the cloud cannot be reached or refuses; the hub then keeps serving from its cache.
 */
export interface DeviceScopeSource {
  fetch(signal: AbortSignal): Promise<DeviceScopeSnapshot>;
}
