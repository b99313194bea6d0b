import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { VergeError } from '@verge/contracts';
import { deriveModuleKey } from '@verge/core';

// "Fail loudly" at start (issue #7): a wrong key, a device that is not an IoT Edge device or a wrong --cloud-ca would
// otherwise let the runtime print "started" and retry forever. One authenticated call to the cloud before anything
// starts tells these apart from a cloud that is merely unreachable (the runtime then starts offline, as before).

/** How the start-up check ended when it did not throw. */
export type CloudCheckResult = { readonly kind: 'verified' } | { readonly kind: 'unreachable'; readonly reason: string };

/** What {@link checkCloudCredentials} needs. */
export interface CloudCheckOptions {
  /** The cloud's service API, e.g. `https://hub.example:8443`. */
  readonly baseUrl: string;
  readonly deviceId: string;
  /** The edge device's own SAS token (`sr={HostName}/devices/{edge}`). */
  readonly authorization: string;
  /**
   * The key the token is signed with (the connection string's). The cloud derives module keys from the device's
   * primary key (docs/edge-cloud.md), so the runtime needs that one; given, the check compares what `$edgeAgent`'s
   * derived key would be with the one the cloud lists.
   */
  readonly deviceKey?: string | undefined;
  /** `--cloud-ca` (PEM); the system CAs without it. */
  readonly ca?: string | undefined;
  /** The `--cloud-ca` file, to name it in the message. */
  readonly caFile?: string | undefined;
  readonly timeoutMs: number;
}

const API_VERSION = '2021-04-12';
// Enough for the module list of any deployment (a module is well under 1 KiB); what is longer is not parsed.
const MAX_BODY_CHARS = 1024 * 1024;
// Codes of a TLS handshake that reached the cloud but whose certificate did not verify (OpenSSL and Node names).
const TLS_FAILURE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS_CERT_ALTNAME/;

/**
 * `GET /devices/{edge}/modules` with the edge device's own token: an IoT Edge device may list its module identities
 * (the agent does so on every deployment). 2xx → verified, unless `deviceKey` is not the device's primary key
 * (EDGE_CLOUD_CREDENTIALS_REJECTED saying so); 401/403 → EDGE_CLOUD_CREDENTIALS_REJECTED with the cloud's own
 * reason; a certificate that does not verify → EDGE_CLOUD_TLS_UNTRUSTED; no answer, a timeout or a 5xx →
 * `unreachable` (start offline). Both errors are one line naming the setting to fix and never echo the key.
 */
export async function checkCloudCredentials(o: CloudCheckOptions): Promise<CloudCheckResult> {
  const url = new URL(`/devices/${encodeURIComponent(o.deviceId)}/modules?api-version=${API_VERSION}`, o.baseUrl);
  let answer: { status: number; body: string };
  try {
    answer = await get(url, o);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const code = err.code ?? '';
    if (TLS_FAILURE.test(code)) {
      const trust = o.caFile === undefined ? 'the system CAs (no --cloud-ca given)' : `--cloud-ca ${o.caFile}`;
      throw new VergeError('EDGE_CLOUD_TLS_UNTRUSTED', `the cloud at ${url.origin} presented a certificate that does not verify against ${trust}: ${err.message} (${code})`, { cause: e });
    }
    return { kind: 'unreachable', reason: `${url.origin}: ${err.message}${code === '' ? '' : ` (${code})`}` };
  }
  if (answer.status === 401 || answer.status === 403) {
    throw new VergeError(
      'EDGE_CLOUD_CREDENTIALS_REJECTED',
      `the cloud at ${url.origin} refused the credentials of edge device '${o.deviceId}' (${answer.status}${reasonOf(answer.body)}); fix the connection string (verge edge config apply --config FILE)`,
      { details: { status: answer.status } },
    );
  }
  if (answer.status >= 500) return { kind: 'unreachable', reason: `${url.origin} answered ${answer.status}` };
  if (o.deviceKey !== undefined && !isPrimaryKey(o.deviceKey, answer.body)) {
    throw new VergeError(
      'EDGE_CLOUD_CREDENTIALS_REJECTED',
      `the connection string of edge device '${o.deviceId}' holds a key the cloud accepts that is not the device's primary key (the secondary key, or a key replaced since): the keys of its modules derive from the primary key, so the runtime needs the primary key's connection string (verge device connection-string ${o.deviceId}; then verge edge config apply --config FILE)`,
      { details: { status: answer.status } },
    );
  }
  return { kind: 'verified' };
}

/**
 * False when the cloud lists `$edgeAgent` with a primary key other than the one derived from `deviceKey` (the cloud
 * derives it from the device's primary key); true otherwise, also when the answer names no such module.
 */
function isPrimaryKey(deviceKey: string, body: string): boolean {
  let modules: unknown;
  try {
    modules = JSON.parse(body);
  } catch {
    return true;
  }
  if (!Array.isArray(modules)) return true;
  const agent = (modules as { moduleId?: unknown; generationId?: unknown; authentication?: { symmetricKey?: { primaryKey?: unknown } } }[]).find((m) => m?.moduleId === '$edgeAgent');
  const listed = agent?.authentication?.symmetricKey?.primaryKey;
  if (typeof listed !== 'string' || listed === '' || typeof agent?.generationId !== 'string') return true;
  return deriveModuleKey(deviceKey, '$edgeAgent', agent.generationId, 'primary') === listed;
}

function get(url: URL, o: CloudCheckOptions): Promise<{ status: number; body: string }> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    // agent: false: no keep-alive socket outlives the check (it would hold the process open at shutdown).
    const req = request(
      url,
      {
        method: 'GET',
        agent: false,
        headers: { authorization: o.authorization, accept: 'application/json' },
        timeout: o.timeoutMs,
        ...(url.protocol === 'https:' && o.ca !== undefined ? { ca: o.ca } : {}),
      },
      (res: IncomingMessage) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < MAX_BODY_CHARS) body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${o.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  });
}

/** `: CODE: message` from the cloud's JSON error body, on one line; empty when it has none. */
function reasonOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { code?: unknown; message?: unknown };
    const code = typeof parsed.code === 'string' ? parsed.code : undefined;
    const message = typeof parsed.message === 'string' ? parsed.message.replace(/\s+/g, ' ').slice(0, 300) : undefined;
    if (code === undefined && message === undefined) return '';
    return `: ${[code, message].filter((x) => x !== undefined).join(': ')}`;
  } catch {
    return '';
  }
}
