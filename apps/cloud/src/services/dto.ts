import type { AuthenticationDto, DeviceDto, ModuleDto, TwinDto } from '@verge/contracts';
import type { MqttAuthentication } from '@verge/iothub-mqtt';
import type { DeviceRecord, ModuleRecord, TwinRecord } from '../store/records.js';
import { edgeDeviceScope, isoOrNever } from './identity-values.js';

/** `authentication` as IoT Hub returns it: every field present, null where the type has none. */
export function authenticationToDto(a: MqttAuthentication): AuthenticationDto {
  switch (a.type) {
    case 'sas':
      return { type: 'sas', symmetricKey: { primaryKey: a.primaryKey, secondaryKey: a.secondaryKey }, x509Thumbprint: noThumbprints() };
    case 'selfSigned':
      return {
        type: 'selfSigned',
        symmetricKey: { primaryKey: null, secondaryKey: null },
        x509Thumbprint: { primaryThumbprint: a.primaryThumbprint, secondaryThumbprint: a.secondaryThumbprint === '' ? null : a.secondaryThumbprint },
      };
    case 'certificateAuthority':
      return { type: 'certificateAuthority', symmetricKey: { primaryKey: null, secondaryKey: null }, x509Thumbprint: noThumbprints() };
    default:
      return assertNever(a);
  }
}

function noThumbprints(): AuthenticationDto['x509Thumbprint'] {
  return { primaryThumbprint: null, secondaryThumbprint: null };
}

/** The scope fields of a device: edge devices carry their own scope, leaves their parent's (IoT Hub). */
export function scopesOf(device: DeviceRecord, parent: DeviceRecord | undefined): { deviceScope?: string; parentScopes: string[] } {
  const parentScope = parent === undefined ? undefined : edgeDeviceScope(parent.deviceId, parent.generationId);
  const deviceScope = device.isEdge ? edgeDeviceScope(device.deviceId, device.generationId) : parentScope;
  return { ...(deviceScope === undefined ? {} : { deviceScope }), parentScopes: parentScope === undefined ? [] : [parentScope] };
}

/** A device record as IoT Hub's `Device`. */
export function deviceToDto(device: DeviceRecord, parent: DeviceRecord | undefined, c2dCount: number): DeviceDto {
  return {
    deviceId: device.deviceId,
    generationId: device.generationId,
    etag: device.etag,
    connectionState: device.connectionState,
    status: device.status,
    statusReason: device.statusReason,
    connectionStateUpdatedTime: isoOrNever(device.connectionStateUpdatedAtMs),
    statusUpdatedTime: isoOrNever(device.statusUpdatedAtMs),
    lastActivityTime: isoOrNever(device.lastActivityAtMs),
    cloudToDeviceMessageCount: c2dCount,
    authentication: authenticationToDto(device.authentication),
    capabilities: { iotEdge: device.isEdge },
    ...scopesOf(device, parent),
  };
}

/** A module record as IoT Hub's `Module`. */
export function moduleToDto(module: ModuleRecord): ModuleDto {
  return {
    moduleId: module.moduleId,
    managedBy: module.managedBy,
    deviceId: module.deviceId,
    generationId: module.generationId,
    etag: module.etag,
    connectionState: module.connectionState,
    connectionStateUpdatedTime: isoOrNever(module.connectionStateUpdatedAtMs),
    lastActivityTime: isoOrNever(module.lastActivityAtMs),
    cloudToDeviceMessageCount: 0,
    authentication: authenticationToDto(module.authentication),
  };
}

/** What a twin view needs besides the twin: its identities. */
export interface TwinOwner {
  readonly device: DeviceRecord;
  readonly parent: DeviceRecord | undefined;
  readonly module?: ModuleRecord;
  readonly c2dCount: number;
}

/** A twin as IoT Hub's `Twin`, with the identity fields IoT Hub puts on it. */
export function twinToDto(twin: TwinRecord, owner: TwinOwner): TwinDto {
  const { device, module } = owner;
  const auth = authenticationToDto((module ?? device).authentication);
  const connection = module ?? device;
  return {
    deviceId: twin.deviceId,
    ...(twin.moduleId === undefined ? {} : { moduleId: twin.moduleId }),
    etag: twin.etag,
    deviceEtag: (module ?? device).etag,
    status: device.status,
    ...(module === undefined ? { statusReason: device.statusReason } : {}),
    statusUpdateTime: isoOrNever(device.statusUpdatedAtMs),
    connectionState: connection.connectionState,
    lastActivityTime: isoOrNever(connection.lastActivityAtMs),
    cloudToDeviceMessageCount: module === undefined ? owner.c2dCount : 0,
    authenticationType: auth.type,
    x509Thumbprint: auth.x509Thumbprint,
    modelId: '',
    version: twin.version,
    tags: twin.tags,
    properties: { desired: twin.properties.desired, reported: twin.properties.reported },
    ...(module === undefined ? { capabilities: { iotEdge: device.isEdge }, ...scopesOf(device, owner.parent) } : {}),
    ...(twin.configurations === undefined ? {} : { configurations: twin.configurations }),
  };
}

function assertNever(x: never): never {
  throw new Error(`unexpected value ${JSON.stringify(x)}`);
}
