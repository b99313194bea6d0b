import { VergeError } from '@verge/contracts';
import { createSasToken, deviceResource, encodeUriComponentStrict, moduleResource } from '@verge/core';
import type { ResolvedOptions } from './options.js';

/** A SAS token and when it expires. */
export interface IssuedToken {
  readonly token: string;
  /** `se`, Unix seconds. */
  readonly expirySec: number;
}

/** The MQTT client id: `{deviceId}` or `{deviceId}/{moduleId}` (azure-sdk-protocol.md §2). */
export function clientIdOf(o: Pick<ResolvedOptions, 'deviceId' | 'moduleId'>): string {
  return o.moduleId === undefined ? o.deviceId : `${o.deviceId}/${o.moduleId}`;
}

/**
 * The MQTT user name exactly as the Node SDK forms it (azure-sdk-protocol.md §2):
 * `{HostName}/{deviceId}[/{moduleId}]/?api-version=2021-04-12[&model-id=…]&DeviceClientType={encoded UA}`.
 */
export function usernameOf(o: Pick<ResolvedOptions, 'hubHostName' | 'deviceId' | 'moduleId' | 'clientType' | 'modelId'>): string {
  const model = o.modelId === undefined ? '' : `&model-id=${encodeURIComponent(o.modelId)}`;
  return `${o.hubHostName}/${clientIdOf(o)}/?api-version=2021-04-12${model}&DeviceClientType=${encodeURIComponent(o.clientType)}`;
}

/** The decoded token resource: `{HostName}/devices/{d}[/modules/{m}]` (hub host, never the gateway). */
export function resourceOf(o: Pick<ResolvedOptions, 'hubHostName' | 'deviceId' | 'moduleId'>): string {
  return o.moduleId === undefined ? deviceResource(o.hubHostName, o.deviceId) : moduleResource(o.hubHostName, o.deviceId, o.moduleId);
}

/**
 * Issues a token valid `tokenTtlSec` from now: signed locally with the key (`createSasToken`, as the SDK), or by
 * the signer callback over `{encoded sr}\n{se}` (the workload API's `/sign`, azure-sdk-protocol.md §7). A signer
 * failure or timeout throws VergeError SDK_SIGNING_FAILED.
 */
export async function issueToken(o: ResolvedOptions, signal: AbortSignal): Promise<IssuedToken> {
  const expirySec = Math.floor(o.nowMs() / 1000) + o.tokenTtlSec;
  const resource = resourceOf(o);
  const { credential } = o;
  if (credential.kind === 'sasKey') {
    return { token: createSasToken({ resource, key: credential.key, expirySec, ...(credential.keyName === undefined ? {} : { keyName: credential.keyName }) }), expirySec };
  }
  const sr = encodeUriComponentStrict(resource);
  const timeout = AbortSignal.timeout(o.connectTimeoutMs);
  const combined = AbortSignal.any([signal, timeout]);
  let digest: string;
  try {
    digest = await credential.sign(`${sr}\n${expirySec}`, combined);
  } catch (e) {
    const why = timeout.aborted ? `no answer within ${o.connectTimeoutMs} ms` : e instanceof Error ? e.message : String(e);
    throw new VergeError('SDK_SIGNING_FAILED', `the signer could not sign the SAS token for '${resource}': ${why}`, { cause: e });
  }
  if (typeof digest !== 'string' || digest === '') {
    throw new VergeError('SDK_SIGNING_FAILED', `the signer returned no digest for '${resource}'`);
  }
  return { token: `SharedAccessSignature sr=${sr}&sig=${encodeUriComponentStrict(digest)}&se=${expirySec}`, expirySec };
}
