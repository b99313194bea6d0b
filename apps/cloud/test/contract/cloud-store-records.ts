import { createTwin, twinEtag } from '@verge/core';
import type { ConfigurationRecord, DeviceRecord, ModuleRecord, RolloutRecord, TwinRecord } from '../../src/store/records.js';

/** A device record with overridable fields. */
export function aDevice(deviceId: string, over: Partial<DeviceRecord> = {}): DeviceRecord {
  return {
    deviceId,
    generationId: '1',
    etag: 'e1',
    status: 'enabled',
    statusReason: null,
    statusUpdatedAtMs: 1,
    authentication: { type: 'sas', primaryKey: 'p', secondaryKey: 's' },
    isEdge: false,
    parentDeviceId: null,
    connectionState: 'Disconnected',
    connectionStateUpdatedAtMs: null,
    lastActivityAtMs: null,
    createdAtMs: 1,
    ...over,
  };
}

/** A module record with overridable fields. */
export function aModule(deviceId: string, moduleId: string, over: Partial<ModuleRecord> = {}): ModuleRecord {
  return {
    deviceId,
    moduleId,
    generationId: '2',
    etag: 'm1',
    managedBy: null,
    authentication: { type: 'sas', primaryKey: 'p', secondaryKey: 's' },
    connectionState: 'Disconnected',
    connectionStateUpdatedAtMs: null,
    lastActivityAtMs: null,
    createdAtMs: 1,
    ...over,
  };
}

/** A fresh twin (tags `{ site: 'a' }`, version 1). */
export function aTwin(deviceId: string, moduleId?: string): TwinRecord {
  const t = createTwin({ deviceId, ...(moduleId === undefined ? {} : { moduleId }), tags: { site: 'a' } });
  return { ...t, etag: twinEtag(t.version) };
}

/** The same twin one version on, with `tags.n = n`. */
export function nextTwin(t: TwinRecord, n: number): TwinRecord {
  const version = t.version + 1;
  return { ...t, version, etag: twinEtag(version), tags: { ...t.tags, n } };
}

/** A message whose `messageId` is `text` (and so is the body). */
export const msg = (text: string) => ({ body: new TextEncoder().encode(text), properties: { k: 'v' }, systemProperties: { messageId: text } });

/** The `messageId`s of stored messages, in order. */
export const ids = (rs: readonly { message: { systemProperties: Record<string, string> } }[]): (string | undefined)[] =>
  rs.map((r) => r.message.systemProperties['messageId']);

/** A deployment record (one module, a rollout policy) with overridable fields. */
export function aConfiguration(id: string, over: Partial<ConfigurationRecord> = {}): ConfigurationRecord {
  return {
    id,
    etag: 'c1',
    schemaVersion: '1.0',
    labels: { team: 'a' },
    content: {
      modulesContent: {
        $edgeAgent: { 'properties.desired': { schemaVersion: '1.1', modules: { sim: { type: 'docker', settings: { image: 'sim:1' } } } } },
        sim: { 'properties.desired.rate': 5 },
      },
    },
    targetCondition: "tags.site='a'",
    priority: 10,
    metricQueries: { ok: "SELECT deviceId FROM devices.modules WHERE moduleId = '$edgeAgent'" },
    layered: false,
    rollout: { waves: [{ percent: 10, successRate: 0.9, deadlineSeconds: 60 }], autoRollback: true },
    createdAtMs: 1,
    lastUpdatedAtMs: 2,
    ...over,
  };
}

/** A rollout record of deployment `configurationId`. */
export function aRollout(configurationId: string, over: Partial<RolloutRecord> = {}): RolloutRecord {
  return { configurationId, etag: 'r1', state: { status: 'running', wave: 0, waves: [{ admitted: ['d1'], startedAtMs: 5 }] }, updatedAtMs: 5, ...over };
}
