import type { Command } from 'commander';
import { deviceConnectionString, type DeviceInput } from '@verge/api-client';
import { invalid, oneOf } from '../cli/args.js';
import { KEY_TYPES, renewedSasKeys } from '../cli/sas-keys.js';
import { clientFromFlags } from '../cli/client-factory.js';
import { writeBackRead } from '../cli/etag-write.js';
import { addVerb, ensureGroup, withClientOptions, type ClientOptions } from '../cli/command-group.js';
import { writtenConnectionString } from '../cli/written-connection-string.js';
import { runAction } from '../cli/run.js';
import { writeJson, type Stdio } from '../cli/stdio.js';

const STATUSES = ['enabled', 'disabled'] as const;

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
    // A new status without a reason drops the old one (it explained the previous status).
    ...(options.statusReason !== undefined ? { statusReason: options.statusReason } : status !== undefined && status !== current.status ? { statusReason: null } : {}),
    ...(renew === undefined ? {} : { authentication: renewedSasKeys(current.authentication, renew, current.deviceId) }),
  };
  const updated = await writeBackRead(`device ${deviceId}`, options.etag !== undefined, () => client.devices.update(input));
  const written = renew === undefined ? undefined : writtenConnectionString([deviceId], () => deviceConnectionString(client.hostName, updated, {}), `verge device show ${deviceId}`);
  if (options.json === true) {
    writeJson(stdio, { device: updated, connectionString: written?.connectionString ?? null });
    return 0;
  }
  const statusText = updated.statusReason ? `${updated.status} (${updated.statusReason})` : updated.status;
  stdio.out(written?.connectionString ?? `updated device ${deviceId}: ${statusText}${written === undefined ? '' : `, keys renewed (${written.reason})`}`);
  if (renew !== undefined && updated.capabilities.iotEdge) {
    stdio.err(`device ${deviceId} is an IoT Edge device: install the new connection string on it (verge edge config apply), then restart its runtime`);
  }
  return 0;
}
