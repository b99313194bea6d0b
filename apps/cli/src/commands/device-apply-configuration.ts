import type { Command } from 'commander';
import { clientFromFlags } from '../cli/client-factory.js';
import { addVerb, ensureGroup, withClientOptions, type ClientOptions } from '../cli/command-group.js';
import { runAction } from '../cli/run.js';
import { writeJson, type Stdio } from '../cli/stdio.js';
import { checkManifestText } from '../deploy/manifest-faults.js';
import { readTextFile } from '../deploy/read-text-file.js';

const description = 'deploy a manifest to one IoT Edge device: validate it locally, then apply it (applyConfigurationContent)';

/**
 * `verge device apply-configuration <deviceId> <manifest.json>`, also `verge deploy <deviceId> <manifest.json>`:
 * checks the manifest as `verge manifest validate` does (every fault printed with its path, exit 1, nothing sent),
 * then `POST /devices/{id}/applyConfigurationContent`. Exit 0 applied, 1 invalid or refused by the API, 2 bad input.
 */
export function registerDeviceApplyConfiguration(program: Command): void {
  const group = ensureGroup(program, 'device', 'manage device identities');
  for (const command of [addVerb(group, 'apply-configuration', description), addVerb(program, 'deploy', `${description}; same as device apply-configuration`)]) {
    command.argument('<deviceId>', 'id of the IoT Edge device').argument('<manifest>', 'deployment manifest (JSON with modulesContent)');
    withClientOptions(command).action(runAction((stdio, deviceId: string, file: string, options: ClientOptions) => applyConfiguration(stdio, deviceId, file, options)));
  }
}

async function applyConfiguration(stdio: Stdio, deviceId: string, file: string, options: ClientOptions): Promise<number> {
  const text = await readTextFile(file);
  const check = checkManifestText(text);
  if (!check.ok) {
    if (options.json === true) writeJson(stdio, { ok: false, deviceId, faults: check.faults });
    else {
      for (const fault of check.faults) stdio.out(fault.message);
      stdio.err(`${check.faults.length} fault${check.faults.length === 1 ? '' : 's'} in ${file}; nothing was deployed`);
    }
    return 1;
  }
  const client = await clientFromFlags(options);
  // The file as written (checkManifestText parsed it already): the cloud renders and stores it as IoT Hub would.
  await client.applyConfigurationContent(deviceId, JSON.parse(text) as unknown);
  const modules = Object.keys(check.manifest.twins);
  if (options.json === true) writeJson(stdio, { ok: true, deviceId, modules });
  else stdio.out(`deployed ${file} to ${deviceId} (module twins: ${modules.join(', ')})`);
  return 0;
}
