import { base64 } from '@scure/base';
import { getOwn, isPlainObject, setOwn } from './json.js';
import { TWIN_SYSTEM_KEYS } from './limits.js';
import { applyMergePatch } from './merge-patch.js';
import { assertTwinPatch, assertTwinSection } from './validate.js';
import type { JsonObject, JsonValue, Twin, TwinCollection } from './types.js';

/** What createTwin needs; sections default to empty. */
export interface NewTwin {
  readonly deviceId: string;
  readonly moduleId?: string;
  readonly tags?: JsonObject;
  readonly desired?: JsonObject;
  readonly reported?: JsonObject;
}

/**
 * The etag IoT Hub shows for a twin version: the base64 of the version as an 8-byte big-endian integer
 * (version 1 → `AAAAAAAAAAE=`), so it changes with every update and is derived, not random.
 */
export function twinEtag(version: number): string {
  const bytes = new Uint8Array(8);
  let rest = Math.max(0, Math.floor(version));
  for (let i = 7; i >= 0; i--) {
    bytes[i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  return base64.encode(bytes);
}

/** A new twin at version 1 with desired and reported `$version` 1, as IoT Hub creates one. Validates the sections. */
export function createTwin(init: NewTwin): Twin {
  const tags = init.tags ?? {};
  assertTwinSection('tags', tags);
  assertTwinSection('desired', init.desired ?? {});
  assertTwinSection('reported', init.reported ?? {});
  const desired = section(withoutNulls(stripSystem(init.desired ?? {})), 1);
  const reported = section(withoutNulls(stripSystem(init.reported ?? {})), 1);
  const base = { deviceId: init.deviceId, ...(init.moduleId === undefined ? {} : { moduleId: init.moduleId }) };
  return { ...base, etag: twinEtag(1), version: 1, tags: withoutNulls(tags), properties: { desired, reported } };
}

/**
 * Applies a desired-properties merge patch: validates the patch (keys, values, depth), merges it, checks the
 * 32 KB limit on the result, and returns a new twin with desired `$version` and the twin version incremented.
 * A root `$version`/`$metadata` in the patch is ignored. Throws a VergeError (TWIN_*) and changes nothing when a
 * rule is broken. `$metadata` is not maintained and is dropped from the updated section.
 */
export function updateDesired(twin: Twin, patch: unknown): Twin {
  assertTwinPatch('desired', patch);
  const desired = section(applyMergePatch(stripSystem(twin.properties.desired), stripSystem(patch)), nextVersion(twin.properties.desired));
  assertTwinSection('desired', desired);
  return bump(twin, { properties: { desired, reported: twin.properties.reported } });
}

/** As updateDesired, for reported properties (a device or module reporting its state). */
export function updateReported(twin: Twin, patch: unknown): Twin {
  assertTwinPatch('reported', patch);
  const reported = section(applyMergePatch(stripSystem(twin.properties.reported), stripSystem(patch)), nextVersion(twin.properties.reported));
  assertTwinSection('reported', reported);
  return bump(twin, { properties: { desired: twin.properties.desired, reported } });
}

/**
 * Replaces the whole desired section (a deployment writing `properties.desired`, reference azure-iot-edge.md §1.1):
 * `null` members are dropped, `$version` is incremented. Use diffTwinSection(old, new) for the patch to send to the device.
 */
export function replaceDesired(twin: Twin, desired: unknown): Twin {
  assertTwinSection('desired', desired);
  const next = section(withoutNulls(stripSystem(desired)), nextVersion(twin.properties.desired));
  return bump(twin, { properties: { desired: next, reported: twin.properties.reported } });
}

/** Applies a merge patch to the tags (8 KB limit); tags have no `$version`, the twin version is incremented. */
export function updateTags(twin: Twin, patch: unknown): Twin {
  assertTwinPatch('tags', patch);
  const tags = applyMergePatch(twin.tags, patch) as JsonObject;
  assertTwinSection('tags', tags);
  return bump(twin, { tags });
}

/** Replaces the tags as a whole (`null` members dropped). */
export function replaceTags(twin: Twin, tags: unknown): Twin {
  assertTwinSection('tags', tags);
  return bump(twin, { tags: withoutNulls(tags) });
}

function bump(twin: Twin, change: Partial<Pick<Twin, 'tags' | 'properties'>>): Twin {
  const version = (Number.isSafeInteger(twin.version) ? twin.version : 0) + 1;
  return { ...twin, ...change, version, etag: twinEtag(version) };
}

function nextVersion(current: TwinCollection): number {
  const v = getOwn(current, '$version');
  return (typeof v === 'number' && Number.isSafeInteger(v) ? v : 0) + 1;
}

function section(value: JsonValue, version: number): TwinCollection {
  const out = { ...(isPlainObject(value) ? stripSystem(value) : {}) } as JsonObject;
  setOwn(out, '$version', version);
  return out as TwinCollection;
}

function stripSystem(value: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(value)) if (!TWIN_SYSTEM_KEYS.has(key)) setOwn(out, key, value[key]);
  return out;
}

function withoutNulls(value: JsonObject): JsonObject {
  return applyMergePatch({}, value) as JsonObject;
}
