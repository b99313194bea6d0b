import { VergeError, type ManagedModule } from '@verge/contracts';
import type { DesiredState, PlanPolicy } from '@verge/core';
import type { LogLine } from '../runtime/module-runtime.js';
import type { AgentClock } from './agent-clock.js';
import { runtimeFor, type RuntimesByType } from './executors.js';
import type { ManagementHandlers } from './management-api.js';
import { listManagedModules } from './module-listing.js';
import { observeRuntimes } from './observe.js';
import type { ReconcileLoop } from './reconcile-loop.js';

/** What the management handlers read from the agent. */
export interface ManagementSources {
  readonly runtimes: RuntimesByType;
  readonly desired: () => DesiredState | undefined;
  readonly loop: Pick<ReconcileLoop, 'ledger' | 'wake'>;
  readonly clock: AgentClock;
  readonly policy: PlanPolicy;
}

async function findModule(s: ManagementSources, id: string): Promise<{ type: 'docker' | 'process' }> {
  const observation = await observeRuntimes(s.runtimes, () => s.clock.nowMs());
  const found = observation.modules.get(id);
  if (found === undefined || !found.owned) throw new VergeError('AGT_MODULE_NOT_FOUND', `module '${id}' does not exist on this edge device`);
  return found;
}

async function* moduleLogs(s: ManagementSources, id: string, options: { readonly tail?: number; readonly follow: boolean; readonly signal: AbortSignal }): AsyncGenerator<LogLine> {
  const module = await findModule(s, id);
  yield* runtimeFor(s.runtimes, module.type).logs(id, { ...(options.tail === undefined ? {} : { tail: options.tail }), follow: options.follow, signal: options.signal });
}

/**
 * The management API over the agent (`verge edge list|logs|restart`): a fresh observation for every listing (so
 * it shows what runs now) with the agent's desired state and ledger; `restart` stops and starts any module Verge
 * runs, whatever its state (as `iotedge restart`), and wakes the loop.
 */
export function createManagementHandlers(s: ManagementSources): ManagementHandlers {
  return {
    async listModules(): Promise<ManagedModule[]> {
      const observation = await observeRuntimes(s.runtimes, () => s.clock.nowMs());
      return listManagedModules(s.desired(), observation, s.loop.ledger, s.clock.nowMs(), s.policy);
    },
    logs: (id, options) => moduleLogs(s, id, options),
    async restart(id): Promise<void> {
      const module = await findModule(s, id);
      const runtime = runtimeFor(s.runtimes, module.type);
      await runtime.stopModule(id, s.policy.stopTimeoutMs);
      await runtime.startModule(id);
      s.loop.wake('restarted by the management API');
    },
  };
}
