import type { Command } from 'commander';
import { clientFromFlags } from '../cli/client-factory.js';
import { addVerb, ensureGroup, withClientOptions, type ClientOptions } from '../cli/command-group.js';
import { runAction } from '../cli/run.js';
import { writeJson, type Stdio } from '../cli/stdio.js';
import { moduleDetails } from '../format/identity-format.js';

/** `verge module show <deviceId> <moduleId>`: one module identity (`--json` includes its keys). */
export function registerModuleShow(program: Command): void {
  const group = ensureGroup(program, 'module', 'manage module identities');
  const command = addVerb(group, 'show', 'show a module identity (keys only with --json)')
    .argument('<deviceId>', 'device id')
    .argument('<moduleId>', 'module id');
  withClientOptions(command).action(runAction((stdio, deviceId: string, moduleId: string, options: ClientOptions) => showModule(stdio, deviceId, moduleId, options)));
}

async function showModule(stdio: Stdio, deviceId: string, moduleId: string, options: ClientOptions): Promise<number> {
  const client = await clientFromFlags(options);
  const module = await client.modules.get(deviceId, moduleId);
  if (options.json === true) writeJson(stdio, module);
  else moduleDetails(module).forEach((line) => stdio.out(line));
  return 0;
}
