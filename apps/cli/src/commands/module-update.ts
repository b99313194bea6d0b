import type { Command } from 'commander';
import { moduleConnectionString, type ModuleInput } from '@verge/api-client';
import { checkHostFlag, invalid, oneOf } from '../cli/args.js';
import { clientFromFlags } from '../cli/client-factory.js';
import { writeBackRead } from '../cli/etag-write.js';
import { addVerb, ensureGroup, withClientOptions, type ClientOptions } from '../cli/command-group.js';
import { writtenConnectionString } from '../cli/written-connection-string.js';
import { runAction } from '../cli/run.js';
import { KEY_TYPES, renewedSasKeys } from '../cli/sas-keys.js';
import { writeJson, type Stdio } from '../cli/stdio.js';

interface ModuleUpdateOptions extends ClientOptions {
  readonly renewKey?: string;
  readonly etag?: string;
  readonly gateway?: string;
}

/**
 * `verge module update <deviceId> <moduleId> --renew-key …`: renews or swaps a module identity's SAS keys (`az iot
 * hub module-identity renew-key`), read and written back with its etag. Modules an edge agent manages are refused:
 * their keys derive from the device key, which is what to renew then.
 */
export function registerModuleUpdate(program: Command): void {
  const group = ensureGroup(program, 'module', 'manage module identities');
  const command = addVerb(group, 'update', 'renew or swap a module identity\'s keys')
    .argument('<deviceId>', 'device id')
    .argument('<moduleId>', 'module id')
    .option('--renew-key <type>', `SAS keys: ${KEY_TYPES.join(', ')}; prints the new connection string. Clients still using a replaced key are dropped`)
    .option('--etag <etag>', 'update only if the identity still has this etag (default: the etag read just before)')
    .option('--gateway <host>', 'add GatewayHostName=<host> to the printed connection string (the edge hub the module connects to)');
  withClientOptions(command).action(runAction((stdio, deviceId: string, moduleId: string, options: ModuleUpdateOptions) => updateModule(stdio, deviceId, moduleId, options)));
}

async function updateModule(stdio: Stdio, deviceId: string, moduleId: string, options: ModuleUpdateOptions): Promise<number> {
  if (options.renewKey === undefined) throw invalid('module update', 'needs --renew-key');
  const renew = oneOf('--renew-key', options.renewKey, KEY_TYPES);
  const gateway = options.gateway === undefined ? undefined : checkHostFlag('--gateway', options.gateway);
  const client = await clientFromFlags(options);
  const current = await client.modules.get(deviceId, moduleId);
  if (current.managedBy !== null && current.managedBy !== '') {
    throw invalid('--renew-key', `cannot renew the keys of module ${moduleId}: it is managed by ${current.managedBy} and its keys derive from the device key (renew that one: verge device update ${deviceId} --renew-key)`);
  }
  const input: ModuleInput = {
    deviceId,
    moduleId,
    managedBy: current.managedBy,
    etag: options.etag ?? current.etag,
    authentication: renewedSasKeys(current.authentication, renew, `${deviceId}/${moduleId}`),
  };
  const updated = await writeBackRead(`module ${deviceId}/${moduleId}`, options.etag !== undefined, () => client.modules.update(input));
  const written = writtenConnectionString(
    [deviceId, moduleId],
    () => moduleConnectionString(client.hostName, updated, gateway === undefined ? {} : { gatewayHostName: gateway }),
    `verge module show ${deviceId} ${moduleId}`,
  );
  if (options.json === true) writeJson(stdio, { module: updated, connectionString: written.connectionString ?? null });
  else stdio.out(written.connectionString ?? `updated module ${deviceId}/${moduleId}: keys renewed (${written.reason})`);
  return 0;
}
