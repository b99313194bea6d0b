import { VergeError } from '@verge/contracts';
import {
  CONNECTION_STRING_FIELDS,
  invalid,
  parseConnectionString,
  type ConnectionString,
} from './connection-string.js';
import { parseHostPort } from './host-port.js';
import { deviceResource, moduleResource } from './sas-resource.js';
import { createSasToken, createServiceSasToken } from './sas-token.js';

/** The MQTT port the Node SDK dials when the host carries none (mqtt.js `mqtts://` default). */
export const IOT_HUB_MQTT_PORT = 8883;

type FieldValues = Partial<Record<(typeof CONNECTION_STRING_FIELDS)[number], string>>;

function fieldValues(parts: ConnectionString): FieldValues {
  if (parts.kind === 'service') {
    return { HostName: parts.hostName, SharedAccessKeyName: parts.sharedAccessKeyName, SharedAccessKey: parts.sharedAccessKey };
  }
  return {
    HostName: parts.hostName,
    DeviceId: parts.deviceId,
    ModuleId: parts.kind === 'module' ? parts.moduleId : undefined,
    SharedAccessKeyName: parts.sharedAccessKeyName,
    SharedAccessKey: parts.sharedAccessKey,
    SharedAccessSignature: parts.sharedAccessSignature,
    x509: parts.x509 === true ? 'true' : undefined,
    GatewayHostName: parts.gatewayHostName,
  };
}

/**
 * Writes a connection string in the canonical field order (`HostName`, `DeviceId`, `ModuleId`,
 * `SharedAccessKeyName`, `SharedAccessKey`, `SharedAccessSignature`, `x509`, `GatewayHostName`), the order the
 * portal and CLI print. `parseConnectionString(formatConnectionString(p))` equals `p`; the output is validated
 * by parsing it back, so invalid parts (a `;` in a value, a missing credential, a `kind` that does not match
 * the fields) throw VergeError CONNECTION_STRING_INVALID.
 */
export function formatConnectionString(parts: ConnectionString): string {
  const values = fieldValues(parts);
  const segments: string[] = [];
  for (const name of CONNECTION_STRING_FIELDS) {
    const value = values[name];
    if (value === undefined) continue;
    if (value.includes(';')) invalid(`field '${name}' contains ';', which cannot be written in a connection string`);
    segments.push(`${name}=${value}`);
  }
  const text = segments.join(';');
  const reparsed = parseConnectionString(text);
  if (reparsed.kind !== parts.kind) invalid(`parts of kind '${parts.kind}' describe a ${reparsed.kind} connection string`);
  return text;
}

/**
 * Where a client of this connection string connects over MQTT: `GatewayHostName` if present, else `HostName`
 * (the SDK's `'mqtts://' + (gatewayHostName || host)`), with the port from a `:port` suffix or 8883
 * (azure-sdk-protocol.md §1).
 */
export function gatewayEndpoint(cs: ConnectionString): { host: string; port: number } {
  const text = cs.kind === 'service' ? cs.hostName : (cs.gatewayHostName ?? cs.hostName);
  const parsed = parseHostPort(text);
  if (typeof parsed === 'string') invalid(`'${text}' is not host[:port]: ${parsed}`);
  return { host: parsed.host, port: parsed.port ?? IOT_HUB_MQTT_PORT };
}

/**
 * A SAS token for the identity of a connection string, as the SDK builds it: resource from `HostName` (never the
 * gateway), `skn` from `SharedAccessKeyName`; for a service connection string, `sr={HostName}` with the policy
 * name. Throws VergeError SAS_PARAMETER_INVALID when the connection string carries no `SharedAccessKey`.
 */
export function sasTokenFromConnectionString(cs: ConnectionString, expirySec: number): string {
  if (cs.kind === 'service') {
    return createServiceSasToken({ hostName: cs.hostName, policyName: cs.sharedAccessKeyName, key: cs.sharedAccessKey, expirySec });
  }
  if (cs.sharedAccessKey === undefined) {
    throw new VergeError('SAS_PARAMETER_INVALID', `the ${cs.kind} connection string carries no SharedAccessKey to sign a token with`);
  }
  const resource = cs.kind === 'module' ? moduleResource(cs.hostName, cs.deviceId, cs.moduleId) : deviceResource(cs.hostName, cs.deviceId);
  return createSasToken({ resource, key: cs.sharedAccessKey, expirySec, ...(cs.sharedAccessKeyName === undefined ? {} : { keyName: cs.sharedAccessKeyName }) });
}
