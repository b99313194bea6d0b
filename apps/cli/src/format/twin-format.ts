import type { Twin } from '@verge/api-client';
import { formatTable, type Column } from '../cli/table.js';
import { formatTime, parentOf } from './identity-format.js';

/** True when a query result item is a whole twin (`SELECT * FROM devices[.modules]`), not a projection. */
export function isTwin(item: unknown): item is Twin {
  if (typeof item !== 'object' || item === null) return false;
  const record = item as Record<string, unknown>;
  return typeof record['deviceId'] === 'string' && typeof record['properties'] === 'object' && record['properties'] !== null;
}

const twinColumns: readonly Column<Twin>[] = [
  { header: 'device id', cell: (t) => t.deviceId },
  { header: 'type', cell: (t) => (t.capabilities?.iotEdge === true ? 'edge' : 'device') },
  { header: 'status', cell: (t) => t.status },
  { header: 'connection', cell: (t) => t.connectionState },
  { header: 'auth', cell: (t) => t.authenticationType },
  { header: 'parent', cell: (t) => parentOf(t) ?? '-' },
  { header: 'last activity', cell: (t) => formatTime(t.lastActivityTime) },
];

const moduleTwinColumns: readonly Column<Twin>[] = [
  { header: 'device id', cell: (t) => t.deviceId },
  { header: 'module id', cell: (t) => t.moduleId ?? '-' },
  { header: 'status', cell: (t) => t.status },
  { header: 'connection', cell: (t) => t.connectionState },
  { header: 'last activity', cell: (t) => formatTime(t.lastActivityTime) },
];

/** The table of twins returned by a query (`devices` or `devices.modules`). */
export function twinTable(twins: readonly Twin[]): string[] {
  return formatTable(twins.some((t) => t.moduleId !== undefined) ? moduleTwinColumns : twinColumns, twins);
}

/**
 * The `verge twin show` text: a header line, then tags, desired and reported properties as indented JSON. `$metadata`
 * (per-property timestamps) is left out as noise; `--json` prints the whole twin.
 */
export function twinDetails(twin: Twin): string[] {
  const id = twin.moduleId === undefined ? twin.deviceId : `${twin.deviceId}/${twin.moduleId}`;
  const desired = twin.properties.desired;
  const reported = twin.properties.reported;
  return [
    `Twin ${id}  (etag ${twin.etag}, version ${twin.version}, ${twin.connectionState})`,
    'tags:',
    ...indentJson(twin.tags),
    `desired ($version ${String(desired['$version'] ?? '-')}):`,
    ...indentJson(withoutMeta(desired)),
    `reported ($version ${String(reported['$version'] ?? '-')}):`,
    ...indentJson(withoutMeta(reported)),
  ];
}

function withoutMeta(section: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(section).filter(([key]) => key !== '$metadata' && key !== '$version'));
}

function indentJson(value: unknown): string[] {
  return JSON.stringify(value, null, 2)
    .split('\n')
    .map((line) => `  ${line}`);
}
