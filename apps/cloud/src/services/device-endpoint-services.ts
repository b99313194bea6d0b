import type { ClientIdentity } from '@verge/core';
import type { ServiceContext } from './context.js';
import type { TelemetryService } from './telemetry-service.js';
import type { TwinService } from './twin-service.js';
import type { AuthRecord, C2dMessage, DeviceEndpointServices } from './types.js';

/**
 * The services as the MQTT device endpoint sees them (services/types.ts). Reads are answered from the store;
 * notifications come from the event bus.
 */
export function createDeviceEndpointServices(ctx: ServiceContext, twins: TwinService, telemetry: TelemetryService): DeviceEndpointServices {
  const { store, bus, clock } = ctx;
  return {
    getAuthRecord: (id) => authRecord(ctx, id),
    getTwinProperties: (id) => twins.getProperties(id),
    patchReported: (id, patch) => twins.patchReported(id, patch),
    ingestTelemetry: (message) => void telemetry.ingest(message),
    pendingC2d: (deviceId) =>
      store.c2d.pending(deviceId, clock.nowMs()).map(
        (r): C2dMessage => ({ id: r.id, deviceId: r.deviceId, message: r.message, expiresAtMs: r.expiresAtMs }),
      ),
    completeC2d: (deviceId, id) => void store.c2d.complete(deviceId, id),
    setConnectionState: (id, connected) => {
      const state = connected ? 'Connected' : 'Disconnected';
      if (id.moduleId === undefined) store.devices.setConnection(id.deviceId, state, clock.nowMs());
      else store.modules.setConnection(id.deviceId, id.moduleId, state, clock.nowMs());
      bus.publish('connectionChanged', { id, connected });
    },
    onDesiredPatch: (listener) => bus.subscribe('desiredPatched', (e) => listener(e.id, e.patch, e.version)),
    onC2dEnqueued: (listener) => bus.subscribe('c2dEnqueued', (e) => listener(e.deviceId)),
    onIdentityChanged: (listener) => bus.subscribe('identityChanged', (e) => listener(e.id, e.change)),
    loadMqttSession: (clientId) => store.sessions.load(clientId),
    saveMqttSession: (clientId, state) => store.sessions.save(clientId, state, clock.nowMs()),
  };
}

/**
 * What the endpoint needs to authenticate `id`. A module shares its device's status (a disabled device's modules
 * cannot connect either), edge flag and parent.
 */
function authRecord(ctx: ServiceContext, id: ClientIdentity): AuthRecord | undefined {
  const device = ctx.store.devices.get(id.deviceId);
  if (device === undefined) return undefined;
  const base = {
    deviceId: device.deviceId,
    status: device.status,
    isEdge: device.isEdge,
    ...(device.parentDeviceId === null ? {} : { parentDeviceId: device.parentDeviceId }),
  };
  if (id.moduleId === undefined) return { ...base, authentication: device.authentication };
  const module = ctx.store.modules.get(id.deviceId, id.moduleId);
  if (module === undefined) return undefined;
  return { ...base, moduleId: module.moduleId, authentication: module.authentication };
}
