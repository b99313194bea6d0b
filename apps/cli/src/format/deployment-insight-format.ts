import type { ConfigurationPlanDto, DevicePlanDto, EffectiveDeploymentDto, PlanSummaryDto, PlanTotalsDto } from '@verge/contracts';
import { formatTable } from '../cli/table.js';

/** `+added ~updated -removed` of a map of changes; `-` when nothing changes. */
export function changeMarks(changes: { readonly added: readonly string[]; readonly updated: readonly string[]; readonly removed: readonly string[] }): string {
  const marks = [...changes.added.map((id) => `+${id}`), ...changes.updated.map((id) => `~${id}`), ...changes.removed.map((id) => `-${id}`)];
  return marks.length === 0 ? '-' : marks.join(' ');
}

/** One line per kind of change of a plan summary (modules, routes, paths, identities, statuses). */
export function summaryLines(summary: PlanSummaryDto): string[] {
  const lines: string[] = [];
  if (changeMarks(summary.modules) !== '-') lines.push(`modules: ${changeMarks(summary.modules)}`);
  if (changeMarks(summary.routes) !== '-') lines.push(`routes: ${changeMarks(summary.routes)}`);
  if (summary.paths.length > 0) lines.push(`twin paths: ${summary.paths.map((p) => `${p.moduleId}:${p.path}`).join(' ')}`);
  if (summary.createdModules.length > 0) lines.push(`module identities created: ${summary.createdModules.join(' ')}`);
  if (summary.statuses !== undefined) lines.push(`statuses: ${statusText(summary.statuses.before)} -> ${statusText(summary.statuses.after)}`);
  return lines;
}

function statusText(statuses: Readonly<Record<string, string>>): string {
  const entries = Object.entries(statuses);
  return entries.length === 0 ? '(none)' : entries.map(([id, s]) => `${id}=${s}`).join(',');
}

/** `verge device explain`: the deployments and why, where each module/route/path comes from, what is pending. */
export function effectiveLines(e: EffectiveDeploymentDto): string[] {
  const lines: string[] = [];
  if (!e.edge || e.deployments.length === 0) lines.push(`device ${e.deviceId}: ${e.reason ?? 'no deployment targets it'}`);
  if (e.deployments.length > 0) {
    lines.push(`deployments targeting ${e.deviceId}:`);
    lines.push(
      ...formatTable(
        [
          { header: 'deployment', cell: (d) => d.deploymentId },
          { header: 'priority', cell: (d) => String(d.priority) },
          { header: 'kind', cell: (d) => (d.layered ? 'layered' : 'standard') },
          { header: 'outcome', cell: (d) => d.outcome },
          { header: 'reason', cell: (d) => d.reason },
        ],
        e.deployments,
      ),
    );
  }
  if (e.provenance.length > 0) {
    lines.push('', 'effective content (who set what):');
    lines.push(
      ...formatTable(
        [
          { header: 'module twin', cell: (p) => p.moduleId },
          { header: 'path', cell: (p) => (p.path === '' ? '(all)' : p.path) + (p.removed === true ? ' (removed)' : '') },
          { header: 'kind', cell: (p) => p.kind },
          { header: 'set by', cell: (p) => `${p.deploymentId}@${p.priority}` },
          { header: 'overrode', cell: (p) => (p.overridden.length === 0 ? '-' : p.overridden.map((o) => `${o.deploymentId}@${o.priority}`).join(', ')) },
        ],
        e.provenance,
      ),
    );
  }
  if (e.invalid.length > 0) {
    lines.push('', 'ignored (invalid) deployments:');
    for (const i of e.invalid) for (const err of i.errors) lines.push(`  ${i.deploymentId}: ${err.code}: ${err.message}`);
  }
  if (e.edge && e.deployments.length > 0) {
    lines.push('');
    if (e.inSync) lines.push('in sync: the module twins hold this content');
    else lines.push('pending (evaluation has not written yet):', ...summaryLines(e.pending ?? emptySummary()).map((l) => `  ${l}`));
  }
  return lines;
}

function emptySummary(): PlanSummaryDto {
  return { modules: { added: [], updated: [], removed: [] }, routes: { added: [], updated: [], removed: [] }, paths: [], createdModules: [] };
}

/** The totals line of a dry-run. */
export function totalsLine(t: PlanTotalsDto): string {
  return (
    `${t.targeted} of ${t.devices} edge devices targeted; ${t.devicesChanging} would change, ${t.devicesStatusOnly} only get statuses; ` +
    `modules +${t.modulesAdded} ~${t.modulesUpdated} -${t.modulesRemoved}, routes +${t.routesAdded} ~${t.routesUpdated} -${t.routesRemoved}, ` +
    `other paths ${t.pathsChanged}, module identities created ${t.modulesCreated}`
  );
}

/** `verge deployment plan`: totals, then one row per listed device. */
export function planLines(plan: ConfigurationPlanDto): string[] {
  const lines = [`dry run of ${plan.draft ? 'draft ' : ''}deployment ${plan.configurationId} (nothing was changed)`, totalsLine(plan.totals)];
  if (plan.devices.length > 0) {
    lines.push('');
    lines.push(
      ...formatTable<DevicePlanDto>(
        [
          { header: 'device', cell: (d) => d.deviceId },
          { header: 'outcome', cell: (d) => d.outcome },
          { header: 'modules', cell: (d) => changeMarks(d.summary.modules) },
          { header: 'routes', cell: (d) => changeMarks(d.summary.routes) },
          { header: 'paths', cell: (d) => String(d.summary.paths.length) },
          { header: 'writes', cell: (d) => (d.steps.length === 0 ? 'none' : d.steps.map((s) => (s.moduleId === undefined ? s.action : `${s.action} ${s.moduleId}`)).join(', ')) },
        ],
        plan.devices,
      ),
    );
  }
  if (plan.continuationToken !== undefined) lines.push(`more devices: --continuation-token ${plan.continuationToken}`);
  return lines;
}
