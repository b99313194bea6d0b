import type { ClientIdentity } from '@verge/core';
import type { DeviceRecord, ModuleRecord } from '../store/records.js';
import { createC2dFeedback } from './c2d-feedback.js';
import { LOCAL_INSTANCE, type ServiceContext } from './context.js';
import type { TelemetryService } from './telemetry-service.js';
import type { TwinService } from './twin-service.js';
import type { AuthRecord, C2dMessage, DeviceEndpointServices } from './types.js';

/**
 * The services as the MQTT device endpoint sees them (services/types.ts). Reads are answered from the store;
 * notifications come from the event bus.
 */
export function createDeviceEndpointServices(ctx: ServiceContext, twins: TwinService, telemetry: TelemetryService): DeviceEndpointServices {
  const { store, bus, clock } = ctx;
  const feedback = createC2dFeedback(ctx);
  const instanceId = ctx.instanceId ?? LOCAL_INSTANCE;
  return {
    getAuthRecord: async (id) => {
      const device = await store.devices.get(id.deviceId);
      const module = device === undefined || id.moduleId === undefined ? undefined : await store.modules.get(id.deviceId, id.moduleId);
      return authRecord(id, device, module);
    },
    getTwinProperties: (id) => twins.getProperties(id),
    patchReported: (id, patch) => twins.patchReported(id, patch),
    ingestTelemetry: (message) => telemetry.ingest(message).then(nothing), // per message: no async frame around it
    pendingC2d: async (deviceId) =>
      (await store.c2d.pending(deviceId, clock.nowMs())).map(
        (r): C2dMessage => ({ id: r.id, deviceId: r.deviceId, message: r.message, expiresAtMs: r.expiresAtMs }),
      ),
    completeC2d: async (deviceId, id) => {
      const completed = await store.c2d.complete(deviceId, id);
      if (completed !== undefined) await feedback.delivered(completed);
    },
    setConnectionState: async (id, connected) => {
      const state = connected ? 'Connected' : 'Disconnected';
      if (id.moduleId === undefined) await store.devices.setConnection(id.deviceId, state, clock.nowMs());
      else await store.modules.setConnection(id.deviceId, id.moduleId, state, clock.nowMs());
      bus.publish('connectionChanged', { id, connected, instanceId });
    },
    onConnectedElsewhere: (listener) =>
      bus.subscribe('connectionChanged', (e) => {
        if (e.connected && e.instanceId !== instanceId) listener(e.id);
      }),
    onBusResumed: (listener) => bus.subscribe('busResumed', () => listener()),
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
function authRecord(id: ClientIdentity, device: DeviceRecord | undefined, module: ModuleRecord | undefined): AuthRecord | undefined {
  if (device === undefined) return undefined;
  const base = {
    deviceId: device.deviceId,
    status: device.status,
    isEdge: device.isEdge,
    ...(device.parentDeviceId === null ? {} : { parentDeviceId: device.parentDeviceId }),
  };
  if (id.moduleId === undefined) return { ...base, authentication: device.authentication };
  if (module === undefined) return undefined;
  return { ...base, moduleId: module.moduleId, authentication: module.authentication };
}

function nothing(): void {}
