import { VergeError, type DeviceScopeDto, type ScopeRequestDto, type ScopeResultDto } from '@verge/contracts';
import type { DeviceRecord } from '../store/records.js';
import type { ServiceContext } from './context.js';
import { authenticationToDto, deviceToDto, moduleToDto } from './dto.js';
import { edgeDeviceScope } from './identity-values.js';

/** The device scope of IoT Edge devices (docs/edge-cloud.md "Device-scoped REST"). */
export interface EdgeScopeService {
  /**
   * What an edge hub caches to authenticate offline (reference azure-iot-edge.md §11.1): the devices whose parent
   * is `edgeId` (leaves and nested edge devices) with their status and credentials, and the edge device's own
   * modules with their generation ids and keys. CLD_DEVICE_NOT_FOUND, CLD_DEVICE_NOT_EDGE.
   */
  getScope(edgeId: string): Promise<DeviceScopeDto>;
  /**
   * The same scope in IoT Hub's shape and pages, as edgeHub asks for it (`devicesAndModulesInDeviceScope`): with the
   * edge device as target, its children as `Device`s ordered by id, `pageSize` at a time, and its modules as
   * `Module`s on the first page; with a device of its scope as target, that device alone; with any other target,
   * nothing. CLD_DEVICE_NOT_FOUND, CLD_DEVICE_NOT_EDGE, CLD_SCOPE_CONTINUATION_INVALID.
   */
  devicesAndModulesInScope(edgeId: string, request: ScopeRequestDto): Promise<ScopeResultDto>;
}

/** Devices per scope page when the request names none. */
export const DEFAULT_SCOPE_PAGE_SIZE = 100;

/** Builds the scope service over the store. */
export function createEdgeScopeService(ctx: ServiceContext): EdgeScopeService {
  const { store } = ctx;
  return {
    getScope: (edgeId) =>
      store.transaction(async (tx) => {
        const edge = requireEdgeDevice(await tx.devices.get(edgeId), edgeId);
        return {
          deviceId: edge.deviceId,
          deviceScope: edgeDeviceScope(edge.deviceId, edge.generationId),
          devices: (await tx.devices.children(edgeId)).map((d) => ({
            deviceId: d.deviceId,
            generationId: d.generationId,
            status: d.status,
            authentication: authenticationToDto(d.authentication),
            capabilities: { iotEdge: d.isEdge },
          })),
          modules: (await tx.modules.list(edgeId)).map((m) => ({
            moduleId: m.moduleId,
            generationId: m.generationId,
            managedBy: m.managedBy,
            authentication: authenticationToDto(m.authentication),
          })),
        };
      }),
    devicesAndModulesInScope: (edgeId, request) =>
      store.transaction(async (tx) => {
        const edge = requireEdgeDevice(await tx.devices.get(edgeId), edgeId);
        const toDto = async (d: DeviceRecord) => deviceToDto(d, edge, await tx.c2d.countPending(d.deviceId, ctx.clock.nowMs()));
        const target = request.targetDeviceId ?? edgeId;
        if (target !== edgeId) {
          const device = await tx.devices.get(target);
          return { devices: device?.parentDeviceId === edgeId ? [await toDto(device)] : [], modules: [], continuationLink: null };
        }
        const after = readContinuation(request.continuationToken);
        const rest = (await tx.devices.children(edgeId)).filter((d) => after === undefined || d.deviceId > after);
        const page = rest.slice(0, request.pageSize ?? DEFAULT_SCOPE_PAGE_SIZE);
        const last = page.at(-1);
        return {
          devices: await Promise.all(page.map(toDto)),
          modules: after === undefined ? (await tx.modules.list(edgeId)).map(moduleToDto) : [],
          continuationLink: rest.length > page.length && last !== undefined ? continuationAfter(last.deviceId) : null,
        };
      }),
  };
}

// Continuation links are opaque to clients: base64url of `{"after":"<last device id of the page>"}`.
function continuationAfter(deviceId: string): string {
  return Buffer.from(JSON.stringify({ after: deviceId }), 'utf8').toString('base64url');
}

function readContinuation(token: string | null | undefined): string | undefined {
  if (token === undefined || token === null || token === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const after = typeof parsed === 'object' && parsed !== null ? (parsed as { after?: unknown }).after : undefined;
  if (typeof after !== 'string') {
    throw new VergeError('CLD_SCOPE_CONTINUATION_INVALID', 'continuationToken: not a continuationLink of this cloud (send back the continuationLink of the previous page)', {
      details: { path: 'continuationToken' },
    });
  }
  return after;
}

/** The device when it is registered and an IoT Edge device; CLD_DEVICE_NOT_FOUND or CLD_DEVICE_NOT_EDGE otherwise. */
export function requireEdgeDevice(device: DeviceRecord | undefined, deviceId: string, purpose = 'has no device scope'): DeviceRecord {
  if (device === undefined) {
    throw new VergeError('CLD_DEVICE_NOT_FOUND', `device '${deviceId}' is not registered`, { details: { deviceId } });
  }
  if (!device.isEdge) {
    throw new VergeError('CLD_DEVICE_NOT_EDGE', `device '${deviceId}' is not an IoT Edge device (capabilities.iotEdge is false), so it ${purpose}`, {
      details: { deviceId },
    });
  }
  return device;
}
