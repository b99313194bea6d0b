import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { deviceConnectionString, type ApiClient, type Device, type DeviceInput } from '@verge/api-client';
import { isVergeError, VergeError } from '@verge/contracts';
import { invalid } from '../cli/args.js';
import { clientFromFlags } from '../cli/client-factory.js';
import { addVerb, ensureGroup, withClientOptions, type ClientOptions } from '../cli/command-group.js';
import { runAction } from '../cli/run.js';
import { writeJson, type Stdio } from '../cli/stdio.js';

const STATUSES = ['enabled', 'disabled'] as const;
/** `az iot hub device-identity renew-key --key-type`: which SAS key to regenerate, or swap the two. */
const KEY_TYPES = ['primary', 'secondary', 'both', 'swap'] as const;
type KeyType = (typeof KEY_TYPES)[number];

interface DeviceUpdateOptions extends ClientOptions {
  readonly status?: string;
  readonly statusReason?: string;
  readonly renewKey?: string;
  readonly etag?: string;
}

/**
 * `verge device update <id>`: enables or disables a device and renews or swaps its SAS keys (what `az iot hub
 * device-identity update --set status=…` and `renew-key` do). The identity is read, changed and written back with
 * its etag, so a change someone made in between is not overwritten; the cloud drops the device's connections that
 * the change no longer allows.
 */
export function registerDeviceUpdate(program: Command): void {
  const group = ensureGroup(program, 'device', 'manage device identities');
  const command = addVerb(group, 'update', 'enable or disable a device, renew or swap its keys')
    .argument('<deviceId>', 'device id')
    .option('--status <status>', `${STATUSES.join(' or ')} (a disabled device, and its modules, cannot connect; connected ones are dropped)`)
    .option('--status-reason <text>', 'why the status was set (shown by device show)')
    .option('--renew-key <type>', `SAS keys: ${KEY_TYPES.join(', ')}; prints the new connection string. Clients still using a replaced key are dropped`)
    .option('--etag <etag>', 'update only if the identity still has this etag (default: the etag read just before)');
  withClientOptions(command).action(runAction((stdio, deviceId: string, options: DeviceUpdateOptions) => updateDevice(stdio, deviceId, options)));
}

async function updateDevice(stdio: Stdio, deviceId: string, options: DeviceUpdateOptions): Promise<number> {
  const status = options.status === undefined ? undefined : oneOf('--status', options.status, STATUSES);
  const renew = options.renewKey === undefined ? undefined : oneOf('--renew-key', options.renewKey, KEY_TYPES);
  if (status === undefined && options.statusReason === undefined && renew === undefined) {
    throw invalid('device update', 'needs at least one of --status, --status-reason, --renew-key');
  }
  const client = await clientFromFlags(options);
  const current = await client.devices.get(deviceId);
  const input: DeviceInput = {
    ...current,
    etag: options.etag ?? current.etag,
    ...(status === undefined ? {} : { status }),
    ...(options.statusReason === undefined ? {} : { statusReason: options.statusReason }),
    ...(renew === undefined ? {} : { authentication: renewedKeys(current, renew) }),
  };
  const updated = await write(client, input, options.etag !== undefined);
  const connectionString = renew === undefined ? undefined : deviceConnectionString(client.hostName, updated, {});
  if (options.json === true) {
    writeJson(stdio, { device: updated, connectionString: connectionString ?? null });
    return 0;
  }
  stdio.out(connectionString ?? `updated device ${deviceId}: ${updated.statusReason ? `${updated.status} (${updated.statusReason})` : updated.status}`);
  if (renew !== undefined && updated.capabilities.iotEdge) {
    stdio.err(`device ${deviceId} is an IoT Edge device: install the new connection string on it (verge edge config apply), then restart its runtime`);
  }
  return 0;
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw invalid(flag, `"${value}" is not one of ${allowed.join(', ')}`);
  return value as T;
}

/** New SAS keys as IoT Hub makes them (32 random bytes, base64), or the two keys swapped. */
function renewedKeys(device: Device, type: KeyType): DeviceInput['authentication'] {
  if (device.authentication.type !== 'sas') {
    throw invalid('--renew-key', `needs a device with SAS keys; ${device.deviceId} authenticates with ${device.authentication.type}`);
  }
  const fresh = (): string => randomBytes(32).toString('base64');
  const { primaryKey, secondaryKey } = device.authentication.symmetricKey;
  const symmetricKey =
    type === 'swap'
      ? { primaryKey: secondaryKey, secondaryKey: primaryKey }
      : { primaryKey: type === 'secondary' ? primaryKey : fresh(), secondaryKey: type === 'primary' ? secondaryKey : fresh() };
  return { type: 'sas', symmetricKey };
}

async function write(client: ApiClient, input: DeviceInput, etagGiven: boolean): Promise<Device> {
  try {
    return await client.devices.update(input);
  } catch (e) {
    if (!etagGiven && isVergeError(e, 'CLD_ETAG_MISMATCH')) {
      throw new VergeError('CLD_ETAG_MISMATCH', `device ${input.deviceId} changed while it was being updated; nothing was changed, run the command again`, { cause: e });
    }
    throw e;
  }
}
