import type { Command } from 'commander';
import { clientFromFlags } from '../cli/client-factory.js';
import { addVerb, ensureGroup, withClientOptions, type ClientOptions } from '../cli/command-group.js';
import { runAction } from '../cli/run.js';
import { writeJson, type Stdio } from '../cli/stdio.js';

interface ModuleDeleteOptions extends ClientOptions {
  readonly etag?: string;
}

/** `verge module delete <deviceId> <moduleId>`: removes a module identity and its twin. */
export function registerModuleDelete(program: Command): void {
  const group = ensureGroup(program, 'module', 'manage module identities');
  const command = addVerb(group, 'delete', 'delete a module identity and its twin')
    .argument('<deviceId>', 'device id')
    .argument('<moduleId>', 'module id')
    .option('--etag <etag>', 'delete only if the identity still has this etag (default: unconditionally)');
  withClientOptions(command).action(runAction((stdio, deviceId: string, moduleId: string, options: ModuleDeleteOptions) => deleteModule(stdio, deviceId, moduleId, options)));
}

async function deleteModule(stdio: Stdio, deviceId: string, moduleId: string, options: ModuleDeleteOptions): Promise<number> {
  const client = await clientFromFlags(options);
  // A module an edge agent manages is in its deployment: the agent creates it again at its next reconcile.
  const managedBy = (await client.modules.get(deviceId, moduleId)).managedBy;
  await client.modules.delete(deviceId, moduleId, options.etag === undefined ? {} : { etag: options.etag });
  if (options.json === true) writeJson(stdio, { deviceId, moduleId, deleted: true });
  else stdio.out(`deleted module ${deviceId}/${moduleId}`);
  if (managedBy !== null && managedBy !== '') {
    stdio.err(`module ${moduleId} is managed by ${managedBy}: the device's edge agent creates it again while its deployment lists it; remove it from the deployment instead`);
  }
  return 0;
}
