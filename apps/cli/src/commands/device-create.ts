import type { Command } from 'commander';
import { deviceConnectionString, type ApiClient, type Device, type DeviceInput } from '@verge/api-client';
import { checkHostFlag, invalid, parseKeyValues, tagsFromKeyValues } from '../cli/args.js';
import { clientFromFlags } from '../cli/client-factory.js';
import { addVerb, collect, ensureGroup, withClientOptions, type ClientOptions } from '../cli/command-group.js';
import { writtenConnectionString } from '../cli/written-connection-string.js';
import { runAction } from '../cli/run.js';
import { writeJson, type Stdio } from '../cli/stdio.js';

interface DeviceCreateOptions extends ClientOptions {
  readonly edge?: boolean;
  readonly parent?: string;
  readonly tags?: string[];
  readonly x509?: boolean;
  readonly thumbprint?: string;
  readonly secondaryThumbprint?: string;
  readonly disabled?: boolean;
  readonly gateway?: string;
}

/** `verge device create <id>`: registers a device and prints its connection string. */
export function registerDeviceCreate(program: Command): void {
  const group = ensureGroup(program, 'device', 'manage device identities');
  const command = addVerb(group, 'create', 'register a device and print its connection string')
    .argument('<deviceId>', 'device id')
    .option('--edge', 'an IoT Edge device (capabilities.iotEdge)')
    .option('--parent <edgeDeviceId>', 'make the device a child of this IoT Edge device')
    .option('--tags <k=v...>', 'twin tags (repeatable; dots in keys nest: location.city=Oslo)', collect)
    .option('--x509', 'authenticate with an X.509 certificate (self-signed, by thumbprint) instead of keys')
    .option('--thumbprint <sha>', 'with --x509: primary certificate thumbprint')
    .option('--secondary-thumbprint <sha>', 'with --x509: secondary certificate thumbprint')
    .option('--disabled', 'create the device disabled (it cannot connect until enabled)')
    .option('--gateway <host>', 'add GatewayHostName=<host> to the printed connection string (a leaf behind an edge gateway)');
  withClientOptions(command).action(runAction((stdio, deviceId: string, options: DeviceCreateOptions) => createDevice(stdio, deviceId, options)));
}

async function createDevice(stdio: Stdio, deviceId: string, options: DeviceCreateOptions): Promise<number> {
  const authentication = authenticationFrom(options);
  if (options.gateway !== undefined) checkHostFlag('--gateway', options.gateway);
  const tags = options.tags === undefined ? undefined : tagsFromKeyValues('--tags', parseKeyValues('--tags', options.tags));
  const client = await clientFromFlags(options);
  const scopes = options.parent === undefined ? {} : await parentScopes(client, options.parent, options.edge === true);
  const input: DeviceInput = {
    deviceId,
    status: options.disabled === true ? 'disabled' : 'enabled',
    capabilities: { iotEdge: options.edge === true },
    authentication,
    ...scopes,
  };
  const device = await client.devices.create(input);
  const tagFailure = tags === undefined ? undefined : await client.twins.update({ deviceId }, { tags }).then(() => undefined, (e: unknown) => e);
  const written = writtenConnectionString([deviceId], () => connectionStringOf(client, device, options.gateway), `verge device show ${deviceId}`);
  if (options.json === true) writeJson(stdio, { device, connectionString: written.connectionString ?? null });
  else stdio.out(written.connectionString ?? `created device ${deviceId} (${written.reason})`);
  if (tagFailure !== undefined) {
    stdio.err(`device ${deviceId} was created, but its tags were not set:`);
    throw tagFailure;
  }
  return 0;
}

function authenticationFrom(options: DeviceCreateOptions): DeviceInput['authentication'] {
  if (options.x509 !== true) {
    if (options.thumbprint !== undefined || options.secondaryThumbprint !== undefined) {
      throw invalid(options.thumbprint !== undefined ? '--thumbprint' : '--secondary-thumbprint', 'requires --x509');
    }
    // Empty keys: the server generates them (azure-iothub _normalizeAuthentication).
    return { type: 'sas', symmetricKey: { primaryKey: '', secondaryKey: '' } };
  }
  if (options.thumbprint === undefined) throw invalid('--x509', 'requires --thumbprint <sha> (the certificate thumbprint)');
  for (const [flag, value] of [['--thumbprint', options.thumbprint], ['--secondary-thumbprint', options.secondaryThumbprint]] as const) {
    if (value !== undefined && !/^[0-9A-Fa-f]{40}([0-9A-Fa-f]{24})?$/.test(value.replace(/:/g, ''))) {
      throw invalid(flag, `"${value}" is not a SHA-1 (40 hex digits) or SHA-256 (64 hex digits) thumbprint`);
    }
  }
  const normalize = (value: string | undefined): string | null => (value === undefined ? null : value.replace(/:/g, '').toUpperCase());
  return {
    type: 'selfSigned',
    x509Thumbprint: { primaryThumbprint: normalize(options.thumbprint), secondaryThumbprint: normalize(options.secondaryThumbprint) },
  };
}

/**
 * IoT Hub expresses parenthood by scope: a leaf device takes the parent's `deviceScope` (and `parentScopes`); an edge
 * child keeps its own scope and lists the parent's in `parentScopes` (nested edge, reference azure-iot-edge.md §11.2).
 */
async function parentScopes(client: ApiClient, parentId: string, childIsEdge: boolean): Promise<Pick<DeviceInput, 'deviceScope' | 'parentScopes'>> {
  const parent = await client.devices.get(parentId);
  if (!parent.capabilities.iotEdge) throw invalid('--parent', `device "${parentId}" is not an IoT Edge device; only edge devices can be parents`);
  const scope = parent.deviceScope;
  if (scope === undefined || scope === '') throw invalid('--parent', `device "${parentId}" has no device scope`);
  return childIsEdge ? { parentScopes: [scope] } : { deviceScope: scope, parentScopes: [scope] };
}

function connectionStringOf(client: ApiClient, device: Device, gateway: string | undefined): string | undefined {
  return deviceConnectionString(client.hostName, device, gateway === undefined ? {} : { gatewayHostName: gateway });
}
