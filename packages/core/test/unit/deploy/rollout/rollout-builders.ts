import type { DeviceRolloutReport, RolloutObservation } from '@verge/core';

/** A device report: applied, agent caught up on desired version 3 with status `code`, modules as given (default one running module). */
export function aReport(code: number | undefined = 200, modules: DeviceRolloutReport['modules'] = { sim: { runtimeStatus: 'running' } }, o: Partial<DeviceRolloutReport> = {}): DeviceRolloutReport {
  return { applied: true, desiredVersion: 3, lastDesiredVersion: 3, ...(code === undefined ? {} : { lastDesiredStatusCode: code }), modules, ...o };
}

/** An observation of `targeted` devices with reports by device id. */
export function observing(targeted: readonly string[], reports: Record<string, DeviceRolloutReport> = {}, metric?: RolloutObservation['metric']): RolloutObservation {
  return { targeted, reports: new Map(Object.entries(reports)), ...(metric === undefined ? {} : { metric }) };
}

export function deviceIds(n: number, prefix = 'dev'): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);
}
