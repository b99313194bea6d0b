import { VergeError, type DeviceDto, type DeviceInputDto, type RegistryStatisticsDto } from '@verge/contracts';
import { retryOnConflict, type CloudStoreRepos } from '../store/ports.js';
import type { DeviceRecord } from '../store/records.js';
import type { ServiceContext } from './context.js';
import { deviceToDto } from './dto.js';
import { syncEdgeModules, type IdentityEvent } from './edge-modules.js';
import { assertEtag, assertIdentityId, requireDevice } from './identity-checks.js';
import { edgeDeviceScope, looksLikeDeviceScope, newEtag, newGenerationId } from './identity-values.js';
import { resolveAuthentication } from './resolve-authentication.js';
import { newTwinRecord } from './twin-records.js';

/** Outcome of `putDevice`. */
export interface PutDeviceResult {
  readonly device: DeviceDto;
  readonly created: boolean;
}

/** Device identity operations of the registry (IoT Hub `/devices/{id}`). */
export interface DeviceRegistry {
  /**
   * `PUT /devices/{id}`: without `ifMatch` creates (CLD_DEVICE_ALREADY_EXISTS when it exists); with `ifMatch`
   * (`*` or an etag) replaces an existing device (CLD_DEVICE_NOT_FOUND, CLD_ETAG_MISMATCH). An IoT Edge device gets
   * its system modules `$edgeAgent`/`$edgeHub` and keeps its derived module keys current (see `syncEdgeModules`).
   */
  putDevice(deviceId: string, input: DeviceInputDto, ifMatch: string | undefined): Promise<PutDeviceResult>;
  getDevice(deviceId: string): Promise<DeviceDto>;
  /** Devices ordered by id, at most `top` (IoT Hub: 1000 by default). */
  listDevices(top: number): Promise<DeviceDto[]>;
  /** Deletes the device, its modules, twins and queued C2D messages; children lose their parent. */
  deleteDevice(deviceId: string, ifMatch: string | undefined): Promise<void>;
  /** IoT Hub's registry statistics (`GET /statistics/devices`). */
  statistics(): Promise<RegistryStatisticsDto>;
  /** The device as a DTO (used by other services). */
  toDto(device: DeviceRecord): Promise<DeviceDto>;
}

/**
 * Builds the device registry over the store. Writes run in one transaction with conditional writes on the etags
 * they read, retried as a whole when another writer won (`retryOnConflict`).
 */
export function createDeviceRegistry(ctx: ServiceContext): DeviceRegistry {
  const { store, bus, clock, random } = ctx;

  const dtoIn = async (repos: CloudStoreRepos, device: DeviceRecord): Promise<DeviceDto> => {
    const parent = device.parentDeviceId === null ? undefined : await repos.devices.get(device.parentDeviceId);
    return deviceToDto(device, parent, await repos.c2d.countPending(device.deviceId, clock.nowMs()));
  };
  const toDto = (device: DeviceRecord): Promise<DeviceDto> => dtoIn(store, device);

  const putDevice = async (deviceId: string, input: DeviceInputDto, ifMatch: string | undefined): Promise<PutDeviceResult> => {
    const { result, events } = await retryOnConflict(() => store.transaction(async (tx) => {
      assertIdentityId(deviceId, 'deviceId');
      if (input.deviceId !== deviceId) {
        throw new VergeError('CLD_ID_MISMATCH', `deviceId '${input.deviceId}' in the body differs from '${deviceId}' in the path`, {
          details: { path: deviceId, body: input.deviceId },
        });
      }
      const existing = await tx.devices.get(deviceId);
      if (existing !== undefined && ifMatch === undefined) {
        throw new VergeError('CLD_DEVICE_ALREADY_EXISTS', `device '${deviceId}' already exists; send If-Match: * (or its etag) to replace it`, {
          details: { deviceId },
        });
      }
      if (existing === undefined && ifMatch !== undefined) {
        throw new VergeError('CLD_DEVICE_NOT_FOUND', `device '${deviceId}' is not registered (If-Match given, so nothing was created)`, {
          details: { deviceId },
        });
      }
      if (existing !== undefined) assertEtag(ifMatch, existing.etag, `device '${deviceId}'`);
      const record = await buildRecord(ctx, tx, deviceId, input, existing);
      if (existing?.isEdge === true && !record.isEdge && (await tx.devices.children(deviceId)).length > 0) {
        throw new VergeError('CLD_PARENT_INVALID', `capabilities.iotEdge: device '${deviceId}' has child devices, so it must stay an IoT Edge device`, {
          details: { path: 'capabilities.iotEdge' },
        });
      }
      await tx.devices.put(record, existing === undefined ? { ifAbsent: true } : { ifEtag: existing.etag });
      if (existing === undefined) await tx.twins.put(newTwinRecord({ deviceId }));
      const events: IdentityEvent[] = existing === undefined ? [] : [{ id: { deviceId }, change: 'updated' }];
      events.push(...(await syncEdgeModules(ctx, tx, existing, record)));
      return { result: { device: await dtoIn(tx, record), created: existing === undefined }, events };
    }));
    // Published after the commit: listeners (the device endpoint) re-read the store.
    for (const e of events) bus.publish('identityChanged', e);
    // A new twin: deployment evaluation targets it (by deviceId, `*`, or its empty tags).
    if (result.created) bus.publish('twinChanged', { id: { deviceId }, tags: true, desired: false, reported: false });
    return result;
  };

  const deleteDevice = async (deviceId: string, ifMatch: string | undefined): Promise<void> => {
    const orphans = await retryOnConflict(() => store.transaction(async (tx) => {
      const device = await requireDevice(tx, deviceId);
      assertEtag(ifMatch, device.etag, `device '${deviceId}'`);
      const children = await tx.devices.children(deviceId);
      for (const child of children) await tx.devices.put({ ...child, parentDeviceId: null, etag: newEtag(random) }, { ifEtag: child.etag });
      await tx.twins.deleteAll(deviceId);
      await tx.modules.deleteAll(deviceId);
      await tx.c2d.deleteAll(deviceId);
      await tx.sessions.deleteForDevice(deviceId);
      await tx.devices.delete(deviceId);
      return children;
    }));
    bus.publish('identityChanged', { id: { deviceId }, change: 'deleted' });
    for (const child of orphans) bus.publish('identityChanged', { id: { deviceId: child.deviceId }, change: 'updated' });
  };

  return {
    putDevice,
    getDevice: async (deviceId) => toDto(await requireDevice(store, deviceId)),
    listDevices: async (top) => Promise.all((await store.devices.list({ top })).map(toDto)),
    deleteDevice,
    statistics: async () => {
      const { enabled, disabled } = await store.devices.countByStatus();
      return { totalDeviceCount: enabled + disabled, enabledDeviceCount: enabled, disabledDeviceCount: disabled };
    },
    toDto,
  };
}

