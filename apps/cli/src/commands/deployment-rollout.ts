import type { Command } from 'commander';
import type { RolloutDto } from '@verge/contracts';
import { clientFromFlags } from '../cli/client-factory.js';
import { addVerb, withClientOptions, type ClientOptions } from '../cli/command-group.js';
import { runAction } from '../cli/run.js';
import { writeJson, type Stdio } from '../cli/stdio.js';
import { rolloutLines } from '../format/rollout-format.js';
import { deploymentGroup } from './deployment-create.js';

interface AbortOptions extends ClientOptions {
  readonly rollback?: boolean;
}

/**
 * `verge deployment pause|resume|abort <id>`: operator commands of a deployment's staged rollout
 * (`POST /configurations/{id}/rollout/{pause|resume|abort}`); each prints the rollout afterwards.
 */
export function registerDeploymentRollout(program: Command): void {
  const group = deploymentGroup(program);
  withClientOptions(addVerb(group, 'pause', "pause a deployment's staged rollout: no device is admitted and no wave decided until resumed").argument('<id>', 'deployment id')).action(
    runAction((stdio, id: string, options: ClientOptions) => run(stdio, options, (c) => c.rollouts.pause(id))),
  );
  withClientOptions(
    addVerb(group, 'resume', "resume a paused rollout, or re-run a halted rollout's failed wave with a fresh deadline").argument('<id>', 'deployment id'),
  ).action(runAction((stdio, id: string, options: ClientOptions) => run(stdio, options, (c) => c.rollouts.resume(id))));
  withClientOptions(
    addVerb(group, 'abort', 'abort a staged rollout: admit no more devices; moved devices keep the deployment unless --rollback')
      .argument('<id>', 'deployment id')
      .option('--rollback', 'also return every device the rollout moved to what it had before'),
  ).action(runAction((stdio, id: string, options: AbortOptions) => run(stdio, options, (c) => c.rollouts.abort(id, { rollback: options.rollback === true }))));
}

async function run(stdio: Stdio, options: ClientOptions, call: (client: Awaited<ReturnType<typeof clientFromFlags>>) => Promise<RolloutDto>): Promise<number> {
  const rollout = await call(await clientFromFlags(options));
  if (options.json === true) writeJson(stdio, rollout);
  else rolloutLines(rollout).forEach((line) => stdio.out(line));
  return 0;
}
