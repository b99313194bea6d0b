import type { Command } from 'commander';
import { isApiError, type ApiClient } from '@verge/api-client';
import type { RolloutDto } from '@verge/contracts';
import { parseIntegerFlag } from '../cli/args.js';
import { clientFromFlags } from '../cli/client-factory.js';
import { addVerb, withClientOptions, type ClientOptions } from '../cli/command-group.js';
import { runAction } from '../cli/run.js';
import { writeJson, type Stdio } from '../cli/stdio.js';
import { statusCounts, statusLine, type StatusCounts } from '../format/deployment-format.js';
import { rolloutLines } from '../format/rollout-format.js';
import { deploymentGroup } from './deployment-create.js';

interface StatusOptions extends ClientOptions {
  readonly watch?: boolean;
  readonly interval?: string;
}

/** What one status poll shows. */
interface StatusView {
  readonly id: string;
  readonly status: StatusCounts;
  readonly rollout?: RolloutDto;
}

/**
 * `verge deployment status <id>`: targeted / applied / succeeded / failed / pending counts (reference §10.4) and,
 * for a staged rollout, its waves. `--watch` polls (every `--interval` seconds) and prints each change until every
 * targeted device has reported success or failure, the rollout was rolled back or aborted (exit status 1), or
 * Ctrl-C; with `--json` each change is one JSON line.
 */
export function registerDeploymentStatus(program: Command): void {
  const command = addVerb(deploymentGroup(program), 'status', "a deployment's progress: targeted, applied, succeeded, failed; rollout waves")
    .argument('<id>', 'deployment id')
    .option('--watch', 'keep printing changes until every targeted device reported, or the rollout was rolled back or aborted (exit status 1), or Ctrl-C')
    .option('--interval <seconds>', 'seconds between polls with --watch (1..60, default 2)');
  withClientOptions(command).action(runAction((stdio, id: string, options: StatusOptions) => deploymentStatus(stdio, id, options)));
}

async function poll(client: ApiClient, id: string): Promise<StatusView> {
  const configuration = await client.configurations.get(id);
  const rollout = configuration.rollout === null ? undefined : await rolloutOf(client, id);
  return { id, status: statusCounts(configuration), ...(rollout === undefined ? {} : { rollout }) };
}

/** The rollout state; undefined while the rollout controller has not started it yet (404). */
async function rolloutOf(client: ApiClient, id: string): Promise<RolloutDto | undefined> {
  try {
    return await client.rollouts.get(id);
  } catch (e) {
    if (isApiError(e) && e.status === 404) return undefined;
    throw e;
  }
}

function print(stdio: Stdio, view: StatusView, options: StatusOptions): void {
  if (options.json === true) {
    if (options.watch === true) stdio.out(JSON.stringify(view));
    else writeJson(stdio, view);
    return;
  }
  stdio.out(statusLine(view.id, view.status));
  if (view.rollout !== undefined) rolloutLines(view.rollout).forEach((line) => stdio.out(line));
}

async function deploymentStatus(stdio: Stdio, id: string, options: StatusOptions): Promise<number> {
  const intervalMs = (options.interval === undefined ? 2 : parseIntegerFlag('--interval', options.interval, 1, 60)) * 1000;
  const client = await clientFromFlags(options);
  let view = await poll(client, id);
  print(stdio, view, options);
  if (options.watch !== true) return 0;
  const stop = new AbortController();
  const onInterrupt = () => stop.abort();
  process.once('SIGINT', onInterrupt);
  // A deployment that targets no device never finishes: say so once, rather than wait in silence.
  let hinted = false;
  const hintIfUntargeted = (): void => {
    if (hinted || options.json === true || view.status.targeted > 0) return;
    hinted = true;
    stdio.out(`no device matches the target condition of ${id} yet: waiting for matching devices to report (Ctrl-C to stop)`);
  };
  // A halted rollout waits for the operator: say so once. A rolled-back or aborted one will not move any more.
  let halted = false;
  const hintIfHalted = (): void => {
    const halt = view.rollout?.status === 'halted';
    if (halt && !halted && options.json !== true) stdio.out(`rollout halted: waiting for \`verge deployment resume ${id}\` or \`abort\` (Ctrl-C to stop)`);
    halted = halt;
  };
  try {
    let shown = JSON.stringify(view);
    hintIfUntargeted();
    hintIfHalted();
    while (!view.status.done && !stop.signal.aborted && !rolloutEnded(view)) {
      await sleep(intervalMs, stop.signal);
      if (stop.signal.aborted) break;
      view = await poll(client, id);
      const text = JSON.stringify(view);
      if (text !== shown) print(stdio, view, options);
      shown = text;
      hintIfUntargeted();
      hintIfHalted();
    }
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
  if (rolloutEnded(view)) {
    if (options.json !== true) stdio.out(`rollout ${view.rollout?.status ?? ''}: ${id} will not reach the targeted devices it has not reached`);
    return 1;
  }
  if (view.status.done && options.json !== true) stdio.out(`every targeted device reported: ${view.status.succeeded} succeeded, ${view.status.failed} failed`);
  return 0;
}

/** A rolled-back or aborted rollout is final and never reaches the devices still waiting: a watch ends there. */
function rolloutEnded(view: StatusView): boolean {
  return view.rollout?.status === 'rolledBack' || view.rollout?.status === 'aborted';
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
