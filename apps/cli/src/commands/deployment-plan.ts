import type { Command } from 'commander';
import { invalid, parseIntegerFlag } from '../cli/args.js';
import { clientFromFlags } from '../cli/client-factory.js';
import { addVerb, withClientOptions, type ClientOptions } from '../cli/command-group.js';
import { runAction } from '../cli/run.js';
import { writeJson, type Stdio } from '../cli/stdio.js';
import { buildDeploymentDraft } from '../deploy/deployment-draft.js';
import { planLines } from '../format/deployment-insight-format.js';
import { deploymentGroup, withDraftOptions, type DraftOptions } from './deployment-create.js';

interface PlanOptions extends ClientOptions, Partial<DraftOptions> {
  readonly top?: string;
  readonly continuationToken?: string;
}

/**
 * `verge deployment plan <id>`: dry-run of the stored deployment (`POST /configurations/{id}/plan`); with
 * `--manifest` (and the other `create` flags) a dry-run of that draft as if it were stored under `<id>`
 * (`POST /configurations/plan`). Nothing is changed. Lists the devices a page at a time (`--top`, default 100).
 */
export function registerDeploymentPlan(program: Command): void {
  const command = addVerb(deploymentGroup(program), 'plan', 'dry-run a deployment (stored, or a draft with --manifest): what each targeted device would get; changes nothing')
    .argument('<id>', 'deployment id (of the stored deployment, or the id the draft would be stored under)')
    .option('--top <n>', 'list at most n devices (1..1000, default 100; the totals always cover every device)')
    .option('--continuation-token <token>', 'the next page of devices (printed after a page)');
  withDraftOptions(command, false);
  withClientOptions(command).action(runAction((stdio, id: string, options: PlanOptions) => planDeployment(stdio, id, options)));
}

async function planDeployment(stdio: Stdio, id: string, options: PlanOptions): Promise<number> {
  const page = {
    ...(options.top === undefined ? {} : { top: parseIntegerFlag('--top', options.top, 1, 1000) }),
    ...(options.continuationToken === undefined ? {} : { continuationToken: options.continuationToken }),
  };
  let plan;
  if (options.manifest === undefined) {
    const stray = (['targetCondition', 'priority', 'label', 'metric', 'layered', 'rollout'] as const).find((k) => options[k] !== undefined);
    if (stray !== undefined) throw invalid(`--${stray.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, 'describes a draft: give --manifest too (or drop it to plan the stored deployment)');
    const client = await clientFromFlags(options);
    plan = await client.deploymentInsight.plan(id, page);
  } else {
    if (options.targetCondition === undefined) throw invalid('--target-condition', 'is required with --manifest (a draft needs a target condition)');
    if (options.priority === undefined) throw invalid('--priority', 'is required with --manifest (a draft needs a priority)');
    const built = await buildDeploymentDraft(id, { ...options, manifest: options.manifest, targetCondition: options.targetCondition, priority: options.priority });
    if (!built.ok) {
      if (options.json === true) writeJson(stdio, { ok: false, id, faults: built.faults });
      else built.faults.forEach((f) => stdio.out(f.message));
      stdio.err(`${built.faults.length} fault${built.faults.length === 1 ? '' : 's'} in ${options.manifest}; nothing was planned`);
      return 1;
    }
    const client = await clientFromFlags(options);
    plan = await client.deploymentInsight.planDraft(built.draft, page);
  }
  if (options.json === true) writeJson(stdio, plan);
  else planLines(plan).forEach((line) => stdio.out(line));
  return 0;
}
