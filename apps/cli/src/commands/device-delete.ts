import type { Command } from 'commander';
import { clientFromFlags } from '../cli/client-factory.js';
import { addVerb, ensureGroup, withClientOptions, type ClientOptions } from '../cli/command-group.js';
import { runAction } from '../cli/run.js';
import { writeJson, type Stdio } from '../cli/stdio.js';

interface DeviceDeleteOptions extends ClientOptions {
  readonly etag?: string;
}

/** `verge device delete <id>`: removes a device identity with its modules and twin. */
export function registerDeviceDelete(program: Command): void {
  const group = ensureGroup(program, 'device', 'manage device identities');
  const command = addVerb(group, 'delete', 'delete a device identity, its modules and its twin')
    .argument('<deviceId>', 'device id')
    .option('--etag <etag>', 'delete only if the identity still has this etag (default: unconditionally)');
  withClientOptions(command).action(runAction((stdio, deviceId: string, options: DeviceDeleteOptions) => deleteDevice(stdio, deviceId, options)));
}

async function deleteDevice(stdio: Stdio, deviceId: string, options: DeviceDeleteOptions): Promise<number> {
  const client = await clientFromFlags(options);
  await client.devices.delete(deviceId, options.etag === undefined ? {} : { etag: options.etag });
  if (options.json === true) writeJson(stdio, { deviceId, deleted: true });
  else stdio.out(`deleted device ${deviceId}`);
  return 0;
}
