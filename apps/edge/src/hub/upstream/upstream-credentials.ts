import { clientIdOf } from '@verge/iothub-mqtt';
import { deriveModuleKey, type ClientIdentity } from '@verge/core';
import { servedHere } from '../auth/hub-authenticate.js';
import type { ScopeIdentity } from '../scope/scope-identity.js';
import type { UpstreamCredential } from './upstream-pool.js';

/** What the hub knows to act as an identity upstream. */
export interface UpstreamCredentialContext {
  readonly edgeDeviceId: string;
  readonly deviceKey: string;
  readonly resolveModule: (moduleId: string) => { readonly generationId: string } | undefined;
  readonly leaf: (deviceId: string) => ScopeIdentity | undefined;
}

/**
 * The credential the hub uses upstream for an identity (issue #4 architecture): a module of this device (and
 * `$edgeHub` itself) signs with its key derived from the device key and generation; a leaf with its own key from
 * the cached scope. The hub cannot act as an X.509 leaf (it does not hold the leaf's private key), as a disabled
 * leaf, or as anything outside this device's scope.
 */
export function upstreamCredentialFor(id: ClientIdentity, ctx: UpstreamCredentialContext): UpstreamCredential {
  if (id.moduleId !== undefined) {
    if (id.deviceId !== ctx.edgeDeviceId) return no(`module '${clientIdOf(id)}' belongs to another device`);
    const resolved = ctx.resolveModule(id.moduleId);
    if (resolved === undefined) return no(`module '${clientIdOf(id)}' is not deployed on this edge device`);
    const key = primaryKeyOf(ctx, id.moduleId, resolved.generationId);
    return { ok: true, credential: { kind: 'sasKey', key }, key };
  }
  const refusal = servedHere(id, ctx);
  if (refusal !== undefined) return no(refusal);
  const leaf = ctx.leaf(id.deviceId);
  if (leaf === undefined) return no(`device '${id.deviceId}' is not in the device scope of this edge device`);
  if (leaf.status !== 'enabled') return no(`device '${id.deviceId}' is disabled`);
  const auth = leaf.authentication;
  if (auth.type !== 'sas') return no(`device '${id.deviceId}' authenticates with X.509; the edge hub cannot act as it upstream (it does not hold the device's private key)`);
  const key = auth.primaryKey !== '' ? auth.primaryKey : auth.secondaryKey;
  if (key === '') return no(`device '${id.deviceId}' has no symmetric key in the device scope`);
  return { ok: true, credential: { kind: 'sasKey', key }, key };
}

// The last derived primary key per device key and module (an HMAC in pure JS: too costly for every send).
const derivedKeys = new WeakMap<UpstreamCredentialContext, Map<string, { readonly generationId: string; readonly key: string }>>();

function primaryKeyOf(ctx: UpstreamCredentialContext, moduleId: string, generationId: string): string {
  let perModule = derivedKeys.get(ctx);
  if (perModule === undefined) derivedKeys.set(ctx, (perModule = new Map()));
  const known = perModule.get(moduleId);
  if (known !== undefined && known.generationId === generationId) return known.key;
  const key = deriveModuleKey(ctx.deviceKey, moduleId, generationId, 'primary');
  perModule.set(moduleId, { generationId, key });
  return key;
}

function no(reason: string): UpstreamCredential {
  return { ok: false, reason };
}
