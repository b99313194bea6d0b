import { VergeError, type Clock, type ManagedModule } from '@verge/contracts';
import type { DesiredState, PlanPolicy } from '@verge/core';
import type { LogLine } from '../runtime/module-runtime.js';
import { runtimeFor, type RuntimesByType } from './executors.js';
import type { ManagementHandlers } from './management-api.js';
import { isSystemModuleId, listManagedModules, systemModuleEntries } from './module-listing.js';
import { observeRuntimes } from './observe.js';
import type { ReconcileLoop } from './reconcile-loop.js';

/** What the management handlers read from the agent. */
export interface ManagementSources {
  readonly runtimes: RuntimesByType;
  readonly desired: () => DesiredState | undefined;
  readonly loop: Pick<ReconcileLoop, 'ledger' | 'wake'>;
  readonly clock: Clock;
  readonly policy: PlanPolicy;
  /** When the runtime process (and so edgeAgent and edgeHub inside it) started; default: when the handlers were made. */
  readonly runtimeStartedAtMs?: number;
}

/**
 * The module `id` as the runtime runs it, for logs and restart. Every id `verge edge list` shows is accepted: a
 * module that is listed but not created yet, and edgeAgent/edgeHub (inside the runtime process), get a clear
 * refusal saying why instead of "does not exist" (issue 7: list, logs and restart agree).
 */
async function findModule(s: ManagementSources, id: string, operation: 'logs' | 'restart'): Promise<{ type: 'docker' | 'process' }> {
  const observation = await observeRuntimes(s.runtimes, () => s.clock.nowMs());
  const found = observation.modules.get(id);
  if (found !== undefined && found.owned) return found;
  if (isSystemModuleId(id)) {
    const what = operation === 'logs' ? "its log is the runtime's own output (the output of `verge edge start`)" : 'restart the edge runtime (`verge edge start`) to restart it';
    throw new VergeError('AGT_SYSTEM_MODULE_IN_PROCESS', `${id} runs inside the edge runtime process: ${what}`);
  }
  const listed = listManagedModules(s.desired(), observation, s.loop.ledger, s.clock.nowMs(), s.policy).find((m) => m.id === id);
  if (listed !== undefined) {
    const why = operation === 'logs' ? 'it has no logs yet' : 'there is nothing to restart; the agent creates and starts it';
    throw new VergeError('AGT_MODULE_NOT_CREATED', `module '${id}' is deployed but not created yet (${listed.runtimeStatus}: ${listed.statusDescription}): ${why}`);
  }
  throw new VergeError('AGT_MODULE_NOT_FOUND', `module '${id}' does not exist on this edge device (\`verge edge list\` shows its modules)`);
}

async function* moduleLogs(s: ManagementSources, id: string, options: { readonly tail?: number; readonly sinceMs?: number; readonly follow: boolean; readonly signal: AbortSignal }): AsyncGenerator<LogLine> {
  const module = await findModule(s, id, 'logs');
  yield* runtimeFor(s.runtimes, module.type).logs(id, { ...(options.tail === undefined ? {} : { tail: options.tail }), ...(options.sinceMs === undefined ? {} : { sinceMs: options.sinceMs }), follow: options.follow, signal: options.signal });
}

/**
 * The management API over the agent (`verge edge list|logs|restart`): a fresh observation for every listing (so
 * it shows what runs now) with the agent's desired state and ledger; `restart` stops and starts any module Verge
 * runs, whatever its state (as `iotedge restart`), and wakes the loop.
 */
export function createManagementHandlers(s: ManagementSources): ManagementHandlers {
  const runtimeStartedAtMs = s.runtimeStartedAtMs ?? s.clock.nowMs();
  return {
    async listModules(): Promise<ManagedModule[]> {
      const observation = await observeRuntimes(s.runtimes, () => s.clock.nowMs());
      return [...systemModuleEntries(runtimeStartedAtMs), ...listManagedModules(s.desired(), observation, s.loop.ledger, s.clock.nowMs(), s.policy)];
    },
    logs: (id, options) => moduleLogs(s, id, options),
    async restart(id): Promise<void> {
      const module = await findModule(s, id, 'restart');
      const runtime = runtimeFor(s.runtimes, module.type);
      await runtime.stopModule(id, s.policy.stopTimeoutMs);
      await runtime.startModule(id);
      s.loop.wake('restarted by the management API');
    },
  };
}
