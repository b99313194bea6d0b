import type { Device, Module } from '@verge/api-client';
import { formatTable, type Column } from '../cli/table.js';

// IoT Hub's "never" timestamp (DateTime.MinValue) shown for devices that never connected.
const neverTimes = new Set(['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z', '0001-01-01T00:00:00']);

/** A timestamp for humans: ISO as sent, or `-` for IoT Hub's "never" value and missing times. */
export function formatTime(iso: string | undefined | null): string {
  return iso === undefined || iso === null || iso === '' || neverTimes.has(iso) ? '-' : iso;
}

/** The device id in a scope `ms-azure-iot-edge://{deviceId}-{generation}` (reference azure-iot-edge.md §11.2). */
export function scopeDeviceId(scope: string | undefined): string | undefined {
  const prefix = 'ms-azure-iot-edge://';
  if (scope === undefined || !scope.startsWith(prefix)) return undefined;
  const rest = scope.slice(prefix.length);
  const dash = rest.lastIndexOf('-');
  return dash <= 0 ? rest : rest.slice(0, dash);
}

/** The parent edge device of a device: leaf devices carry the parent's scope, edge devices `parentScopes[0]`. */
export function parentOf(device: { readonly capabilities?: { readonly iotEdge: boolean }; readonly deviceScope?: string; readonly parentScopes?: readonly string[] }): string | undefined {
  const isEdge = device.capabilities?.iotEdge === true;
  return scopeDeviceId(isEdge ? device.parentScopes?.[0] : (device.deviceScope ?? device.parentScopes?.[0]));
}

/** `sas`, `selfSigned (thumbprint AB12…)`, `certificateAuthority`, `none`. */
export function describeAuthentication(auth: Device['authentication']): string {
  if (auth.type !== 'selfSigned') return auth.type;
  const thumb = auth.x509Thumbprint.primaryThumbprint ?? auth.x509Thumbprint.secondaryThumbprint;
  return thumb === null ? 'selfSigned' : `selfSigned (${thumb})`;
}

const deviceColumns: readonly Column<Device>[] = [
  { header: 'device id', cell: (d) => d.deviceId },
  { header: 'type', cell: (d) => (d.capabilities.iotEdge ? 'edge' : 'device') },
  { header: 'status', cell: (d) => d.status },
  { header: 'connection', cell: (d) => d.connectionState },
  { header: 'auth', cell: (d) => d.authentication.type },
  { header: 'parent', cell: (d) => parentOf(d) ?? '-' },
  { header: 'last activity', cell: (d) => formatTime(d.lastActivityTime) },
];

/** The `verge device list` table. */
export function deviceTable(devices: readonly Device[]): string[] {
  return formatTable(deviceColumns, devices);
}

/** The `verge device show` text: one aligned `Label: value` line per field; keys are only in `--json`. */
export function deviceDetails(device: Device): string[] {
  const rows: [string, string][] = [
    ['Device ID', device.deviceId],
    ['Type', device.capabilities.iotEdge ? 'IoT Edge device' : 'device'],
    ['Status', device.statusReason ? `${device.status} (${device.statusReason})` : device.status],
    ['Connection', `${device.connectionState} (since ${formatTime(device.connectionStateUpdatedTime)})`],
    ['Authentication', describeAuthentication(device.authentication)],
    ['Parent', parentOf(device) ?? '-'],
    ['Device scope', device.deviceScope ?? '-'],
    ['C2D queued', String(device.cloudToDeviceMessageCount)],
    ['Last activity', formatTime(device.lastActivityTime)],
    ['ETag', device.etag],
  ];
  return labelled(rows);
}

/** The `verge module show` text: one aligned `Label: value` line per field; keys are only in `--json`. */
export function moduleDetails(module: Module): string[] {
  const rows: [string, string][] = [
    ['Module ID', `${module.deviceId}/${module.moduleId}`],
    ['Managed by', module.managedBy ?? '-'],
    ['Connection', `${module.connectionState} (since ${formatTime(module.connectionStateUpdatedTime)})`],
    ['Authentication', describeAuthentication(module.authentication)],
    ['Generation', module.generationId],
    ['C2D queued', String(module.cloudToDeviceMessageCount)],
    ['Last activity', formatTime(module.lastActivityTime)],
    ['ETag', module.etag],
  ];
  return labelled(rows);
}

/** `Label: value` lines with the values aligned. */
function labelled(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...rows.map(([label]) => label.length)) + 1;
  return rows.map(([label, value]) => `${`${label}:`.padEnd(width)} ${value}`);
}

const moduleColumns: readonly Column<Module>[] = [
  { header: 'module id', cell: (m) => m.moduleId },
  { header: 'connection', cell: (m) => m.connectionState },
  { header: 'auth', cell: (m) => m.authentication.type },
  { header: 'managed by', cell: (m) => m.managedBy ?? '-' },
  { header: 'last activity', cell: (m) => formatTime(m.lastActivityTime) },
];

/** The `verge module list` table. */
export function moduleTable(modules: readonly Module[]): string[] {
  return formatTable(moduleColumns, modules);
}
