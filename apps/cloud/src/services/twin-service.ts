import { VergeError, type TwinDto, type TwinUpdateDto } from '@verge/contracts';
import { diffTwinSection, jsonEqual, replaceDesired, replaceTags, twinEtag, updateDesired, updateReported, updateTags, type JsonObject, type ClientIdentity } from '@verge/core';
import { retryOnConflict } from '../store/ports.js';
import type { TwinRecord } from '../store/records.js';
import type { ServiceContext } from './context.js';
import { twinToDto } from './dto.js';
import { assertEtag, requireDevice, requireModule } from './identity-checks.js';
import { describeIdentity, withEtag } from './twin-records.js';
import type { TwinProperties } from './types.js';

/** Twin operations (IoT Hub `/twins/{id}` and `/twins/{id}/modules/{mid}`) and the device side of twins. */
export interface TwinService {
  getTwin(id: ClientIdentity): Promise<TwinDto>;
  /** Merge-patches `tags` and `properties.desired` (one version step); pushes the desired patch to the client. */
  patchTwin(id: ClientIdentity, update: TwinUpdateDto, ifMatch: string | undefined): Promise<TwinDto>;
  /** Replaces `tags` and `properties.desired`; pushes the difference of desired (diffTwinSection) to the client. */
  replaceTwin(id: ClientIdentity, update: TwinUpdateDto, ifMatch: string | undefined): Promise<TwinDto>;
  /** `{ desired, reported }` as the MQTT twin GET returns them. */
  getProperties(id: ClientIdentity): Promise<TwinProperties>;
  /** Applies a reported merge-patch from the device; returns the new reported `$version`. */
  patchReported(id: ClientIdentity, patch: unknown): Promise<number>;
}

/**
 * Builds the twin service. Every write is a read-modify-write conditional on the etag it read, retried while another
 * writer (another request, another cloud instance) got there first (`retryOnConflict`), so no update is lost; a
 * caller's own `If-Match` is checked against each fresh read (CLD_ETAG_MISMATCH, 412, once it no longer holds).
 */
export function createTwinService(ctx: ServiceContext): TwinService {
  const { store, bus } = ctx;

  const load = async (id: ClientIdentity): Promise<TwinRecord> => {
    if (id.moduleId === undefined) await requireDevice(store, id.deviceId);
    else await requireModule(store, id.deviceId, id.moduleId);
    const twin = await store.twins.get(id);
    if (twin === undefined) throw new Error(`twin of ${describeIdentity(id)} is missing although the identity exists`);
    return twin;
  };

  const toDto = async (twin: TwinRecord): Promise<TwinDto> => {
    const device = await requireDevice(store, twin.deviceId);
    const parent = device.parentDeviceId === null ? undefined : await store.devices.get(device.parentDeviceId);
    const module = twin.moduleId === undefined ? undefined : await store.modules.get(twin.deviceId, twin.moduleId);
    const c2dCount = twin.moduleId === undefined ? await store.c2d.countPending(twin.deviceId, ctx.clock.nowMs()) : 0;
    return twinToDto(twin, { device, parent, ...(module === undefined ? {} : { module }), c2dCount });
  };

  const write = async (
    id: ClientIdentity,
    ifMatch: string | undefined,
    change: (twin: TwinRecord) => { next: TwinRecord; desiredPatch?: JsonObject; tagsChanged: boolean },
  ): Promise<TwinDto> => {
    const { next, desiredPatch, tagsChanged } = await retryOnConflict(async () => {
      const twin = await load(id);
      assertEtag(ifMatch, twin.etag, `the twin of ${describeIdentity(id)}`);
      const result = change(twin);
      await store.twins.put(result.next, { ifEtag: twin.etag });
      return result;
    });
    const desiredChanged = desiredPatch !== undefined && Object.keys(desiredPatch).length > 0;
    if (desiredChanged) {
      const version = next.properties.desired.$version;
      bus.publish('desiredPatched', { id, patch: { ...desiredPatch, $version: version }, version });
    }
    // Deployment evaluation re-targets a device whose tags changed; metrics and rollout gates watch every change.
    if (desiredChanged || tagsChanged) bus.publish('twinChanged', { id, tags: tagsChanged, desired: desiredChanged, reported: false });
    return toDto(next);
  };

  return {
    getTwin: async (id) => toDto(await load(id)),
    patchTwin: (id, update, ifMatch) =>
      write(id, ifMatch, (twin) => {
        rejectReported(update);
        let next: TwinRecord = twin;
        if (update.tags !== undefined && update.tags !== null) next = withEtag(updateTags(next, update.tags));
        const desired = update.properties?.desired;
        let desiredPatch: JsonObject | undefined;
        if (desired !== undefined && desired !== null) {
          next = withEtag(updateDesired(next, desired));
          desiredPatch = withoutSystemKeys(desired);
        }
        const tagsChanged = update.tags !== undefined && update.tags !== null && Object.keys(update.tags).length > 0;
        return { next: oneVersionStep(twin, next), tagsChanged, ...(desiredPatch === undefined ? {} : { desiredPatch }) };
      }),
    replaceTwin: (id, update, ifMatch) =>
      write(id, ifMatch, (twin) => {
        rejectReported(update);
        const afterTags = withEtag(replaceTags(twin, update.tags ?? {}));
        const next = withEtag(replaceDesired(afterTags, update.properties?.desired ?? {}));
        const desiredPatch = diffTwinSection(twin.properties.desired, next.properties.desired);
        return { next: oneVersionStep(twin, next), desiredPatch, tagsChanged: !jsonEqual(twin.tags, next.tags) };
      }),
    getProperties: async (id) => {
      const twin = await load(id);
      return { desired: twin.properties.desired, reported: twin.properties.reported };
    },
    patchReported: async (id, patch) => {
      const next = await retryOnConflict(async () => {
        const twin = await load(id);
        const updated = withEtag(updateReported(twin, patch));
        await store.twins.put(updated, { ifEtag: twin.etag });
        return updated;
      });
      bus.publish('twinChanged', { id, tags: false, desired: false, reported: true });
      return next.properties.reported.$version;
    },
  };
}

/** One service update is one twin version step, however many sections it touched (as IoT Hub). */
function oneVersionStep(before: TwinRecord, after: TwinRecord): TwinRecord {
  if (after === before) return before;
  const version = before.version + 1;
  return { ...after, version, etag: twinEtag(version) };
}

function rejectReported(update: TwinUpdateDto): void {
  if (update.properties?.reported !== undefined) {
    throw new VergeError('TWIN_PATCH_INVALID', 'properties.reported: reported properties are written by the device or module only, not through the service API', {
      details: { path: 'properties.reported' },
    });
  }
}

// Called after updateDesired accepted `patch`, so it is a JSON object.
function withoutSystemKeys(patch: Record<string, unknown>): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(patch)) if (k !== '$version' && k !== '$metadata') out[k] = v as JsonObject[string];
  return out;
}
