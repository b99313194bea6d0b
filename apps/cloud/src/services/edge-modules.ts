import { EDGE_SYSTEM_MODULE_IDS, IOT_EDGE_MANAGED_BY } from '@verge/contracts';
import { deriveModuleKey, generateSymmetricKey, type ClientIdentity } from '@verge/core';
import type { MqttAuthentication } from '@verge/iothub-mqtt';
import type { CloudStoreRepos } from '../store/ports.js';
import type { DeviceRecord, ModuleRecord } from '../store/records.js';
import type { ServiceContext } from './context.js';
import { newEtag, newGenerationId } from './identity-values.js';
import { newTwinRecord } from './twin-records.js';

// Module identities of IoT Edge devices (docs/edge-cloud.md "Identities and keys"). The runtime holds only the
// device connection string, so module keys are derived from the device's keys (reference azure-iot-edge.md §11.4):
// both from the device primary key (the one key the runtime holds), over "{moduleId}:{generationId}:{primary|secondary}".

/** Bytes of a generated key (when the device has no symmetric keys to derive from). */
const GENERATED_KEY_BYTES = 32;

/** An identity event to publish once the transaction that caused it has committed. */
export interface IdentityEvent {
  readonly id: ClientIdentity;
  readonly change: 'updated' | 'deleted';
}

/** True for `$edgeAgent` and `$edgeHub`. */
export function isSystemModuleId(moduleId: string): boolean {
  return (EDGE_SYSTEM_MODULE_IDS as readonly string[]).includes(moduleId);
}

/**
 * The keys a module of `device` must have: derived from the device's symmetric keys, or undefined when the device
 * has none (X.509 devices; their modules get generated keys, the runtime reads them from the device scope).
 */
export function derivedModuleAuthentication(device: DeviceRecord, moduleId: string, generationId: string): Extract<MqttAuthentication, { type: 'sas' }> | undefined {
  const auth = device.authentication;
  if (auth.type !== 'sas') return undefined;
  return {
    type: 'sas',
    primaryKey: deriveModuleKey(auth.primaryKey, moduleId, generationId, 'primary'),
    secondaryKey: deriveModuleKey(auth.primaryKey, moduleId, generationId, 'secondary'),
  };
}

/** True when both keys of `module` are the ones derived from `device`'s keys. */
export function hasDerivedKeys(device: DeviceRecord, module: ModuleRecord): boolean {
  const derived = derivedModuleAuthentication(device, module.moduleId, module.generationId);
  const a = module.authentication;
  return derived !== undefined && a.type === 'sas' && a.primaryKey === derived.primaryKey && a.secondaryKey === derived.secondaryKey;
}

/**
 * Creates a module identity managed by the edge runtime (`managedBy: iotEdge`) with derived keys (generated when the
 * device has no symmetric keys) and its empty twin. The caller has checked that it does not exist yet.
 */
export async function createEdgeModule(ctx: ServiceContext, tx: CloudStoreRepos, device: DeviceRecord, moduleId: string): Promise<ModuleRecord> {
  const generationId = newGenerationId(ctx.clock, ctx.random);
  const record: ModuleRecord = {
    deviceId: device.deviceId,
    moduleId,
    generationId,
    etag: newEtag(ctx.random),
    managedBy: IOT_EDGE_MANAGED_BY,
    authentication: derivedModuleAuthentication(device, moduleId, generationId) ?? generatedKeys(ctx),
    connectionState: 'Disconnected',
    connectionStateUpdatedAtMs: null,
    lastActivityAtMs: null,
    createdAtMs: ctx.clock.nowMs(),
  };
  await tx.modules.put(record, { ifAbsent: true });
  await tx.twins.put(newTwinRecord({ deviceId: device.deviceId, moduleId }));
  return record;
}

/**
 * Brings the modules of a device in line with its new registry record, inside the caller's transaction, and
 * returns the events to publish after it commits:
 * - an edge device has `$edgeAgent` and `$edgeHub` (created when missing; managedBy `iotEdge`, derived keys);
 * - when the device's keys changed, every module whose keys were derived from the old keys (the system modules,
 *   and modules created by the runtime or by a deployment) gets keys derived from the new ones, so the runtime,
 *   which signs with the new device key, keeps working; modules with keys of their own keep them;
 * - a device that stops being an edge device loses its system modules (their twins and sessions too).
 */
export async function syncEdgeModules(ctx: ServiceContext, tx: CloudStoreRepos, previous: DeviceRecord | undefined, next: DeviceRecord): Promise<IdentityEvent[]> {
  if (!next.isEdge) return previous?.isEdge === true ? deleteSystemModules(ctx, tx, next.deviceId) : [];
  const events: IdentityEvent[] = [];
  for (const moduleId of EDGE_SYSTEM_MODULE_IDS) {
    if ((await tx.modules.get(next.deviceId, moduleId)) === undefined) await createEdgeModule(ctx, tx, next, moduleId);
  }
  for (const module of await tx.modules.list(next.deviceId)) {
    const rederive = isSystemModuleId(module.moduleId) || (previous !== undefined && hasDerivedKeys(previous, module));
    const derived = rederive ? derivedModuleAuthentication(next, module.moduleId, module.generationId) : undefined;
    const managedBy = isSystemModuleId(module.moduleId) ? IOT_EDGE_MANAGED_BY : module.managedBy;
    const authentication = derived ?? module.authentication;
    if (sameAuthentication(authentication, module.authentication) && managedBy === module.managedBy) continue;
    await tx.modules.put({ ...module, managedBy, authentication, etag: newEtag(ctx.random) }, { ifEtag: module.etag });
    events.push({ id: { deviceId: module.deviceId, moduleId: module.moduleId }, change: 'updated' });
  }
  return events;
}

async function deleteSystemModules(ctx: ServiceContext, tx: CloudStoreRepos, deviceId: string): Promise<IdentityEvent[]> {
  const events: IdentityEvent[] = [];
  for (const moduleId of EDGE_SYSTEM_MODULE_IDS) {
    if (!(await tx.modules.delete(deviceId, moduleId))) continue;
    await tx.twins.delete({ deviceId, moduleId });
    await tx.sessions.save(`${deviceId}/${moduleId}`, undefined, ctx.clock.nowMs());
    events.push({ id: { deviceId, moduleId }, change: 'deleted' });
  }
  return events;
}

function generatedKeys(ctx: ServiceContext): MqttAuthentication {
  return {
    type: 'sas',
    primaryKey: generateSymmetricKey(ctx.random.bytes(GENERATED_KEY_BYTES)),
    secondaryKey: generateSymmetricKey(ctx.random.bytes(GENERATED_KEY_BYTES)),
  };
}

function sameAuthentication(a: MqttAuthentication, b: MqttAuthentication): boolean {
  switch (a.type) {
    case 'sas':
      return b.type === 'sas' && a.primaryKey === b.primaryKey && a.secondaryKey === b.secondaryKey;
    case 'selfSigned':
      return b.type === 'selfSigned' && a.primaryThumbprint === b.primaryThumbprint && a.secondaryThumbprint === b.secondaryThumbprint;
    case 'certificateAuthority':
      return b.type === 'certificateAuthority';
    default:
      return assertNever(a);
  }
}

function assertNever(x: never): never {
  throw new Error(`unexpected authentication ${JSON.stringify(x)}`);
}
