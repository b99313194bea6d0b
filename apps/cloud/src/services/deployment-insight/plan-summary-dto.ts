import type { PlanSummaryDto } from '@verge/contracts';
import type { DevicePlanSummary } from '@verge/core';

/** A summary as its wire shape (mutable copies of the core's readonly lists). */
export function summaryDto(s: DevicePlanSummary): PlanSummaryDto {
  const map = (m: DevicePlanSummary['modules']) => ({ added: [...m.added], updated: [...m.updated], removed: [...m.removed] });
  return {
    modules: map(s.modules),
    routes: map(s.routes),
    paths: s.paths.map((p) => ({ moduleId: p.moduleId, path: p.path })),
    createdModules: [...s.createdModules],
    ...(s.statuses === undefined ? {} : { statuses: { before: { ...s.statuses.before }, after: { ...s.statuses.after } } }),
  };
}
