import type { Command } from 'commander';
import { clientFromFlags } from '../cli/client-factory.js';
import { addVerb, withClientOptions, type ClientOptions } from '../cli/command-group.js';
import { runAction } from '../cli/run.js';
import { writeJson, type Stdio } from '../cli/stdio.js';
import { deploymentGroup } from './deployment-create.js';

/**
 * `verge deployment delete <id>` (`DELETE /configurations/{id}`). Devices keep the modules it gave them unless
 * another deployment now applies (reference §10.2).
 */
export function registerDeploymentDelete(program: Command): void {
  const command = addVerb(deploymentGroup(program), 'delete', 'delete a deployment (devices keep its modules unless another deployment applies)').argument('<id>', 'deployment id');
  withClientOptions(command).action(runAction((stdio, id: string, options: ClientOptions) => deleteDeployment(stdio, id, options)));
}

async function deleteDeployment(stdio: Stdio, id: string, options: ClientOptions): Promise<number> {
  const client = await clientFromFlags(options);
  await client.configurations.delete(id);
  if (options.json === true) writeJson(stdio, { ok: true, id });
  else stdio.out(`deleted deployment ${id}`);
  return 0;
}
