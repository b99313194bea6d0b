import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { VergeError } from '@verge/contracts';
import { defaultApiUrl } from '@verge/api-client';
import { parseConnectionString } from '@verge/core';

/** The connection flags every client command accepts. */
export interface ConnectionFlags {
  readonly connectionString?: string;
  readonly data?: string;
  readonly api?: string;
  readonly ca?: string;
}

/** Where the service connection string came from (shown by error messages and tests). */
export type ConnectionSource = 'flag' | 'env' | 'data';

/** Everything a client command needs to reach the service API. */
export interface ResolvedConnection {
  readonly connectionString: string;
  readonly source: ConnectionSource;
  readonly apiUrl: string;
  /** PEM trust anchors for the API's TLS certificate; undefined means the system trust store. */
  readonly caPem?: string;
  readonly caPath?: string;
  /** The cloud's MQTT endpoint as its credentials name it (`mqtts://host:port`), when they were read. */
  readonly mqttUrl?: string;
}

/** The environment variables the CLI reads (only here: STYLE §2.1 keeps `process.env` in one module). */
export interface ConnectionEnv {
  readonly VERGE_CONNECTION_STRING?: string;
  readonly VERGE_API_URL?: string;
}

/** The cloud's data directory when `--data` is not given (`verge cloud start` uses the same default). */
export const defaultDataDir = './.verge/cloud';

/** Name of the credentials file the cloud writes in its data directory. */
export const credentialsFileName = 'credentials.json';

/** Reads a file as UTF-8 text; injected so tests can use an in-memory map. */
export type ReadText = (path: string) => Promise<string>;

/**
 * Resolves the connection: the service connection string from `--connection-string`, else `VERGE_CONNECTION_STRING`,
 * else `DIR/credentials.json` (`DIR` = `--data`, default `./.verge/cloud`, written by the cloud at start); the API
 * URL from `--api`, else `VERGE_API_URL`, else the credentials' `apiUrl` (when the string came from them), else
 * `https://{HostName}:8443`; the CA from `--ca`, else (only when the data directory is in play: the string came from
 * it or `--data` was given) the credentials' `caPath` (absolute as the cloud writes it; a relative one is relative to
 * `DIR`, the file's own directory; it must be readable) or `DIR/ca.pem` when present.
 */
export async function resolveConnection(flags: ConnectionFlags, env: ConnectionEnv, read: ReadText = readText): Promise<ResolvedConnection> {
  const dataDir = resolve(flags.data ?? defaultDataDir);
  const useDataDir = flags.data !== undefined;
  const fromFlagOrEnv = nonEmpty(flags.connectionString) ?? nonEmpty(env.VERGE_CONNECTION_STRING);
  const source: ConnectionSource = nonEmpty(flags.connectionString) !== undefined ? 'flag' : fromFlagOrEnv !== undefined ? 'env' : 'data';
  const credentials = fromFlagOrEnv === undefined ? await readCredentials(dataDir, read) : undefined;
  const connectionString = fromFlagOrEnv ?? credentials?.serviceConnectionString;
  if (connectionString === undefined) throw missingConnection(dataDir);
  const hostName = hostNameOf(connectionString, source);
  const apiUrl = nonEmpty(flags.api) ?? nonEmpty(env.VERGE_API_URL) ?? credentials?.apiUrl ?? defaultApiUrl(hostName);
  const ca = await resolveCa(flags, dataDir, source === 'data' || useDataDir, credentials?.caPath, read);
  return { connectionString, source, apiUrl, ...ca, ...(credentials?.mqttUrl === undefined ? {} : { mqttUrl: credentials.mqttUrl }) };
}

/** `resolveConnection` over the real environment and file system, with the CA checked before TLS uses it. */
export async function resolveConnectionFromProcess(flags: ConnectionFlags): Promise<ResolvedConnection> {
  const connection = await resolveConnection(flags, { VERGE_CONNECTION_STRING: process.env['VERGE_CONNECTION_STRING'], VERGE_API_URL: process.env['VERGE_API_URL'] });
  if (connection.caPem !== undefined) checkCaPem(connection.caPem, connection.caPath ?? 'the CA file', flags.ca !== undefined && flags.ca !== '');
  return connection;
}

/**
 * Node's TLS ignores a `ca` that holds no PEM certificate and then fails with SELF_SIGNED_CERT_IN_CHAIN, which
 * does not name the file: a file that is not a CA (a key, a JSON file, a DER certificate) is refused by name.
 */
function checkCaPem(pem: string, path: string, fromFlag: boolean): void {
  if (pem.includes('-----BEGIN CERTIFICATE-----')) return;
  throw new VergeError('CLI_FILE_UNREADABLE', `${fromFlag ? '--ca: ' : ''}${path} holds no PEM certificate (no '-----BEGIN CERTIFICATE-----' block)`);
}

