import type { TelemetryFilter } from './ports.js';

/** Which columns a telemetry filter constrains; each store keeps one WHERE clause (and statement) per kind. */
export type FilterKind = 'all' | 'device' | 'deviceModule' | 'module';

export function filterKind(f: TelemetryFilter): FilterKind {
  if (f.deviceId !== undefined) return f.moduleId !== undefined ? 'deviceModule' : 'device';
  return f.moduleId !== undefined ? 'module' : 'all';
}
