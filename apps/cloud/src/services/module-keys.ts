import { IOT_EDGE_MANAGED_BY, VergeError, type AuthenticationInputDto } from '@verge/contracts';
import type { MqttAuthentication } from '@verge/iothub-mqtt';
import type { DeviceRecord } from '../store/records.js';
import type { RandomSource } from './context.js';
import { derivedModuleAuthentication, isSystemModuleId } from './edge-modules.js';
import type { RegistryCaller } from './module-registry.js';
import { resolveAuthentication } from './resolve-authentication.js';

// The rules for module identities of IoT Edge devices (docs/edge-cloud.md "Identities and keys"). The edge runtime
// signs for every module with keys derived from the device key, so the registry must hold exactly those keys for
// the modules the runtime manages.

/** The module a PUT writes, with what decides its keys. */
export interface ModuleTarget {
  readonly device: DeviceRecord;
  readonly moduleId: string;
  readonly generationId: string;
  readonly caller: RegistryCaller;
}

/**
 * Throws CLD_MODULE_RESERVED when the edge device itself tries to create or replace an id starting with `$`: the
 * system modules are the cloud's, and no other module id may start with `$` in a deployment.
 */
export function assertDeviceMayPut(device: DeviceRecord, moduleId: string): void {
  if (!moduleId.startsWith('$')) return;
  const message = isSystemModuleId(moduleId)
    ? `module '${moduleId}' is a system module of IoT Edge device '${device.deviceId}': the cloud creates it with the device, the device cannot write it`
    : `module id '${moduleId}': ids starting with '$' are reserved for system modules; the device may create only identities of the modules it deploys`;
  throw new VergeError('CLD_MODULE_RESERVED', message, { details: { deviceId: device.deviceId, moduleId } });
}

/** Throws CLD_MODULE_RESERVED for `$edgeAgent`/`$edgeHub` of an edge device: they go only with the device. */
export function assertNotSystemModule(device: DeviceRecord, moduleId: string): void {
  if (!device.isEdge || !isSystemModuleId(moduleId)) return;
  throw new VergeError(
    'CLD_MODULE_RESERVED',
    `module '${moduleId}' is a system module of IoT Edge device '${device.deviceId}': it is deleted with the device (or when the device stops being an IoT Edge device), not on its own`,
    { details: { deviceId: device.deviceId, moduleId } },
  );
}

/** `managedBy` as stored: `iotEdge` for system modules, the given value or `iotEdge` for the runtime's modules. */
export function moduleManagedBy(given: string | null | undefined, target: ModuleTarget): string | null {
  if (target.device.isEdge && isSystemModuleId(target.moduleId)) return IOT_EDGE_MANAGED_BY;
  if (target.caller === 'edgeDevice') return given ?? IOT_EDGE_MANAGED_BY;
  return given ?? null;
}

/**
 * The module's authentication. On an edge device with symmetric keys: the edge device itself and the system modules
 * get the derived keys (keys given must equal them, CLD_AUTHENTICATION_INVALID otherwise); a service creating another
 * module gets derived keys for the keys it leaves empty and may give its own. Elsewhere `resolveAuthentication`.
 */
export function resolveModuleAuthentication(
  input: AuthenticationInputDto | null | undefined,
  previous: MqttAuthentication | undefined,
  target: ModuleTarget,
  random: RandomSource,
): MqttAuthentication {
  const derived = target.device.isEdge ? derivedModuleAuthentication(target.device, target.moduleId, target.generationId) : undefined;
  if (derived === undefined) return resolveAuthentication(input, previous, random, 'authentication');
  if (target.caller === 'edgeDevice' || isSystemModuleId(target.moduleId)) return requireDerived(input, derived, target);
  return resolveAuthentication(input, previous ?? derived, random, 'authentication');
}

function requireDerived(input: AuthenticationInputDto | null | undefined, derived: Extract<MqttAuthentication, { type: 'sas' }>, target: ModuleTarget): MqttAuthentication {
  const where = `module '${target.moduleId}' of IoT Edge device '${target.device.deviceId}'`;
  const thumbprints = input?.x509Thumbprint;
  const type = input?.type ?? (nonEmpty(thumbprints?.primaryThumbprint) || nonEmpty(thumbprints?.secondaryThumbprint) ? 'selfSigned' : 'sas');
  if (type !== 'sas') {
    throw new VergeError('CLD_AUTHENTICATION_INVALID', `authentication.type: ${where} authenticates with keys derived from the device's keys (type sas), not ${type}`, {
      details: { path: 'authentication.type' },
    });
  }
  const check = (given: string | null | undefined, expected: string, keyId: 'primary' | 'secondary'): void => {
    if (!nonEmpty(given) || given === expected) return;
    const path = `authentication.symmetricKey.${keyId}Key`;
    throw new VergeError(
      'CLD_AUTHENTICATION_INVALID',
      `${path}: ${where} must have the key derived from the device's primary key (HMAC-SHA256 of "${target.moduleId}:${target.generationId}:${keyId}"); leave it empty to get it`,
      { details: { path } },
    );
  };
  check(input?.symmetricKey?.primaryKey, derived.primaryKey, 'primary');
  check(input?.symmetricKey?.secondaryKey, derived.secondaryKey, 'secondary');
  return derived;
}

function nonEmpty(v: string | null | undefined): v is string {
  return typeof v === 'string' && v !== '';
}
