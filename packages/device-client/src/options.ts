import type { SecureContext } from 'node:tls';
import { VergeError } from '@verge/contracts';
import { IOT_HUB_MQTT_PORT, RECONNECT_BACKOFF } from '@verge/core';

/**
 * How the client proves its identity. `sasKey`: tokens signed locally with the identity's (or a policy's) key.
 * `signer`: tokens signed by a callback, e.g. the edge runtime's workload API (`/modules/{m}/genid/{g}/sign`):
 * it receives the exact string to sign (`{encoded sr}\n{se}`) and returns the base64 HMAC-SHA256 digest.
 */
export type DeviceClientCredential =
  | { readonly kind: 'sasKey'; readonly key: string; readonly keyName?: string }
  | { readonly kind: 'signer'; readonly sign: (stringToSign: string, signal: AbortSignal) => Promise<string> };

/** Exponential reconnect backoff: `min(initialDelayMs × 2^(attempt−1), maxDelayMs)` scaled by ±`jitter`. */
export interface ReconnectPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** Relative jitter in [0, 1). */
  readonly jitter: number;
}

/** Logging sink (pino-compatible subset); the client logs state changes at info, failures at warn. */
export interface DeviceClientLog {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Options of {@link createDeviceClient}. */
export interface DeviceClientOptions {
  /** IoT Hub host name (`HostName`): it goes into the MQTT user name and the token's resource, never the gateway. */
  readonly hubHostName: string;
  readonly deviceId: string;
  /** Set for a module identity (`{deviceId}/{moduleId}` client id). */
  readonly moduleId?: string;
  /** Host to dial: the hub, or a gateway (edge hub). Default `hubHostName`. */
  readonly host?: string;
  /** Default 8883. */
  readonly port?: number;
  /** Trust anchors (PEM); default Node's roots. */
  readonly ca?: string | readonly string[];
  /**
   * A TLS context to share between many clients (the fleet simulator: one context for thousands of connections
   * instead of parsing `ca` per connection); when set, `ca` is ignored.
   */
  readonly secureContext?: SecureContext;
  /** TLS SNI and the name the certificate is checked against; default `host` when it is not an IP address. */
  readonly servername?: string;
  readonly credential: DeviceClientCredential;
  /** `DeviceClientType` in the user name; default `verge-device-client/0.1.0`. */
  readonly clientType?: string;
  /** Optional `model-id` (IoT Plug and Play) placed right after `api-version`, as the SDK does. */
  readonly modelId?: string;
  /** MQTT keepalive; default 60 s. */
  readonly keepaliveSec?: number;
  /** SAS token lifetime; default 3600 s (the SDK's). */
  readonly tokenTtlSec?: number;
  /** Reconnect with a new token this long before it expires; default 900 s (the SDK's). */
  readonly tokenRenewalMarginSec?: number;
  /** Default 1 s .. 60 s, ±20 %. */
  readonly reconnect?: Partial<ReconnectPolicy>;
  /**
   * The backoff after the hub answered CONNECT with a refusal (CONNACK 1–5: a wrong key, an identity disabled or
   * gone, a server at its limits): it said no, so retrying sooner cannot help and only loads it. Default: `reconnect`.
   * A client with a fast `reconnect` (to be back within a second of an outage) sets this to the default 1 s .. 60 s.
   */
  readonly reconnectWhenRefused?: Partial<ReconnectPolicy>;
  /** Default timeout of twin requests (GET, reported patch); default 30 s. Offline time counts. */
  readonly requestTimeoutMs?: number;
  /** CONNECT → CONNACK timeout and signer timeout; default 30 s. */
  readonly connectTimeoutMs?: number;
  /** Largest event body accepted by `sendEvent`; default 256 KiB (IoT Hub's limit). */
  readonly maxMessageBytes?: number;
  readonly log?: DeviceClientLog;
  /** Clock for token expiry; default `Date.now`. */
  readonly nowMs?: () => number;
  /** Uniform [0, 1) source for backoff jitter; default `Math.random`. */
  readonly random?: () => number;
}

/** {@link DeviceClientOptions} with every default applied. */
export interface ResolvedOptions {
  readonly hubHostName: string;
  readonly deviceId: string;
  readonly moduleId: string | undefined;
  readonly host: string;
  readonly port: number;
  readonly ca: string | readonly string[] | undefined;
  readonly secureContext: SecureContext | undefined;
  readonly servername: string | undefined;
  readonly credential: DeviceClientCredential;
  readonly clientType: string;
  readonly modelId: string | undefined;
  readonly keepaliveSec: number;
  readonly tokenTtlSec: number;
  readonly tokenRenewalMarginSec: number;
  readonly reconnect: ReconnectPolicy;
  readonly reconnectWhenRefused: ReconnectPolicy;
  readonly requestTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly maxMessageBytes: number;
  readonly log: DeviceClientLog;
  readonly nowMs: () => number;
  readonly random: () => number;
}

const SILENT: DeviceClientLog = { debug: () => undefined, info: () => undefined, warn: () => undefined };

/** Version string of the client in `DeviceClientType`. */
export const DEVICE_CLIENT_TYPE = 'verge-device-client/0.1.0';

/** Applies defaults and checks every option; throws VergeError SDK_OPTIONS_INVALID naming the option. */
export function resolveOptions(o: DeviceClientOptions): ResolvedOptions {
  nonEmpty(o.hubHostName, 'hubHostName');
  nonEmpty(o.deviceId, 'deviceId');
  if (o.moduleId !== undefined) nonEmpty(o.moduleId, 'moduleId');
  const host = o.host ?? o.hubHostName;
  nonEmpty(host, 'host');
  const port = o.port ?? IOT_HUB_MQTT_PORT;
  integer(port, 'port', 1, 65_535);
  const keepaliveSec = o.keepaliveSec ?? 60;
  integer(keepaliveSec, 'keepaliveSec', 0, 65_535);
  const tokenTtlSec = o.tokenTtlSec ?? 3600;
  const tokenRenewalMarginSec = o.tokenRenewalMarginSec ?? 900;
  integer(tokenTtlSec, 'tokenTtlSec', 1, 365 * 86_400);
  integer(tokenRenewalMarginSec, 'tokenRenewalMarginSec', 0, tokenTtlSec - 1);
  const reconnect = reconnectPolicy('reconnect', o.reconnect);
  const reconnectWhenRefused = reconnectPolicy('reconnectWhenRefused', o.reconnectWhenRefused ?? o.reconnect);
  const requestTimeoutMs = o.requestTimeoutMs ?? 30_000;
  const connectTimeoutMs = o.connectTimeoutMs ?? 30_000;
  integer(requestTimeoutMs, 'requestTimeoutMs', 1, 86_400_000);
  integer(connectTimeoutMs, 'connectTimeoutMs', 1, 86_400_000);
  const maxMessageBytes = o.maxMessageBytes ?? 256 * 1024;
  integer(maxMessageBytes, 'maxMessageBytes', 1, 256 * 1024 * 1024);
  checkCredential(o.credential);
  return {
    hubHostName: o.hubHostName,
    deviceId: o.deviceId,
    moduleId: o.moduleId,
    host,
    port,
    ca: o.ca,
    secureContext: o.secureContext,
    servername: o.servername,
    credential: o.credential,
    clientType: o.clientType ?? DEVICE_CLIENT_TYPE,
    modelId: o.modelId,
    keepaliveSec,
    tokenTtlSec,
    tokenRenewalMarginSec,
    reconnect,
    reconnectWhenRefused,
    requestTimeoutMs,
    connectTimeoutMs,
    maxMessageBytes,
    log: o.log ?? SILENT,
    nowMs: o.nowMs ?? Date.now,
    random: o.random ?? Math.random,
  };
}

function checkCredential(credential: DeviceClientCredential | undefined): void {
  if (credential === undefined) invalid('credential is required: { kind: "sasKey", key } or { kind: "signer", sign }');
  if (credential.kind === 'sasKey') nonEmpty(credential.key, 'credential.key');
  else if (credential.kind === 'signer') {
    if (typeof credential.sign !== 'function') invalid('credential.sign must be a function');
  } else invalid(`credential.kind '${String((credential as { kind: unknown }).kind)}' must be "sasKey" or "signer"`);
}

function reconnectPolicy(name: string, given: Partial<ReconnectPolicy> | undefined): ReconnectPolicy {
  const policy = { initialDelayMs: RECONNECT_BACKOFF.baseMs, maxDelayMs: RECONNECT_BACKOFF.maxMs, jitter: RECONNECT_BACKOFF.jitter, ...given };
  integer(policy.initialDelayMs, `${name}.initialDelayMs`, 0, 86_400_000);
  integer(policy.maxDelayMs, `${name}.maxDelayMs`, policy.initialDelayMs, 86_400_000);
  if (!(policy.jitter >= 0 && policy.jitter < 1)) invalid(`${name}.jitter ${policy.jitter} must be in [0, 1)`);
  return policy;
}

function nonEmpty(value: string | undefined, name: string): void {
  if (typeof value !== 'string' || value === '') invalid(`${name} must be a non-empty string`);
}

function integer(value: number, name: string, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) invalid(`${name} ${String(value)} must be an integer from ${min} to ${max}`);
}

function invalid(message: string): never {
  throw new VergeError('SDK_OPTIONS_INVALID', message);
}
