import type { Command } from 'commander';
import { deviceConnectionString, moduleConnectionString } from '@verge/api-client';
import { VergeError } from '@verge/contracts';
import { checkHostFlag, oneOf } from '../cli/args.js';
import { clientFromFlags } from '../cli/client-factory.js';
import { addVerb, ensureGroup, withClientOptions, type ClientOptions } from '../cli/command-group.js';
import { runAction } from '../cli/run.js';
import { writeJson, type Stdio } from '../cli/stdio.js';

interface ConnectionStringOptions extends ClientOptions {
  readonly key: string;
  readonly gateway?: string;
}

const KEYS = ['primary', 'secondary'] as const;

/**
 * `verge device connection-string <id>` and `verge module connection-string <id> <module>`: an identity's connection
 * string again, as `create` printed it (`az iot hub device-identity connection-string show`), with either key.
 */
export function registerConnectionStringShow(program: Command): void {
  const device = addVerb(ensureGroup(program, 'device', 'manage device identities'), 'connection-string', "print a device's connection string (with its key)")
    .argument('<deviceId>', 'device id');
  withOptions(device).action(runAction((stdio, deviceId: string, options: ConnectionStringOptions) => show(stdio, options, { deviceId })));
  const module = addVerb(ensureGroup(program, 'module', 'manage module identities'), 'connection-string', "print a module's connection string (with its key)")
    .argument('<deviceId>', 'device id')
    .argument('<moduleId>', 'module id');
  withOptions(module).action(runAction((stdio, deviceId: string, moduleId: string, options: ConnectionStringOptions) => show(stdio, options, { deviceId, moduleId })));
}

function withOptions(command: Command): Command {
  return withClientOptions(
    command
      .option('--key <which>', `which SAS key to use: ${KEYS.join(' or ')}`, 'primary')
      .option('--gateway <host>', 'add GatewayHostName=<host> (a leaf device or a module behind an edge hub)'),
  );
}

async function show(stdio: Stdio, options: ConnectionStringOptions, id: { readonly deviceId: string; readonly moduleId?: string }): Promise<number> {
  const key = oneOf('--key', options.key, KEYS);
  const gateway = options.gateway === undefined ? {} : { gatewayHostName: checkHostFlag('--gateway', options.gateway) };
  const client = await clientFromFlags(options);
  const connectionString =
    id.moduleId === undefined
      ? deviceConnectionString(client.hostName, await client.devices.get(id.deviceId), { key, ...gateway })
      : moduleConnectionString(client.hostName, await client.modules.get(id.deviceId, id.moduleId), { key, ...gateway });
  const name = id.moduleId === undefined ? `device ${id.deviceId}` : `module ${id.deviceId}/${id.moduleId}`;
  if (connectionString === undefined) throw new VergeError('CLI_ARGUMENT_INVALID', `${name} has no ${key} key to put in a connection string`, { details: { flag: '--key' } });
  if (options.json === true) writeJson(stdio, { connectionString });
  else stdio.out(connectionString);
  return 0;
}