async function buildRecord(ctx: ServiceContext, tx: CloudStoreRepos, deviceId: string, input: DeviceInputDto, existing: DeviceRecord | undefined): Promise<DeviceRecord> {
  const { clock, random } = ctx;
  const now = clock.nowMs();
  const status = input.status ?? 'enabled';
  const isEdge = input.capabilities?.iotEdge === true;
  const generationId = existing?.generationId ?? newGenerationId(clock, random);
  return {
    deviceId,
    generationId,
    etag: newEtag(random),
    status,
    statusReason: input.statusReason ?? null,
    statusUpdatedAtMs: existing === undefined || existing.status !== status ? now : existing.statusUpdatedAtMs,
    authentication: resolveAuthentication(input.authentication, existing?.authentication, random, 'authentication'),
    isEdge,
    parentDeviceId: await resolveParent(tx, deviceId, input, isEdge, existing?.isEdge === true ? edgeDeviceScope(deviceId, existing.generationId) : undefined),
    connectionState: existing?.connectionState ?? 'Disconnected',
    connectionStateUpdatedAtMs: existing?.connectionStateUpdatedAtMs ?? null,
    lastActivityAtMs: existing?.lastActivityAtMs ?? null,
    createdAtMs: existing?.createdAtMs ?? now,
  };
}

/**
 * The parent named by the input, as IoT Hub expresses it: a leaf device names its parent edge device's scope in
 * `deviceScope` (or `parentScopes[0]`); an edge device's own `deviceScope` is generated, so its parent (nested
 * edge) is `parentScopes[0]`. The parent must be an existing edge device, not the device itself nor one of its
 * descendants. `ownScope`: the scope of a device that is an edge device now; an edge device read back and turned
 * into a device (GET, `capabilities.iotEdge: false`, PUT) carries it in `deviceScope`, which then names no parent.
 */
async function resolveParent(tx: CloudStoreRepos, deviceId: string, input: DeviceInputDto, isEdge: boolean, ownScope: string | undefined): Promise<string | null> {
  const fromParents = (input.parentScopes ?? []).find((s): s is string => typeof s === 'string' && s !== '');
  const leafScope = nonEmpty(input.deviceScope) === ownScope ? undefined : nonEmpty(input.deviceScope);
  const scope = isEdge ? fromParents : leafScope ?? fromParents;
  if (scope === undefined) return null;
  const field = isEdge || leafScope === undefined ? 'parentScopes[0]' : 'deviceScope';
  const parent = looksLikeDeviceScope(scope) ? await findEdgeByScope(tx, scope) : undefined;
  if (parent === undefined) {
    throw new VergeError('CLD_PARENT_INVALID', `${field}: '${scope}' is not the scope of a registered IoT Edge device`, {
      details: { path: field, scope },
    });
  }
  if (parent.deviceId === deviceId || (await isAncestor(tx, deviceId, parent))) {
    throw new VergeError('CLD_PARENT_INVALID', `${field}: device '${parent.deviceId}' cannot be the parent of '${deviceId}' (it would form a cycle)`, {
      details: { path: field, scope },
    });
  }
  return parent.deviceId;
}

async function findEdgeByScope(tx: CloudStoreRepos, scope: string): Promise<DeviceRecord | undefined> {
  // The scope embeds the device id and generation id; ids may contain '-', so try each split point.
  const body = scope.slice('ms-azure-iot-edge://'.length);
  for (let i = body.lastIndexOf('-'); i > 0; i = body.lastIndexOf('-', i - 1)) {
    const candidate = await tx.devices.get(body.slice(0, i));
    if (candidate !== undefined && candidate.isEdge && edgeDeviceScope(candidate.deviceId, candidate.generationId) === scope) return candidate;
  }
  return undefined;
}

async function isAncestor(tx: CloudStoreRepos, deviceId: string, start: DeviceRecord): Promise<boolean> {
  const seen = new Set<string>();
  for (let p: DeviceRecord | undefined = start; p !== undefined && !seen.has(p.deviceId); ) {
    if (p.deviceId === deviceId) return true;
    seen.add(p.deviceId);
    p = p.parentDeviceId === null ? undefined : await tx.devices.get(p.parentDeviceId);
  }
  return false;
}

function nonEmpty(v: string | null | undefined): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
