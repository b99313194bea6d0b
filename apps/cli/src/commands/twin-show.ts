import type { Command } from 'commander';
import { clientFromFlags } from '../cli/client-factory.js';
import { addVerb, ensureGroup, withClientOptions, type ClientOptions } from '../cli/command-group.js';
import { runAction } from '../cli/run.js';
import { writeJson, type Stdio } from '../cli/stdio.js';
import { twinDetails } from '../format/twin-format.js';

interface TwinShowOptions extends ClientOptions {
  readonly module?: string;
}

/** `verge twin show <deviceId> [--module m]`: a device or module twin. */
export function registerTwinShow(program: Command): void {
  const group = ensureGroup(program, 'twin', 'read and update device and module twins');
  const command = addVerb(group, 'show', 'show a device twin, or a module twin with --module')
    .argument('<deviceId>', 'device id')
    .option('--module <moduleId>', 'the module twin of this module');
  withClientOptions(command).action(runAction((stdio, deviceId: string, options: TwinShowOptions) => showTwin(stdio, deviceId, options)));
}

async function showTwin(stdio: Stdio, deviceId: string, options: TwinShowOptions): Promise<number> {
  const client = await clientFromFlags(options);
  const twin = await client.twins.get(options.module === undefined ? { deviceId } : { deviceId, moduleId: options.module });
  if (options.json === true) writeJson(stdio, twin);
  else twinDetails(twin).forEach((line) => stdio.out(line));
  return 0;
}
