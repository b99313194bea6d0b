import { VergeError } from '@verge/contracts';
import { decodeBase64 } from './encoding.js';
import { parseHostPort } from './host-port.js';
import { parseSasToken } from './sas-token.js';

/** Fields shared by device and module connection strings. Exactly one of the credentials is set. */
export interface IdentityConnectionString {
  readonly hostName: string;
  readonly deviceId: string;
  /** Where to connect instead of `hostName` (an edge hub); may carry `:port`. */
  readonly gatewayHostName?: string;
  readonly sharedAccessKey?: string;
  /** A hub policy whose key signs the identity's tokens (`skn`). */
  readonly sharedAccessKeyName?: string;
  /** A ready-made token (`SharedAccessSignature=SharedAccessSignature sr=…`). */
  readonly sharedAccessSignature?: string;
  readonly x509?: true;
}

/** `HostName=…;DeviceId=…;(SharedAccessKey=…|SharedAccessSignature=…|x509=true)[;GatewayHostName=…]`. */
export interface DeviceConnectionString extends IdentityConnectionString {
  readonly kind: 'device';
}

/** A device connection string plus `ModuleId`. */
export interface ModuleConnectionString extends IdentityConnectionString {
  readonly kind: 'module';
  readonly moduleId: string;
}

/** A shared access policy (service) connection string: `HostName=…;SharedAccessKeyName=…;SharedAccessKey=…`. */
export interface ServiceConnectionString {
  readonly kind: 'service';
  readonly hostName: string;
  readonly sharedAccessKeyName: string;
  readonly sharedAccessKey: string;
}

/** Any IoT Hub connection string. */
export type ConnectionString = DeviceConnectionString | ModuleConnectionString | ServiceConnectionString;

/** Field names, in the order `formatConnectionString` writes them. Case-sensitive, as the SDKs read them. */
export const CONNECTION_STRING_FIELDS = [
  'HostName', 'DeviceId', 'ModuleId', 'SharedAccessKeyName', 'SharedAccessKey', 'SharedAccessSignature', 'x509', 'GatewayHostName',
] as const;
type FieldName = (typeof CONNECTION_STRING_FIELDS)[number];
type Fields = ReadonlyMap<FieldName, string>;

