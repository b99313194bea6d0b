import type { Command } from 'commander';
import { parseIntegerFlag } from '../cli/args.js';
import { clientFromFlags } from '../cli/client-factory.js';
import { addVerb, withClientOptions, type ClientOptions } from '../cli/command-group.js';
import { runAction } from '../cli/run.js';
import { writeJson, type Stdio } from '../cli/stdio.js';
import { configurationTable } from '../format/deployment-format.js';
import { deploymentGroup } from './deployment-create.js';

interface ListOptions extends ClientOptions {
  readonly top?: string;
}

/** `verge deployment list`: every deployment with its priority, kind and system metrics (`GET /configurations`). */
export function registerDeploymentList(program: Command): void {
  const command = addVerb(deploymentGroup(program), 'list', 'list automatic deployments with their targeted/applied/success/failure counts').option('--top <n>', 'at most n deployments (1..1000)');
  withClientOptions(command).action(runAction((stdio, options: ListOptions) => listDeployments(stdio, options)));
}

async function listDeployments(stdio: Stdio, options: ListOptions): Promise<number> {
  const top = options.top === undefined ? undefined : parseIntegerFlag('--top', options.top, 1, 1000);
  const client = await clientFromFlags(options);
  const configurations = await client.configurations.list(top === undefined ? {} : { top });
  if (options.json === true) writeJson(stdio, configurations);
  else configurationTable(configurations).forEach((line) => stdio.out(line));
  return 0;
}
