import type { ManagedModule } from '@verge/contracts';
import { computeModuleReport, effectiveRestarts, statusFromState, type AgentLedger, type DesiredState, type PlanPolicy } from '@verge/core';
import type { RuntimeModule } from '../runtime/module-runtime.js';
import type { Observation } from './observe.js';

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

function runFields(m: RuntimeModule | undefined): Pick<ManagedModule, 'startedAt' | 'exitedAt' | 'exitCode' | 'image' | 'command'> {
  if (m === undefined) return {};
  const exited = m.state === 'exited' || m.state === 'dead' || m.state === 'removing';
  const settings = m.desired?.settings;
  return {
    ...(m.startedAtMs === undefined ? {} : { startedAt: iso(m.startedAtMs) }),
    ...(m.exitedAtMs === undefined ? {} : { exitedAt: iso(m.exitedAtMs) }),
    ...(exited ? { exitCode: m.exitCode ?? 0 } : {}),
    ...(m.image === undefined ? {} : { image: m.image }),
    ...(settings !== undefined && 'command' in settings ? { command: [settings.command, ...settings.args] } : {}),
  };
}

/** The system modules as `verge edge list` shows them (as `iotedge list` does), before the deployed ones. */
export const SYSTEM_MODULE_NAMES = ['edgeAgent', 'edgeHub'] as const;

/** True for `edgeAgent`/`edgeHub` (and their twin names `$edgeAgent`/`$edgeHub`). */
export function isSystemModuleId(id: string): boolean {
  return (SYSTEM_MODULE_NAMES as readonly string[]).includes(id.replace(/^\$/, ''));
}

/** edgeAgent and edgeHub: in Verge both run inside the edge runtime process, running since it started. */
export function systemModuleEntries(runtimeStartedAtMs: number): ManagedModule[] {
  return SYSTEM_MODULE_NAMES.map((id) => ({
    id,
    type: 'system' as const,
    status: 'running' as const,
    runtimeStatus: 'running' as const,
    statusDescription: 'running inside the edge runtime process',
    restartCount: 0,
    startedAt: new Date(runtimeStartedAtMs).toISOString(),
  }));
}

/**
 * The modules as `verge edge list` shows them: every deployed module with its status as reported to the cloud
 * (restart policy applied, reference §2.3 and §2.5), then modules Verge still runs that are no longer deployed.
 */
export function listManagedModules(desired: DesiredState | undefined, observation: Observation, ledger: AgentLedger, nowMs: number, policy: PlanPolicy): ManagedModule[] {
  const listed: ManagedModule[] = [];
  if (desired !== undefined) {
    const report = computeModuleReport(desired, observation.observed, ledger.health, nowMs, { failures: ledger.failures, policy });
    for (const spec of desired.modules.values()) {
      const r = report[spec.id];
      if (r === undefined) continue;
      const restarts = effectiveRestarts(ledger.health.get(spec.id), desired.generation);
      const observed = observation.modules.get(spec.id);
      listed.push({
        id: spec.id,
        type: spec.type,
        status: spec.status,
        runtimeStatus: r.runtimeStatus,
        statusDescription: r.statusDescription,
        restartCount: r.restartCount,
        ...(restarts.lastRestartAtMs === undefined ? {} : { lastRestartAt: iso(restarts.lastRestartAtMs) }),
        ...(spec.version === undefined ? {} : { version: spec.version }),
        ...(spec.type === 'docker' ? { image: spec.settings.image } : { command: [spec.settings.command, ...spec.settings.args] }),
        ...runFields(observed?.owned === true ? observed : undefined),
      });
    }
  }
  for (const m of observation.modules.values()) {
    if (!m.owned || desired?.modules.has(m.id) === true) continue;
    listed.push({
      id: m.id,
      type: m.type,
      runtimeStatus: statusFromState(m.state, m.exitCode),
      statusDescription: m.statusDescription ?? `${m.state}; no longer deployed`,
      restartCount: 0,
      ...runFields(m),
    });
  }
  return listed.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
