import { VergeError, type ModuleDto, type ModuleInputDto } from '@verge/contracts';
import { retryOnConflict } from '../store/ports.js';
import type { ModuleRecord } from '../store/records.js';
import type { ServiceContext } from './context.js';
import { moduleToDto } from './dto.js';
import { assertEtag, assertIdentityId, requireDevice, requireModule } from './identity-checks.js';
import { newEtag, newGenerationId } from './identity-values.js';
import { assertDeviceMayPut, assertNotSystemModule, moduleManagedBy, resolveModuleAuthentication } from './module-keys.js';
import { newTwinRecord } from './twin-records.js';

/** Outcome of `putModule`. */
export interface PutModuleResult {
  readonly module: ModuleDto;
  readonly created: boolean;
}

/**
 * Who asks: a service (a shared access policy) or the IoT Edge device itself (its own SAS token on the device-scoped
 * routes, docs/edge-cloud.md). The edge device may only manage the identities of the modules it deploys.
 */
export type RegistryCaller = 'service' | 'edgeDevice';

/** Module identity operations of the registry (IoT Hub `/devices/{id}/modules/{mid}`). */
export interface ModuleRegistry {
  /**
   * As `putDevice`: create without `ifMatch`, replace with it. The device must exist. On an IoT Edge device with
   * symmetric keys, keys left empty are derived from the device's keys (`resolveModuleAuthentication`); the edge device itself and
   * the system modules may only have the derived keys (CLD_AUTHENTICATION_INVALID otherwise).
   */
  putModule(deviceId: string, moduleId: string, input: ModuleInputDto, ifMatch: string | undefined, caller?: RegistryCaller): Promise<PutModuleResult>;
  getModule(deviceId: string, moduleId: string): Promise<ModuleDto>;
  listModules(deviceId: string): Promise<ModuleDto[]>;
  /** Deletes the module and its twin; the system modules of an edge device are refused (CLD_MODULE_RESERVED). */
  deleteModule(deviceId: string, moduleId: string, ifMatch: string | undefined): Promise<void>;
}

/** Builds the module registry over the store. */
export function createModuleRegistry(ctx: ServiceContext): ModuleRegistry {
  const { store, bus, clock, random } = ctx;

  const putModule = async (
    deviceId: string,
    moduleId: string,
    input: ModuleInputDto,
    ifMatch: string | undefined,
    caller: RegistryCaller = 'service',
  ): Promise<PutModuleResult> => {
    const { result, updated } = await retryOnConflict(() => store.transaction(async (tx) => {
      assertIdentityId(deviceId, 'deviceId');
      assertIdentityId(moduleId, 'moduleId');
      if (input.moduleId !== moduleId) {
        throw new VergeError('CLD_ID_MISMATCH', `moduleId '${input.moduleId}' in the body differs from '${moduleId}' in the path`, {
          details: { path: moduleId, body: input.moduleId },
        });
      }
      if (input.deviceId !== undefined && input.deviceId !== null && input.deviceId !== deviceId) {
        throw new VergeError('CLD_ID_MISMATCH', `deviceId '${input.deviceId}' in the body differs from '${deviceId}' in the path`, {
          details: { path: deviceId, body: input.deviceId },
        });
      }
      const device = await requireDevice(tx, deviceId);
      if (caller === 'edgeDevice') assertDeviceMayPut(device, moduleId);
      const existing = await tx.modules.get(deviceId, moduleId);
      if (existing !== undefined && ifMatch === undefined) {
        throw new VergeError(
          'CLD_MODULE_ALREADY_EXISTS',
          `module '${moduleId}' already exists on device '${deviceId}'; send If-Match: * (or its etag) to replace it`,
          { details: { deviceId, moduleId } },
        );
      }
      if (existing === undefined && ifMatch !== undefined) {
        throw new VergeError('CLD_MODULE_NOT_FOUND', `module '${moduleId}' is not registered on device '${deviceId}' (If-Match given, so nothing was created)`, {
          details: { deviceId, moduleId },
        });
      }
      if (existing !== undefined) assertEtag(ifMatch, existing.etag, `module '${deviceId}/${moduleId}'`);
      const now = clock.nowMs();
      const generationId = existing?.generationId ?? newGenerationId(clock, random);
      const target = { device, moduleId, generationId, caller };
      const record: ModuleRecord = {
        deviceId,
        moduleId,
        generationId,
        etag: newEtag(random),
        managedBy: moduleManagedBy(input.managedBy, target),
        authentication: resolveModuleAuthentication(input.authentication, existing?.authentication, target, random),
        connectionState: existing?.connectionState ?? 'Disconnected',
        connectionStateUpdatedAtMs: existing?.connectionStateUpdatedAtMs ?? null,
        lastActivityAtMs: existing?.lastActivityAtMs ?? null,
        createdAtMs: existing?.createdAtMs ?? now,
      };
      await tx.modules.put(record, existing === undefined ? { ifAbsent: true } : { ifEtag: existing.etag });
      if (existing === undefined) await tx.twins.put(newTwinRecord({ deviceId, moduleId }));
      return { result: { module: moduleToDto(record), created: existing === undefined }, updated: existing !== undefined };
    }));
    // Published after the commit: listeners (the device endpoint) re-read the store.
    if (updated) bus.publish('identityChanged', { id: { deviceId, moduleId }, change: 'updated' });
    return result;
  };

  const deleteModule = async (deviceId: string, moduleId: string, ifMatch: string | undefined): Promise<void> => {
    await store.transaction(async (tx) => {
      const module = await requireModule(tx, deviceId, moduleId);
      assertNotSystemModule(await requireDevice(tx, deviceId), moduleId);
      assertEtag(ifMatch, module.etag, `module '${deviceId}/${moduleId}'`);
      await tx.twins.delete({ deviceId, moduleId });
      await tx.modules.delete(deviceId, moduleId);
      await tx.sessions.save(`${deviceId}/${moduleId}`, undefined, clock.nowMs());
    });
    bus.publish('identityChanged', { id: { deviceId, moduleId }, change: 'deleted' });
  };

  return {
    putModule,
    getModule: async (deviceId, moduleId) => moduleToDto(await requireModule(store, deviceId, moduleId)),
    listModules: async (deviceId) => {
      await requireDevice(store, deviceId);
      return (await store.modules.list(deviceId)).map(moduleToDto);
    },
    deleteModule,
  };
}
