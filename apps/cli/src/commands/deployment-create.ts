import type { Command } from 'commander';
import { clientFromFlags } from '../cli/client-factory.js';
import { addVerb, collect, ensureGroup, withClientOptions, type ClientOptions } from '../cli/command-group.js';
import { runAction } from '../cli/run.js';
import { writeJson, type Stdio } from '../cli/stdio.js';
import { buildDeploymentDraft } from '../deploy/deployment-draft.js';

/** The `deployment` command group (automatic deployments: IoT Hub configurations). */
export function deploymentGroup(program: Command): Command {
  return ensureGroup(program, 'deployment', 'manage automatic deployments to fleets of IoT Edge devices (IoT Hub configurations)');
}

/** The flags that describe a deployment, as commander passes them. */
export interface DraftOptions {
  readonly manifest: string;
  readonly targetCondition: string;
  readonly priority: string;
  readonly label?: string[];
  readonly metric?: string[];
  readonly layered?: boolean;
  readonly rollout?: string;
}

/** Adds the deployment-describing flags; `required`: `--manifest`, `--target-condition` and `--priority` must be given. */
export function withDraftOptions(command: Command, required: boolean): Command {
  const opt = (flags: string, description: string) => (required ? command.requiredOption(flags, description) : command.option(flags, description));
  opt('--manifest <file>', 'deployment manifest (JSON with modulesContent); a standard one is validated like `verge manifest validate`');
  opt('--target-condition <condition>', `which devices: a twin condition, e.g. "tags.environment='prod'" or "*"`);
  opt('--priority <n>', 'integer 0..2147483647; the highest-priority standard deployment targeting a device applies (ties: the newest)');
  return command
    .option('--label <k=v>', 'a label (repeatable)', collect)
    .option('--metric <name=query>', `a custom metric, e.g. "ok=SELECT deviceId FROM devices.modules WHERE moduleId='$edgeAgent' AND …" (repeatable, at most 5)`, collect)
    .option('--layered', 'a layered deployment: its manifest sets sub-paths (properties.desired.modules.x) on top of the base deployment')
    .option('--rollout <file>', 'a staged-rollout policy (JSON: waves, autoRollback)');
}

/** `verge deployment create <id> --manifest … --target-condition … --priority n`: `PUT /configurations/{id}` (no If-Match). */
export function registerDeploymentCreate(program: Command): void {
  const command = addVerb(deploymentGroup(program), 'create', 'create an automatic deployment (validated locally first; refused if the id exists)').argument('<id>', 'deployment id (lower case, ≤ 128 characters)');
  withDraftOptions(command, true);
  withClientOptions(command).action(runAction((stdio, id: string, options: DraftOptions & ClientOptions) => createDeployment(stdio, id, options)));
}

async function createDeployment(stdio: Stdio, id: string, options: DraftOptions & ClientOptions): Promise<number> {
  const built = await buildDeploymentDraft(id, options);
  if (!built.ok) {
    if (options.json === true) writeJson(stdio, { ok: false, id, faults: built.faults });
    else built.faults.forEach((f) => stdio.out(f.message));
    stdio.err(`${built.faults.length} fault${built.faults.length === 1 ? '' : 's'} in ${options.manifest}; nothing was created`);
    return 1;
  }
  const client = await clientFromFlags(options);
  const created = await client.configurations.create(built.draft);
  if (options.json === true) writeJson(stdio, created);
  else stdio.out(`created deployment ${created.id} (priority ${created.priority}, target ${created.targetCondition}${options.layered === true ? ', layered' : ''})`);
  return 0;
}
