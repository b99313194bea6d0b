import { EDGE_AGENT_TWIN } from '@verge/contracts';
import { replaceDesired, twinEtag, type ClientIdentity, type DevicePlanStep, type JsonObject } from '@verge/core';
import type { EventBus } from '../../events/event-bus.js';
import type { CloudStoreRepos } from '../../store/ports.js';
import type { DeviceRecord, TwinRecord } from '../../store/records.js';
import type { ServiceContext } from '../context.js';
import { createEdgeModule } from '../edge-modules.js';
import { newTwinRecord, withEtag } from '../twin-records.js';

/** A desired patch to push to a module once the transaction that wrote it has committed. */
export interface DesiredChange {
  readonly id: ClientIdentity;
  readonly patch: JsonObject;
  readonly version: number;
}

/** What writing one device plan did; publish it with `publishPlanWrites` after the commit. */
export interface PlanWrites {
  readonly deviceId: string;
  /** Module identities created. */
  readonly created: readonly string[];
  /** Module twins whose desired properties were replaced. */
  readonly updated: readonly string[];
  readonly desiredChanges: readonly DesiredChange[];
  /** Every module twin written (desired or `configurations`). */
  readonly twinsWritten: readonly string[];
}

/**
 * The one place that writes module twins from a device plan (`planDeviceWrites`): deployment evaluation and
 * "apply on edge device" both come here. Runs the steps in order inside the caller's transaction: creates the
 * missing module identities (`createEdgeModule`), replaces desired properties, sets the `$edgeAgent`
 * `configurations` statuses; every twin is written once, conditional on the etag of `twins` (the module twins
 * the plan was computed from, by module id), so a concurrent change rolls the transaction back
 * (CLD_STORE_CONFLICT: re-read, re-plan, retry). Throws a TWIN_* VergeError when merged content breaks a twin
 * limit (nothing of the transaction is kept then).
 */
export async function writeDevicePlan(
  ctx: ServiceContext,
  tx: CloudStoreRepos,
  device: DeviceRecord,
  steps: readonly DevicePlanStep[],
  twins: ReadonlyMap<string, TwinRecord>,
): Promise<PlanWrites> {
  const current = new Map(twins);
  const read = new Map<string, string | undefined>();
  const created: string[] = [];
  const updated: string[] = [];
  const desiredChanges: DesiredChange[] = [];
  const touch = (moduleId: string, next: TwinRecord) => {
    if (!read.has(moduleId)) read.set(moduleId, current.get(moduleId)?.etag);
    current.set(moduleId, next);
  };
  for (const step of steps) {
    switch (step.action) {
      case 'createModule':
        await createEdgeModule(ctx, tx, device, step.moduleId);
        current.set(step.moduleId, newTwinRecord({ deviceId: device.deviceId, moduleId: step.moduleId }));
        created.push(step.moduleId);
        break;
      case 'replaceDesired': {
        const next = withEtag(replaceDesired(twinOf(current, device, step.moduleId), step.desired));
        touch(step.moduleId, next);
        updated.push(step.moduleId);
        desiredChanges.push({ id: { deviceId: device.deviceId, moduleId: step.moduleId }, patch: step.patch, version: next.properties.desired.$version });
        break;
      }
      case 'setStatuses':
        touch(EDGE_AGENT_TWIN, withStatuses(twinOf(current, device, EDGE_AGENT_TWIN), step.statuses));
        break;
      default:
        assertNever(step);
    }
  }
  for (const [moduleId, etag] of read) {
    const next = current.get(moduleId) as TwinRecord;
    await tx.twins.put(next, etag === undefined ? { ifAbsent: true } : { ifEtag: etag });
  }
  return { deviceId: device.deviceId, created, updated, desiredChanges, twinsWritten: [...read.keys()] };
}

/**
 * After the commit: the device endpoint pushes each desired patch to its module when connected
 * (azure-sdk-protocol.md §0), and `twinChanged` tells metrics and rollout gates (on every instance).
 */
export function publishPlanWrites(bus: EventBus, writes: PlanWrites): void {
  for (const c of writes.desiredChanges) bus.publish('desiredPatched', { id: c.id, patch: { ...c.patch, $version: c.version }, version: c.version });
  for (const moduleId of writes.twinsWritten) {
    bus.publish('twinChanged', { id: { deviceId: writes.deviceId, moduleId }, tags: false, desired: writes.updated.includes(moduleId), reported: false });
  }
}

function twinOf(twins: ReadonlyMap<string, TwinRecord>, device: DeviceRecord, moduleId: string): TwinRecord {
  const twin = twins.get(moduleId);
  if (twin === undefined) throw new Error(`twin of module '${device.deviceId}/${moduleId}' is missing although the plan expects it`);
  return twin;
}

/** `configurations` replaced (removed when empty); a twin version step, so a concurrent writer sees a new etag. */
function withStatuses(twin: TwinRecord, statuses: Extract<DevicePlanStep, { action: 'setStatuses' }>['statuses']): TwinRecord {
  const { configurations: _previous, ...rest } = twin;
  const version = twin.version + 1;
  return { ...rest, ...(Object.keys(statuses).length === 0 ? {} : { configurations: statuses }), version, etag: twinEtag(version) };
}

function assertNever(x: never): never {
  throw new Error(`unexpected plan step ${JSON.stringify(x)}`);
}
