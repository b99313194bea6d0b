import type { Command } from 'commander';
import { clientFromFlags } from '../cli/client-factory.js';
import { addVerb, ensureGroup, withClientOptions, type ClientOptions } from '../cli/command-group.js';
import { runAction } from '../cli/run.js';
import { writeJson, type Stdio } from '../cli/stdio.js';
import { effectiveLines } from '../format/deployment-insight-format.js';

/**
 * `verge device explain <deviceId>`: the device's effective deployment (`GET /devices/{id}/effective`): every
 * deployment targeting it with its outcome and the reason (priority, tie → newest, layer not above the base, not
 * admitted by a rollout), which deployment set each module, route and twin path and what it overrode, the invalid
 * deployments ignored, and whether evaluation has written it all yet.
 */
export function registerDeviceExplain(program: Command): void {
  const group = ensureGroup(program, 'device', 'manage device identities');
  const command = addVerb(group, 'explain', "explain a device's automatic deployments: what applies, why, and who set each module, route and path")
    .argument('<deviceId>', 'id of the device');
  withClientOptions(command).action(runAction((stdio, deviceId: string, options: ClientOptions) => explainDevice(stdio, deviceId, options)));
}

async function explainDevice(stdio: Stdio, deviceId: string, options: ClientOptions): Promise<number> {
  const client = await clientFromFlags(options);
  const effective = await client.deploymentInsight.effective(deviceId);
  if (options.json === true) writeJson(stdio, effective);
  else effectiveLines(effective).forEach((line) => stdio.out(line));
  return 0;
}