/** The fields of the cloud's `DIR/credentials.json` the CLI uses (the cloud writes more; see apps/cloud credentials.ts). */
interface CloudCredentials {
  readonly serviceConnectionString: string;
  readonly caPath?: string;
  /** The API over TLS as the cloud listens (its real port, also when started with port 0). */
  readonly apiUrl?: string;
  /** The MQTT endpoint as the cloud listens (`mqtts://host:port`). */
  readonly mqttUrl?: string;
}

async function readCredentials(dataDir: string, read: ReadText): Promise<CloudCredentials | undefined> {
  const path = join(dataDir, credentialsFileName);
  let text: string;
  try {
    text = await read(path);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw new VergeError('CLI_FILE_UNREADABLE', `cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new VergeError('CLI_FILE_UNREADABLE', `${path} is not valid JSON: ${(e as Error).message}`);
  }
  const record = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  const cs = record['serviceConnectionString'];
  if (typeof cs !== 'string' || cs === '') {
    throw new VergeError('CLI_FILE_UNREADABLE', `${path}: field "serviceConnectionString" must be a non-empty string`);
  }
  const caPath = record['caPath'];
  const apiUrl = record['apiUrl'];
  const mqttUrl = record['mqttUrl'];
  return {
    serviceConnectionString: cs,
    ...(typeof caPath === 'string' && caPath !== '' ? { caPath: resolve(dataDir, caPath) } : {}),
    ...(typeof apiUrl === 'string' && apiUrl !== '' ? { apiUrl } : {}),
    ...(typeof mqttUrl === 'string' && mqttUrl !== '' ? { mqttUrl } : {}),
  };
}

async function resolveCa(
  flags: ConnectionFlags,
  dataDir: string,
  useDataDir: boolean,
  credentialsCaPath: string | undefined,
  read: ReadText,
): Promise<{ caPem?: string; caPath?: string }> {
  if (nonEmpty(flags.ca) !== undefined) {
    const caPath = resolve(flags.ca as string);
    try {
      return { caPem: await read(caPath), caPath };
    } catch (e) {
      throw new VergeError('CLI_FILE_UNREADABLE', `--ca: cannot read ${caPath}: ${(e as Error).message}`, { cause: e });
    }
  }
  if (!useDataDir) return {};
  if (credentialsCaPath !== undefined) {
    // Named by the cloud: a CA that cannot be read is an error, never a silent fall-back to the system trust store
    // (which would fail later with a TLS error that does not say why).
    try {
      return { caPem: await read(credentialsCaPath), caPath: credentialsCaPath };
    } catch (e) {
      const path = join(dataDir, credentialsFileName);
      throw new VergeError('CLI_FILE_UNREADABLE', `cannot read the cloud CA ${credentialsCaPath} (caPath in ${path}): ${(e as Error).message}`, { cause: e });
    }
  }
  const caPath = join(dataDir, 'ca.pem');
  try {
    return { caPem: await read(caPath), caPath };
  } catch (e) {
    if (isNotFound(e)) return {}; // no CA named anywhere: the system trust store (a cloud with a public certificate)
    throw new VergeError('CLI_FILE_UNREADABLE', `cannot read the cloud CA ${caPath}: ${(e as Error).message}`, { cause: e });
  }
}

function hostNameOf(connectionString: string, source: ConnectionSource): string {
  const where = { flag: '--connection-string', env: 'VERGE_CONNECTION_STRING', data: `the cloud's ${credentialsFileName}` }[source];
  let parsed: ReturnType<typeof parseConnectionString>;
  try {
    parsed = parseConnectionString(connectionString);
  } catch (e) {
    throw new VergeError('CLI_ARGUMENT_INVALID', `${where}: ${(e as Error).message}`, { cause: e });
  }
  if (parsed.kind !== 'service') {
    throw new VergeError('CLI_ARGUMENT_INVALID', `${where}: expected a service connection string (HostName=…;SharedAccessKeyName=…;SharedAccessKey=…), got a ${parsed.kind} connection string`);
  }
  return parsed.hostName;
}

function missingConnection(dataDir: string): VergeError {
  return new VergeError(
    'CLI_CONNECTION_MISSING',
    `no service connection string: pass --connection-string, set VERGE_CONNECTION_STRING, or point --data at a cloud data directory (${join(dataDir, credentialsFileName)} does not exist)`,
  );
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function isNotFound(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'ENOENT';
}

function readText(path: string): Promise<string> {
  return readFile(path, 'utf8');
}
