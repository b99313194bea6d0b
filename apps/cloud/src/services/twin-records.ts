import { createTwin, twinEtag, type Twin, type ClientIdentity } from '@verge/core';
import type { TwinRecord } from '../store/records.js';

/** A fresh, empty twin for a new identity (version 1, desired and reported `$version` 1). */
export function newTwinRecord(id: ClientIdentity): TwinRecord {
  return withEtag(createTwin({ deviceId: id.deviceId, ...(id.moduleId === undefined ? {} : { moduleId: id.moduleId }) }));
}

/** A core twin with its etag filled in from its version. */
export function withEtag(twin: Twin): TwinRecord {
  return { ...twin, etag: twin.etag ?? twinEtag(twin.version) };
}

/** `deviceId` or `deviceId/moduleId`, for messages. */
export function describeIdentity(id: ClientIdentity): string {
  return id.moduleId === undefined ? `device '${id.deviceId}'` : `module '${id.deviceId}/${id.moduleId}'`;
}
