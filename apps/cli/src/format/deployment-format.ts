import type { ConfigurationDto, ConfigurationMetricDevicesDto } from '@verge/contracts';
import { formatTable } from '../cli/table.js';

const kind = (c: ConfigurationDto): string =>
  Object.values(c.content.modulesContent).some((block) => Object.keys(block).some((k) => k !== 'properties.desired')) ? 'layered' : 'standard';

/** `verge deployment list`: one row per deployment with its system metrics. */
export function configurationTable(configurations: readonly ConfigurationDto[]): string[] {
  return formatTable<ConfigurationDto>(
    [
      { header: 'id', cell: (c) => c.id },
      { header: 'priority', cell: (c) => String(c.priority) },
      { header: 'kind', cell: kind },
      { header: 'targeted', cell: (c) => String(c.systemMetrics.results.targetedCount) },
      { header: 'applied', cell: (c) => String(c.systemMetrics.results.appliedCount) },
      { header: 'success', cell: (c) => String(c.systemMetrics.results.reportedSuccessfulCount) },
      { header: 'failure', cell: (c) => String(c.systemMetrics.results.reportedFailedCount) },
      { header: 'rollout', cell: (c) => (c.rollout === null ? '-' : 'staged') },
      { header: 'target condition', cell: (c) => c.targetCondition },
    ],
    configurations,
  );
}

/** One metric line: `name  count  (device ids)`. */
function metricRows(results: Readonly<Record<string, number>>, devices: Readonly<Record<string, readonly string[]>> | undefined): string[] {
  const rows = Object.entries(results).map(([name, count]) => ({ name, count, ids: devices?.[name] }));
  return formatTable(
    [
      { header: 'metric', cell: (r: (typeof rows)[number]) => r.name },
      { header: 'count', cell: (r) => String(r.count) },
      { header: 'devices', cell: (r) => (r.ids === undefined ? '' : r.ids.length === 0 ? '-' : r.ids.join(' ')) },
    ],
    rows,
  );
}

/** `verge deployment show`: the deployment, its modules, and its system and custom metrics with the devices behind each. */
export function configurationLines(c: ConfigurationDto, devices?: ConfigurationMetricDevicesDto): string[] {
  const labels = Object.entries(c.labels).map(([k, v]) => `${k}=${v}`);
  const lines = [
    `deployment ${c.id} (${kind(c)}, priority ${c.priority})`,
    `target condition: ${c.targetCondition}`,
    `created ${c.createdTimeUtc}, updated ${c.lastUpdatedTimeUtc}, etag ${c.etag}`,
    `labels: ${labels.length === 0 ? '-' : labels.join(' ')}`,
    `module twins: ${Object.keys(c.content.modulesContent).join(' ')}`,
    `rollout: ${c.rollout === null ? 'none (every targeted device at once)' : 'staged (verge deployment status shows its waves)'}`,
    '',
    ...metricRows(c.systemMetrics.results, devices?.systemMetrics),
  ];
  if (Object.keys(c.metrics.queries).length > 0) {
    lines.push('', ...metricRows(c.metrics.results, devices?.metrics));
    for (const [name, query] of Object.entries(c.metrics.queries)) lines.push(`  ${name}: ${query}`);
  }
  return lines;
}

/** The counts `verge deployment status` shows (reference §10.4). */
export interface StatusCounts {
  readonly targeted: number;
  readonly applied: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Targeted devices that have reported neither success nor failure yet. */
  readonly pending: number;
  /** Every targeted device reported (success or failure), and at least one is targeted. */
  readonly done: boolean;
}

/** Status counts of a deployment from its system metrics. */
export function statusCounts(c: ConfigurationDto): StatusCounts {
  const r = c.systemMetrics.results;
  const reported = r.reportedSuccessfulCount + r.reportedFailedCount;
  return {
    targeted: r.targetedCount,
    applied: r.appliedCount,
    succeeded: r.reportedSuccessfulCount,
    failed: r.reportedFailedCount,
    pending: Math.max(0, r.targetedCount - reported),
    done: r.targetedCount > 0 && reported >= r.targetedCount,
  };
}

/** One status line. */
export function statusLine(id: string, s: StatusCounts): string {
  return `deployment ${id}: targeted ${s.targeted}, applied ${s.applied}, succeeded ${s.succeeded}, failed ${s.failed}, pending ${s.pending}`;
}
