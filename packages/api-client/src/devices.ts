import { DeviceDtoSchema } from '@verge/contracts';
import { expectArrayOf, expectBody } from './decode.js';
import { quoteEtag, segment, type Transport } from './transport.js';
import type { Device, DeviceInput } from './types.js';

/** Device identity operations (`/devices/{id}`), exactly as the azure-iothub `Registry` sends them. */
export interface DeviceOperations {
  /** `PUT /devices/{id}` without If-Match: creates; the server answers 409 when the device exists. */
  create(device: DeviceInput, signal?: AbortSignal): Promise<Device>;
  /** `PUT /devices/{id}` with `If-Match: "<etag>"` (or `"*"` when the input has no etag). */
  update(device: DeviceInput, signal?: AbortSignal): Promise<Device>;
  get(deviceId: string, signal?: AbortSignal): Promise<Device>;
  /** `GET /devices` (optionally `?top=`, IoT Hub's page-size cap). */
  list(options?: { top?: number; signal?: AbortSignal }): Promise<Device[]>;
  /** `DELETE /devices/{id}` with `If-Match: "<etag>"` (`"*"` by default). */
  delete(deviceId: string, options?: { etag?: string; signal?: AbortSignal }): Promise<void>;
}

/** Builds the device operations over a transport. */
export function createDeviceOperations(transport: Transport): DeviceOperations {
  const path = (id: string): string => `/devices/${segment(id)}`;
  return {
    async create(device, signal) {
      const res = await transport.request({ method: 'PUT', path: path(device.deviceId), json: withAuthentication(device), signal });
      return expectBody(DeviceDtoSchema, res.body, 'create device');
    },
    async update(device, signal) {
      const headers = { 'If-Match': quoteEtag(device.etag ?? '*') };
      const res = await transport.request({ method: 'PUT', path: path(device.deviceId), json: withAuthentication(device), headers, signal });
      return expectBody(DeviceDtoSchema, res.body, 'update device');
    },
    async get(deviceId, signal) {
      const res = await transport.request({ method: 'GET', path: path(deviceId), signal });
      return expectBody(DeviceDtoSchema, res.body, 'get device');
    },
    async list(options = {}) {
      const res = await transport.request({ method: 'GET', path: '/devices', query: { top: options.top }, signal: options.signal });
      return expectArrayOf(DeviceDtoSchema, res.body, 'list devices');
    },
    async delete(deviceId, options = {}) {
      const headers = { 'If-Match': quoteEtag(options.etag ?? '*') };
      await transport.request({ method: 'DELETE', path: path(deviceId), headers, signal: options.signal });
    },
  };
}

/**
 * azure-iothub `_normalizeAuthentication`: no authentication means SAS with keys the server generates (empty keys);
 * thumbprints without a type mean `selfSigned`.
 */
export function withAuthentication<T extends { authentication?: DeviceInput['authentication'] }>(identity: T): T {
  const auth = identity.authentication;
  if (auth === undefined || auth === null) return { ...identity, authentication: { type: 'sas', symmetricKey: { primaryKey: '', secondaryKey: '' } } };
  if (auth.type !== undefined) return identity;
  const x509 = auth.x509Thumbprint;
  const selfSigned = x509 !== undefined && x509 !== null && (Boolean(x509.primaryThumbprint) || Boolean(x509.secondaryThumbprint));
  return { ...identity, authentication: { ...auth, type: selfSigned ? 'selfSigned' : 'sas' } };
}
