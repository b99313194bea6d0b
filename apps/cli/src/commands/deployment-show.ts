import type { Command } from 'commander';
import { clientFromFlags } from '../cli/client-factory.js';
import { addVerb, withClientOptions, type ClientOptions } from '../cli/command-group.js';
import { runAction } from '../cli/run.js';
import { writeJson, type Stdio } from '../cli/stdio.js';
import { configurationLines } from '../format/deployment-format.js';
import { deploymentGroup } from './deployment-create.js';

/**
 * `verge deployment show <id>`: the deployment (`GET /configurations/{id}`) with its system and custom metrics and
 * the device ids behind each (`GET /configurations/{id}/metrics`). `--json`: `{ configuration, metricDevices }`.
 */
export function registerDeploymentShow(program: Command): void {
  const command = addVerb(deploymentGroup(program), 'show', 'show a deployment, its metrics and the devices behind each').argument('<id>', 'deployment id');
  withClientOptions(command).action(runAction((stdio, id: string, options: ClientOptions) => showDeployment(stdio, id, options)));
}

async function showDeployment(stdio: Stdio, id: string, options: ClientOptions): Promise<number> {
  const client = await clientFromFlags(options);
  const configuration = await client.configurations.get(id);
  const metricDevices = await client.configurations.metricDevices(id);
  if (options.json === true) writeJson(stdio, { configuration, metricDevices });
  else configurationLines(configuration, metricDevices).forEach((line) => stdio.out(line));
  return 0;
}
