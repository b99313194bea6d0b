import type { Command } from 'commander';
import { moduleConnectionString } from '@verge/api-client';
import { checkHostFlag } from '../cli/args.js';
import { clientFromFlags } from '../cli/client-factory.js';
import { addVerb, ensureGroup, withClientOptions, type ClientOptions } from '../cli/command-group.js';
import { writtenConnectionString } from '../cli/written-connection-string.js';
import { runAction } from '../cli/run.js';
import { writeJson, type Stdio } from '../cli/stdio.js';

interface ModuleCreateOptions extends ClientOptions {
  readonly gateway?: string;
}

/** `verge module create <deviceId> <moduleId>`: registers a module identity and prints its connection string. */
export function registerModuleCreate(program: Command): void {
  const group = ensureGroup(program, 'module', 'manage module identities');
  const command = addVerb(group, 'create', 'register a module identity and print its connection string')
    .argument('<deviceId>', 'device id')
    .argument('<moduleId>', 'module id')
    .option('--gateway <host>', 'add GatewayHostName=<host> to the printed connection string (the edge hub the module connects to)');
  withClientOptions(command).action(runAction((stdio, deviceId: string, moduleId: string, options: ModuleCreateOptions) => createModule(stdio, deviceId, moduleId, options)));
}

async function createModule(stdio: Stdio, deviceId: string, moduleId: string, options: ModuleCreateOptions): Promise<number> {
  const gateway = options.gateway === undefined ? undefined : checkHostFlag('--gateway', options.gateway);
  const client = await clientFromFlags(options);
  const module = await client.modules.create({ deviceId, moduleId });
  const written = writtenConnectionString(
    [deviceId, moduleId],
    () => moduleConnectionString(client.hostName, module, gateway === undefined ? {} : { gatewayHostName: gateway }),
    `verge module show ${deviceId} ${moduleId}`,
  );
  if (options.json === true) writeJson(stdio, { module, connectionString: written.connectionString ?? null });
  else stdio.out(written.connectionString ?? `created module ${deviceId}/${moduleId} (${written.reason})`);
  return 0;
}
