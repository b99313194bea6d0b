import { VergeError, type ModuleDto, type ModuleInputDto } from '@verge/contracts';
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
  putModule(deviceId: string, moduleId: string, input: ModuleInputDto, ifMatch: string | undefined, caller?: RegistryCaller): PutModuleResult;
  getModule(deviceId: string, moduleId: string): ModuleDto;
  listModules(deviceId: string): ModuleDto[];
  /** Deletes the module and its twin; the system modules of an edge device are refused (CLD_MODULE_RESERVED). */
  deleteModule(deviceId: string, moduleId: string, ifMatch: string | undefined): void;
}

/** Builds the module registry over the store. */
export function createModuleRegistry(ctx: ServiceContext): ModuleRegistry {
  const { store, bus, clock, random } = ctx;

  const putModule = (deviceId: string, moduleId: string, input: ModuleInputDto, ifMatch: string | undefined, caller: RegistryCaller = 'service'): PutModuleResult =>
    store.transaction(() => {
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
      const device = requireDevice(store, deviceId);
      if (caller === 'edgeDevice') assertDeviceMayPut(device, moduleId);
      const existing = store.modules.get(deviceId, moduleId);
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
      store.modules.put(record);
      if (existing === undefined) store.twins.put(newTwinRecord({ deviceId, moduleId }));
      else bus.publish('identityChanged', { id: { deviceId, moduleId }, change: 'updated' });
      return { module: moduleToDto(record), created: existing === undefined };
    });

  const deleteModule = (deviceId: string, moduleId: string, ifMatch: string | undefined): void => {
    store.transaction(() => {
      const module = requireModule(store, deviceId, moduleId);
      assertNotSystemModule(requireDevice(store, deviceId), moduleId);
      assertEtag(ifMatch, module.etag, `module '${deviceId}/${moduleId}'`);
      store.twins.delete({ deviceId, moduleId });
      store.modules.delete(deviceId, moduleId);
      store.sessions.save(`${deviceId}/${moduleId}`, undefined, clock.nowMs());
    });
    bus.publish('identityChanged', { id: { deviceId, moduleId }, change: 'deleted' });
  };

  return {
    putModule,
    getModule: (deviceId, moduleId) => moduleToDto(requireModule(store, deviceId, moduleId)),
    listModules: (deviceId) => {
      requireDevice(store, deviceId);
      return store.modules.list(deviceId).map(moduleToDto);
    },
    deleteModule,
  };
}