// IoT Hub's device and module id alphabet (docs: "ASCII 7-bit alphanumeric characters plus - . % _ * ? ! ( ) , : = @ $ '";
// older ids may also use + and #), up to 128 characters.
const ID_PATTERN = /^[A-Za-z0-9\-.%_*?!(),:=@$'+#]{1,128}$/;

/**
 * Parses an IoT Hub connection string (`Name=value;…`). Names are case-sensitive (`HostName`, `DeviceId`,
 * `ModuleId`, `SharedAccessKey`, `SharedAccessKeyName`, `SharedAccessSignature`, `GatewayHostName`, `x509`);
 * a value runs to the next `;` and may contain `=` (base64 padding); surrounding whitespace of the whole string
 * and empty segments (a trailing `;`) are ignored. The kind follows from the fields: `ModuleId` → module,
 * `DeviceId` → device, neither → service (policy). Throws VergeError CONNECTION_STRING_INVALID naming the
 * missing, duplicate, empty, unknown or conflicting field; messages never echo key material.
 */
export function parseConnectionString(cs: string): ConnectionString {
  const fields = readFields(cs.trim());
  const hostName = requireField(fields, 'HostName');
  checkHost(hostName, 'HostName');
  if (!fields.has('DeviceId')) return serviceConnectionString(fields, hostName);
  const deviceId = checkId(requireField(fields, 'DeviceId'), 'DeviceId');
  const moduleId = fields.get('ModuleId');
  const base = { hostName, deviceId, ...credentials(fields), ...gateway(fields) };
  return moduleId === undefined ? { kind: 'device', ...base } : { kind: 'module', moduleId: checkId(moduleId, 'ModuleId'), ...base };
}

function readFields(text: string): Map<FieldName, string> {
  if (text === '') invalid('the connection string is empty');
  const fields = new Map<FieldName, string>();
  text.split(';').forEach((segment, index) => {
    if (segment === '') return;
    const eq = segment.indexOf('=');
    if (eq < 0) invalid(`segment ${index + 1} has no '=' (expected Name=value)`);
    const name = segment.slice(0, eq);
    if (name === '') invalid(`segment ${index + 1} has an empty field name`);
    if (!isFieldName(name)) invalid(unknownFieldMessage(name));
    if (fields.has(name)) invalid(`duplicate field '${name}'`);
    if (eq === segment.length - 1) invalid(`field '${name}' is empty`);
    fields.set(name, segment.slice(eq + 1));
  });
  return fields;
}

function isFieldName(name: string): name is FieldName {
  return (CONNECTION_STRING_FIELDS as readonly string[]).includes(name);
}

function unknownFieldMessage(name: string): string {
  const shown = name.slice(0, 40);
  const near = CONNECTION_STRING_FIELDS.find((f) => f.toLowerCase() === name.toLowerCase());
  return near === undefined
    ? `unknown field '${shown}'; expected ${CONNECTION_STRING_FIELDS.map((f) => `'${f}'`).join(', ')}`
    : `unknown field '${shown}'; field names are case-sensitive: did you mean '${near}'?`;
}

function requireField(fields: Fields, name: FieldName): string {
  const value = fields.get(name);
  if (value === undefined) invalid(`missing field '${name}'`);
  return value;
}

function serviceConnectionString(fields: Fields, hostName: string): ServiceConnectionString {
  if (fields.has('ModuleId')) invalid("field 'ModuleId' requires 'DeviceId'");
  for (const name of ['GatewayHostName', 'x509', 'SharedAccessSignature'] as const) {
    if (fields.has(name)) invalid(`field '${name}' requires 'DeviceId' (without it this is a service connection string)`);
  }
  if (!fields.has('SharedAccessKeyName')) {
    invalid("missing field 'DeviceId' (device or module) or 'SharedAccessKeyName' (service policy)");
  }
  const sharedAccessKeyName = requireField(fields, 'SharedAccessKeyName');
  const sharedAccessKey = checkKey(requireField(fields, 'SharedAccessKey'));
  return { kind: 'service', hostName, sharedAccessKeyName, sharedAccessKey };
}

type Credentials = Pick<IdentityConnectionString, 'sharedAccessKey' | 'sharedAccessKeyName' | 'sharedAccessSignature' | 'x509'>;

function credentials(fields: Fields): Credentials {
  const present = (['SharedAccessKey', 'SharedAccessSignature', 'x509'] as const).filter((n) => fields.has(n));
  const [first, second] = present;
  if (first === undefined) invalid("needs one of 'SharedAccessKey', 'SharedAccessSignature' or 'x509=true'");
  if (second !== undefined) invalid(`fields '${first}' and '${second}' cannot both be present; use one credential`);
  const keyName = fields.get('SharedAccessKeyName');
  if (keyName !== undefined && first !== 'SharedAccessKey') invalid("field 'SharedAccessKeyName' requires 'SharedAccessKey'");
  const value = fields.get(first) ?? '';
  switch (first) {
    case 'SharedAccessKey':
      return { sharedAccessKey: checkKey(value), ...(keyName === undefined ? {} : { sharedAccessKeyName: keyName }) };
    case 'SharedAccessSignature':
      return { sharedAccessSignature: checkToken(value) };
    case 'x509':
      if (value.toLowerCase() !== 'true') invalid("field 'x509' must be 'true'");
      return { x509: true };
    default:
      return assertNever(first);
  }
}

function gateway(fields: Fields): Pick<IdentityConnectionString, 'gatewayHostName'> {
  const value = fields.get('GatewayHostName');
  if (value === undefined) return {};
  checkHost(value, 'GatewayHostName');
  return { gatewayHostName: value };
}

function checkHost(value: string, name: FieldName): void {
  const parsed = parseHostPort(value);
  if (typeof parsed === 'string') invalid(`field '${name}' is not host[:port]: ${parsed}`);
}

function checkId(value: string, name: FieldName): string {
  if (!ID_PATTERN.test(value)) {
    invalid(`field '${name}' must be 1 to 128 characters of A-Z a-z 0-9 - . % _ * ? ! ( ) , : = @ $ ' + #`);
  }
  return value;
}

function checkKey(value: string): string {
  const bytes = decodeBase64(value);
  if (bytes === undefined || bytes.length === 0) invalid("field 'SharedAccessKey' is not valid base64");
  return value;
}

function checkToken(value: string): string {
  try {
    parseSasToken(value);
  } catch (e) {
    invalid(`field 'SharedAccessSignature' is not a SAS token (${e instanceof Error ? e.message : String(e)})`);
  }
  return value;
}

function assertNever(x: never): never {
  throw new Error(`unexpected credential ${String(x)}`);
}

/** Throws CONNECTION_STRING_INVALID. */
export function invalid(rule: string): never {
  throw new VergeError('CONNECTION_STRING_INVALID', `invalid connection string: ${rule}`, { details: { rule } });
}
