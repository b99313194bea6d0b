import type { Command } from 'commander';
import { clientFromFlags } from '../cli/client-factory.js';
import { addVerb, ensureGroup, withClientOptions, type ClientOptions } from '../cli/command-group.js';
import { runAction } from '../cli/run.js';
import { writeJson, type Stdio } from '../cli/stdio.js';
import { deviceDetails } from '../format/identity-format.js';

/** `verge device show <id>`: one device identity (`--json` includes its keys). */
export function registerDeviceShow(program: Command): void {
  const group = ensureGroup(program, 'device', 'manage device identities');
  const command = addVerb(group, 'show', 'show a device identity (keys only with --json)')
    .argument('<deviceId>', 'device id');
  withClientOptions(command).action(runAction((stdio, deviceId: string, options: ClientOptions) => showDevice(stdio, deviceId, options)));
}

async function showDevice(stdio: Stdio, deviceId: string, options: ClientOptions): Promise<number> {
  const client = await clientFromFlags(options);
  const device = await client.devices.get(deviceId);
  if (options.json === true) writeJson(stdio, device);
  else deviceDetails(device).forEach((line) => stdio.out(line));
  return 0;
}
