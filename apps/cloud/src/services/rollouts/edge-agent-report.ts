import type { DeviceRolloutReport } from '@verge/core';
import type { TwinRecord } from '../../store/records.js';

/**
 * What a device's `$edgeAgent` module twin tells a rollout gate about deployment `configurationId` (reference
 * §2.1–2.3): whether the deployment is applied (`configurations.{id}.status`), desired `$version`, reported
 * `lastDesiredVersion` and `lastDesiredStatus.code`, and every module's `runtimeStatus` with its
 * `lastStartTimeUtc` (`modules.*` and `systemModules.*`).
 */
export function edgeAgentReport(twin: TwinRecord | undefined, configurationId: string): DeviceRolloutReport | undefined {
  if (twin === undefined) return undefined;
  const desired = twin.properties.desired as Record<string, unknown>;
  const reported = twin.properties.reported as Record<string, unknown>;
  const status = objectAt(reported, 'lastDesiredStatus');
  const modules: Record<string, { runtimeStatus: string; sinceMs?: number }> = {};
  for (const section of ['systemModules', 'modules'] as const) {
    for (const [id, value] of Object.entries(objectAt(reported, section) ?? {})) {
      if (typeof value !== 'object' || value === null) continue;
      const m = value as Record<string, unknown>;
      const since = typeof m['lastStartTimeUtc'] === 'string' ? Date.parse(m['lastStartTimeUtc']) : Number.NaN;
      modules[`${section}.${id}`] = { runtimeStatus: typeof m['runtimeStatus'] === 'string' ? m['runtimeStatus'] : 'unknown', ...(Number.isFinite(since) ? { sinceMs: since } : {}) };
    }
  }
  const desiredVersion = numberAt(desired, '$version');
  const lastDesiredVersion = numberAt(reported, 'lastDesiredVersion');
  const code = status === undefined ? undefined : numberAt(status, 'code');
  return {
    applied: twin.configurations?.[configurationId]?.status === 'Applied',
    ...(desiredVersion === undefined ? {} : { desiredVersion }),
    ...(lastDesiredVersion === undefined ? {} : { lastDesiredVersion }),
    ...(code === undefined ? {} : { lastDesiredStatusCode: code }),
    modules,
  };
}

function objectAt(o: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const v = Object.hasOwn(o, key) ? o[key] : undefined;
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function numberAt(o: Record<string, unknown>, key: string): number | undefined {
  const v = Object.hasOwn(o, key) ? o[key] : undefined;
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
