import { IDENTITY_ID_PATTERN, VergeError } from '@verge/contracts';
import type { CloudStoreRepos } from '../store/ports.js';
import type { DeviceRecord, ModuleRecord } from '../store/records.js';
import { etagMatches } from './identity-values.js';

/** Throws CLD_ID_INVALID unless `id` is a valid IoT Hub device or module id. */
export function assertIdentityId(id: string, what: 'deviceId' | 'moduleId'): void {
  if (!IDENTITY_ID_PATTERN.test(id)) {
    const shown = id.length > 40 ? `${id.slice(0, 40)}…` : id;
    throw new VergeError(
      'CLD_ID_INVALID',
      id === '.' || id === '..'
        ? `${what} '${id}' is invalid: '.' and '..' are resolved away in a URL path, so the identity could never be read or deleted`
        : `${what} '${shown}' is invalid: ids are 1 to 128 characters of A-Z a-z 0-9 - : . + % _ # * ? ! ( ) , = @ ; $ '`,
      { details: { [what]: id } },
    );
  }
}

/** The device, or CLD_DEVICE_NOT_FOUND. */
export async function requireDevice(store: CloudStoreRepos, deviceId: string): Promise<DeviceRecord> {
  const device = await store.devices.get(deviceId);
  if (device === undefined) {
    throw new VergeError('CLD_DEVICE_NOT_FOUND', `device '${deviceId}' is not registered`, { details: { deviceId } });
  }
  return device;
}

/** The module, or CLD_DEVICE_NOT_FOUND / CLD_MODULE_NOT_FOUND. */
export async function requireModule(store: CloudStoreRepos, deviceId: string, moduleId: string): Promise<ModuleRecord> {
  await requireDevice(store, deviceId);
  const module = await store.modules.get(deviceId, moduleId);
  if (module === undefined) {
    throw new VergeError('CLD_MODULE_NOT_FOUND', `module '${moduleId}' is not registered on device '${deviceId}'`, {
      details: { deviceId, moduleId },
    });
  }
  return module;
}

/** Throws CLD_ETAG_MISMATCH unless the parsed `If-Match` value allows writing over `currentEtag`. */
export function assertEtag(ifMatch: string | undefined, currentEtag: string, what: string): void {
  if (ifMatch !== undefined && !etagMatches(ifMatch, currentEtag)) {
    throw new VergeError('CLD_ETAG_MISMATCH', `If-Match etag "${ifMatch}" does not match the current etag "${currentEtag}" of ${what}`, {
      details: { ifMatch, etag: currentEtag },
    });
  }
}
