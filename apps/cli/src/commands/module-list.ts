import type { Command } from 'commander';
import { clientFromFlags } from '../cli/client-factory.js';
import { addVerb, ensureGroup, withClientOptions, type ClientOptions } from '../cli/command-group.js';
import { runAction } from '../cli/run.js';
import { writeJson, type Stdio } from '../cli/stdio.js';
import { moduleTable } from '../format/identity-format.js';

/** `verge module list <deviceId>`: the module identities of a device. */
export function registerModuleList(program: Command): void {
  const group = ensureGroup(program, 'module', 'manage module identities');
  const command = addVerb(group, 'list', 'list the module identities of a device')
    .argument('<deviceId>', 'device id');
  withClientOptions(command).action(runAction((stdio, deviceId: string, options: ClientOptions) => listModules(stdio, deviceId, options)));
}

async function listModules(stdio: Stdio, deviceId: string, options: ClientOptions): Promise<number> {
  const client = await clientFromFlags(options);
  const modules = await client.modules.list(deviceId);
  if (options.json === true) writeJson(stdio, modules);
  else moduleTable(modules).forEach((line) => stdio.out(line));
  return 0;
}
