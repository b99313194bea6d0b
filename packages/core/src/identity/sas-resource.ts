import { VergeError } from '@verge/contracts';

/** A SAS resource (`sr`) split into its parts, after EH's `ParseAudience` (reference §5.2). */
export type SasResource =
  | { readonly kind: 'hub'; readonly hostName: string }
  | { readonly kind: 'device'; readonly hostName: string; readonly deviceId: string }
  | { readonly kind: 'module'; readonly hostName: string; readonly deviceId: string; readonly moduleId: string };

function part(value: string, what: string): string {
  if (value === '' || value.includes('/')) {
    throw new VergeError('SAS_PARAMETER_INVALID', `${what} '${value}' ${value === '' ? 'is empty' : "contains '/'"}`, { details: { what } });
  }
  return value;
}

/** `{host}/devices/{deviceId}`, the decoded resource of a device token. Host is the IoT Hub name, never the gateway. */
export function deviceResource(host: string, deviceId: string): string {
  return `${part(host, 'host')}/devices/${part(deviceId, 'deviceId')}`;
}

/** `{host}/devices/{deviceId}/modules/{moduleId}`, the decoded resource of a module token. */
export function moduleResource(host: string, deviceId: string, moduleId: string): string {
  return `${deviceResource(host, deviceId)}/modules/${part(moduleId, 'moduleId')}`;
}

/** Splits a decoded resource: `host`, `host/devices/d` or `host/devices/d/modules/m`; undefined for any other shape. */
export function parseSasResource(resource: string): SasResource | undefined {
  const p = resource.split('/');
  if (p.some((s) => s === '')) return undefined;
  const [hostName = '', devices, deviceId = '', modules, moduleId = ''] = p;
  if (p.length === 1) return { kind: 'hub', hostName };
  if (p.length === 3 && devices === 'devices') return { kind: 'device', hostName, deviceId };
  if (p.length === 5 && devices === 'devices' && modules === 'modules') return { kind: 'module', hostName, deviceId, moduleId };
  return undefined;
}

/**
 * The audiences edgeHub accepts for an identity (reference §5.2, EH `DeviceScopeTokenAuthenticator`), one set per
 * host name (pass the IoT Hub host name and the gateway/edge host name): a device accepts
 * `{host}/devices/{d}`; a module accepts `{host}/devices/{d}/modules/{m}` and also the device-scoped
 * `{host}/devices/{d}` (EH `ValidateAudienceIds` only checks the device id when the audience has no module).
 * Which keys may sign is the caller's choice: EH tries the module's keys, then, with `allowDeviceAuthForModule`
 * (default on), the device's keys.
 */
export function sasAudiences(input: {
  readonly hostNames: readonly string[];
  readonly deviceId: string;
  readonly moduleId?: string;
}): string[] {
  const { deviceId, moduleId } = input;
  return input.hostNames.flatMap((host) =>
    moduleId === undefined ? [deviceResource(host, deviceId)] : [moduleResource(host, deviceId, moduleId), deviceResource(host, deviceId)],
  );
}

/**
 * True when decoded resource `resource` names `audience`: the host part (before the first `/`) compares
 * case-insensitively (DNS names), the rest exactly (ids are case-sensitive in IoT Hub). No prefix matching.
 */
export function audienceMatches(resource: string, audience: string): boolean {
  const [rHost, rPath] = splitHost(resource);
  const [aHost, aPath] = splitHost(audience);
  return rPath === aPath && rHost.toLowerCase() === aHost.toLowerCase();
}

function splitHost(resource: string): [string, string] {
  const slash = resource.indexOf('/');
  return slash < 0 ? [resource, ''] : [resource.slice(0, slash), resource.slice(slash)];
}
