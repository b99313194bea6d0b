import { formatConnectionString } from '@verge/core';
import type { Device, Module } from './types.js';

/** Options of the identity connection-string builders. */
export interface IdentityConnectionStringOptions {
  /** Adds `GatewayHostName=` (a leaf device behind an edge gateway, reference azure-iot-edge.md §11.1). */
  readonly gatewayHostName?: string;
  /** Which symmetric key to put in the string. Default `primary`. */
  readonly key?: 'primary' | 'secondary';
}

/**
 * The connection string an SDK client of this device uses: `HostName=…;DeviceId=…;SharedAccessKey=…` for SAS
 * identities, `HostName=…;DeviceId=…;x509=true` for X.509 ones; undefined when the identity has no credential
 * (authentication type `none`, or a SAS identity whose key is not returned).
 */
export function deviceConnectionString(hostName: string, device: Device, options: IdentityConnectionStringOptions = {}): string | undefined {
  const credential = credentialOf(device.authentication, options.key ?? 'primary');
  if (credential === undefined) return undefined;
  return formatConnectionString({ kind: 'device', hostName, deviceId: device.deviceId, ...credential, ...gateway(options) });
}

/** Like `deviceConnectionString` for a module identity (adds `ModuleId=`). */
export function moduleConnectionString(hostName: string, module: Module, options: IdentityConnectionStringOptions = {}): string | undefined {
  const credential = credentialOf(module.authentication, options.key ?? 'primary');
  if (credential === undefined) return undefined;
  return formatConnectionString({ kind: 'module', hostName, deviceId: module.deviceId, moduleId: module.moduleId, ...credential, ...gateway(options) });
}

function credentialOf(auth: Device['authentication'], key: 'primary' | 'secondary'): { sharedAccessKey: string } | { x509: true } | undefined {
  switch (auth.type) {
    case 'sas': {
      const value = key === 'primary' ? auth.symmetricKey.primaryKey : auth.symmetricKey.secondaryKey;
      return value === null || value === '' ? undefined : { sharedAccessKey: value };
    }
    case 'selfSigned':
    case 'certificateAuthority':
      return { x509: true };
    case 'none':
      return undefined;
    default:
      return assertNever(auth.type);
  }
}

function gateway(options: IdentityConnectionStringOptions): { gatewayHostName?: string } {
  return options.gatewayHostName === undefined ? {} : { gatewayHostName: options.gatewayHostName };
}

function assertNever(x: never): never {
  throw new Error(`unexpected authentication type ${String(x)}`);
}
