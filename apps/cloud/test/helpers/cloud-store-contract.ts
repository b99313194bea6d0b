import { describe, expect, it } from 'vitest';
import { createTwin, twinEtag } from '@verge/core';
import type { CloudStore } from '../../src/store/ports.js';
import type { DeviceRecord, ModuleRecord, TwinRecord } from '../../src/store/records.js';

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

function aTwin(deviceId: string, moduleId?: string): TwinRecord {
  const t = createTwin({ deviceId, ...(moduleId === undefined ? {} : { moduleId }), tags: { site: 'a' } });
  return { ...t, etag: twinEtag(t.version) };
}

const msg = (text: string) => ({ body: new TextEncoder().encode(text), properties: { k: 'v' }, systemProperties: { messageId: text } });

/**
 * The behaviour every `CloudStore` implementation must show (aedes-persistence `abstract.js` style): the SQLite
 * store runs it now, a PostgreSQL store will run the same suite.
 */
export function describeCloudStoreContract(name: string, make: () => { store: CloudStore; reopen?: () => CloudStore; dispose: () => void }): void {
  describe(`${name}: CloudStore contract`, () => {
    const withStore = (fn: (s: CloudStore, h: ReturnType<typeof make>) => void) => () => {
      const h = make();
      try {
        fn(h.store, h);
      } finally {
        h.dispose();
      }
    };

    it('stores, lists and deletes devices with every field intact', withStore((s) => {
      const edge = aDevice('edge', { isEdge: true, authentication: { type: 'certificateAuthority' } });
      const leaf = aDevice('leaf', { parentDeviceId: 'edge', authentication: { type: 'selfSigned', primaryThumbprint: 'A'.repeat(40), secondaryThumbprint: '' } });
      s.devices.put(edge);
      s.devices.put(leaf);
      expect(s.devices.get('leaf')).toEqual(leaf);
      expect(s.devices.get('edge')).toEqual(edge);
      expect(s.devices.list().map((d) => d.deviceId)).toEqual(['edge', 'leaf']);
      expect(s.devices.list({ top: 1 }).map((d) => d.deviceId)).toEqual(['edge']);
      expect(s.devices.children('edge').map((d) => d.deviceId)).toEqual(['leaf']);
      expect(s.devices.count()).toBe(2);
      s.devices.put(aDevice('off', { status: 'disabled' }));
      expect(s.devices.countByStatus()).toEqual({ enabled: 2, disabled: 1 });
      s.devices.delete('off');
      expect(s.devices.delete('leaf')).toBe(true);
      expect(s.devices.delete('leaf')).toBe(false);
      expect(s.devices.get('leaf')).toBeUndefined();
    }));

    it('updates connection state and activity without touching the etag', withStore((s) => {
      s.devices.put(aDevice('d'));
      s.devices.setConnection('d', 'Connected', 50);
      s.devices.touch('d', 60);
      expect(s.devices.get('d')).toMatchObject({ connectionState: 'Connected', connectionStateUpdatedAtMs: 50, lastActivityAtMs: 60, etag: 'e1' });
      s.modules.put(aModule('d', 'm'));
      s.modules.setConnection('d', 'm', 'Connected', 70);
      expect(s.modules.get('d', 'm')).toMatchObject({ connectionState: 'Connected', lastActivityAtMs: 70, etag: 'm1' });
    }));

    it('keeps modules and twins per device and removes them with the device', withStore((s) => {
      s.devices.put(aDevice('d'));
      s.modules.put(aModule('d', 'b'));
      s.modules.put(aModule('d', 'a', { managedBy: 'IotEdge' }));
      s.twins.put(aTwin('d'));
      s.twins.put(aTwin('d', 'a'));
      expect(s.modules.list('d').map((m) => m.moduleId)).toEqual(['a', 'b']);
      expect(s.modules.get('d', 'a')?.managedBy).toBe('IotEdge');
      expect(s.twins.get({ deviceId: 'd' })?.tags).toEqual({ site: 'a' });
      expect(s.twins.get({ deviceId: 'd', moduleId: 'a' })?.moduleId).toBe('a');
      expect(s.twins.all({ modules: false }).map((t) => t.deviceId)).toEqual(['d']);
      expect(s.twins.all({ modules: true }).map((t) => t.moduleId)).toEqual(['a']);
      s.devices.delete('d');
      expect(s.modules.list('d')).toEqual([]);
      expect(s.twins.get({ deviceId: 'd' })).toBeUndefined();
    }));

    it('replacing a device keeps its modules, twins and queued messages', withStore((s) => {
      s.devices.put(aDevice('d'));
      s.modules.put(aModule('d', 'm'));
      s.twins.put(aTwin('d'));
      s.c2d.enqueue({ id: 'x', deviceId: 'd', message: msg('x'), enqueuedAtMs: 1, expiresAtMs: 100 });
      s.devices.put(aDevice('d', { etag: 'e2', status: 'disabled' }));
      s.modules.put(aModule('d', 'm', { etag: 'm2' }));
      expect(s.devices.get('d')).toMatchObject({ etag: 'e2', status: 'disabled' });
      expect(s.modules.get('d', 'm')?.etag).toBe('m2');
      expect(s.twins.get({ deviceId: 'd' })).toBeDefined();
      expect(s.c2d.countPending('d', 0)).toBe(1);
    }));

    it('queues C2D messages per device in order, hides expired ones and completes by id', withStore((s) => {
      s.devices.put(aDevice('d'));
      s.c2d.enqueue({ id: 'x1', deviceId: 'd', message: msg('one'), enqueuedAtMs: 1, expiresAtMs: 100 });
      s.c2d.enqueue({ id: 'x2', deviceId: 'd', message: msg('two'), enqueuedAtMs: 2, expiresAtMs: 200 });
      expect(s.c2d.pending('d', 50).map((m) => m.id)).toEqual(['x1', 'x2']);
      expect(new TextDecoder().decode(s.c2d.pending('d', 50)[0]?.message.body)).toBe('one');
      expect(s.c2d.pending('d', 50)[0]?.message.properties).toEqual({ k: 'v' });
      expect(s.c2d.countPending('d', 150)).toBe(1);
      expect(s.c2d.complete('d', 'x2')).toBe(true);
      expect(s.c2d.complete('d', 'x2')).toBe(false);
      expect(s.c2d.purgeExpired(150)).toBe(1);
      expect(s.c2d.countPending('d', 0)).toBe(0);
    }));

    it('appends telemetry with increasing sequence numbers and reads by filter', withStore((s) => {
      const a = s.telemetry.append({ deviceId: 'd1', enqueuedAtMs: 1, message: msg('a') });
      const b = s.telemetry.append({ deviceId: 'd1', moduleId: 'm', enqueuedAtMs: 2, message: msg('b') });
      const c = s.telemetry.append({ deviceId: 'd2', enqueuedAtMs: 3, message: msg('c') });
      expect([a.sequenceNumber < b.sequenceNumber, b.sequenceNumber < c.sequenceNumber]).toEqual([true, true]);
      const ids = (rs: { message: { systemProperties: Record<string, string> } }[]) => rs.map((r) => r.message.systemProperties['messageId']);
      expect(ids(s.telemetry.recent({}, 10))).toEqual(['a', 'b', 'c']);
      expect(ids(s.telemetry.recent({}, 2))).toEqual(['b', 'c']);
      expect(ids(s.telemetry.recent({ deviceId: 'd1' }, 10))).toEqual(['a', 'b']);
      expect(ids(s.telemetry.recent({ deviceId: 'd1', moduleId: 'm' }, 10))).toEqual(['b']);
      expect(ids(s.telemetry.recent({ moduleId: 'm' }, 10))).toEqual(['b']);
      expect(ids(s.telemetry.recent({}, 10, c.sequenceNumber))).toEqual(['a', 'b']);
      expect(ids(s.telemetry.after({}, a.sequenceNumber, 10))).toEqual(['b', 'c']);
      expect(s.telemetry.stats()).toMatchObject({ count: 3, lastSequence: c.sequenceNumber });
    }));

    it('prunes telemetry by count, bytes and age, oldest first', withStore((s) => {
      for (let i = 0; i < 10; i++) s.telemetry.append({ deviceId: 'd', enqueuedAtMs: i * 1000, message: msg(`m${i}`) });
      const size = s.telemetry.stats().bytes / 10;
      expect(s.telemetry.prune({ maxCount: 8, maxBytes: 1e9, olderThanMs: 0 })).toBe(2);
      expect(s.telemetry.recent({}, 100)[0]?.message.systemProperties['messageId']).toBe('m2');
      expect(s.telemetry.prune({ maxCount: 100, maxBytes: size * 5, olderThanMs: 0 })).toBe(3);
      expect(s.telemetry.stats()).toMatchObject({ count: 5, bytes: size * 5 });
      expect(s.telemetry.prune({ maxCount: 100, maxBytes: 1e9, olderThanMs: 7000 })).toBe(2);
      expect(s.telemetry.recent({}, 100).map((r) => r.message.systemProperties['messageId'])).toEqual(['m7', 'm8', 'm9']);
    }));

    it('persists sessions and deletes a device\'s and its modules\' sessions together', withStore((s) => {
      const state = { subscriptions: [{ filter: '$iothub/twin/res/#', qos: 0 as const }] };
      s.sessions.save('d', state, 1);
      s.sessions.save('d/m', state, 1);
      s.sessions.save('d2', state, 1);
      expect(s.sessions.load('d/m')).toEqual(state);
      expect(s.sessions.deleteForDevice('d')).toBe(2);
      expect(s.sessions.load('d')).toBeUndefined();
      expect(s.sessions.load('d2')).toEqual(state);
      s.sessions.save('d2', undefined, 2);
      expect(s.sessions.load('d2')).toBeUndefined();
    }));

    it('rolls a failed transaction back whole', withStore((s) => {
      expect(() =>
        s.transaction(() => {
          s.devices.put(aDevice('d'));
          throw new Error('abort');
        }),
      ).toThrow('abort');
      expect(s.devices.get('d')).toBeUndefined();
    }));

    it('keeps everything across close and reopen, sequence numbers included', () => {
      const h = make();
      try {
        if (h.reopen === undefined) return;
        h.store.devices.put(aDevice('d'));
        h.store.policies.put({ name: 'owner', primaryKey: 'k1', secondaryKey: 'k2', rights: ['RegistryRead', 'ServiceConnect'], createdAtMs: 5 });
        const last = h.store.telemetry.append({ deviceId: 'd', enqueuedAtMs: 1, message: msg('x') });
        h.store.telemetry.prune({ maxCount: 0, maxBytes: 1e9, olderThanMs: 0 });
        h.store.close();
        const again = h.reopen();
        expect(again.devices.get('d')?.deviceId).toBe('d');
        expect(again.policies.get('owner')).toEqual({ name: 'owner', primaryKey: 'k1', secondaryKey: 'k2', rights: ['RegistryRead', 'ServiceConnect'], createdAtMs: 5 });
        expect(again.telemetry.stats()).toEqual({ count: 0, bytes: 0, lastSequence: last.sequenceNumber });
        expect(again.telemetry.append({ deviceId: 'd', enqueuedAtMs: 2, message: msg('y') }).sequenceNumber).toBe(last.sequenceNumber + 1);
        again.close();
      } finally {
        h.dispose();
      }
    });
  });
}
