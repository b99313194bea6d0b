import { describe, expect, it } from 'vitest';
import { isVergeError } from '@verge/contracts';
import type { CloudStore } from '../../src/store/ports.js';
import { aDevice, aModule, aTwin, msg, nextTwin } from './cloud-store-records.js';
import { describeFleetStoreContract } from './fleet-store-contract.js';
import { describeTelemetryContract } from './telemetry-contract.js';

/** What a store implementation hands the contract suite for one test. */
export interface CloudStoreHarness {
  /** A fresh, empty store. */
  readonly store: CloudStore;
  /** Closes `store` and opens it again on the same data (a restart). */
  reopen?(): Promise<CloudStore>;
  /**
   * Opens a second store on the same data while the first stays open (another cloud instance, or what a crashed
   * process left behind: only committed data). The harness closes it in `dispose`.
   */
  openAnother?(): Promise<CloudStore>;
  /** Closes every store it opened (once) and removes the data. */
  dispose(): Promise<void>;
}

/** Opens a fresh harness per test. */
export type CloudStoreFactory = () => Promise<CloudStoreHarness>;

/** Runs `fn` against a fresh harness and always disposes it. */
export function withHarness(make: CloudStoreFactory, fn: (s: CloudStore, h: CloudStoreHarness) => Promise<void>): () => Promise<void> {
  return async () => {
    const h = await make();
    try {
      await fn(h.store, h);
    } finally {
      await h.dispose();
    }
  };
}

/** Expects `p` to reject with CLD_STORE_CONFLICT. */
export async function expectConflict(p: Promise<unknown>): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isVergeError(e, 'CLD_STORE_CONFLICT'), `expected CLD_STORE_CONFLICT, got ${String(e)}`).toBe(true);
}

/**
 * The behaviour every `CloudStore` implementation must show (aedes-persistence `abstract.js` style): the SQLite store
 * (test/contract/sqlite-store.contract.test.ts) and the PostgreSQL store (postgres-store.contract.test.ts) run it.
 */
export function describeCloudStoreContract(name: string, make: CloudStoreFactory): void {
  describe(`${name}: CloudStore contract`, () => {
    it('stores, lists and deletes devices with every field intact', withHarness(make, async (s) => {
      const edge = aDevice('edge', { isEdge: true, authentication: { type: 'certificateAuthority' } });
      const leaf = aDevice('leaf', { parentDeviceId: 'edge', authentication: { type: 'selfSigned', primaryThumbprint: 'A'.repeat(40), secondaryThumbprint: '' } });
      await s.devices.put(edge);
      await s.devices.put(leaf);
      expect(await s.devices.get('leaf')).toEqual(leaf);
      expect(await s.devices.get('edge')).toEqual(edge);
      expect((await s.devices.list()).map((d) => d.deviceId)).toEqual(['edge', 'leaf']);
      expect((await s.devices.list({ top: 1 })).map((d) => d.deviceId)).toEqual(['edge']);
      expect((await s.devices.children('edge')).map((d) => d.deviceId)).toEqual(['leaf']);
      expect(await s.devices.count()).toBe(2);
      await s.devices.put(aDevice('off', { status: 'disabled' }));
      expect(await s.devices.countByStatus()).toEqual({ enabled: 2, disabled: 1 });
      await s.devices.delete('off');
      expect(await s.devices.delete('leaf')).toBe(true);
      expect(await s.devices.delete('leaf')).toBe(false);
      expect(await s.devices.get('leaf')).toBeUndefined();
    }));

    it('updates connection state and activity without touching the etag', withHarness(make, async (s) => {
      await s.devices.put(aDevice('d'));
      await s.devices.setConnection('d', 'Connected', 50);
      await s.devices.touch('d', 60);
      expect(await s.devices.get('d')).toMatchObject({ connectionState: 'Connected', connectionStateUpdatedAtMs: 50, lastActivityAtMs: 60, etag: 'e1' });
      await s.modules.put(aModule('d', 'm'));
      await s.modules.setConnection('d', 'm', 'Connected', 70);
      expect(await s.modules.get('d', 'm')).toMatchObject({ connectionState: 'Connected', lastActivityAtMs: 70, etag: 'm1' });
      await s.modules.touch('d', 'm', 80);
      expect((await s.modules.get('d', 'm'))?.lastActivityAtMs).toBe(80);
    }));

    it('keeps modules and twins per device and removes them with the device', withHarness(make, async (s) => {
      await s.devices.put(aDevice('d'));
      await s.modules.put(aModule('d', 'b'));
      await s.modules.put(aModule('d', 'a', { managedBy: 'IotEdge' }));
      await s.twins.put(aTwin('d'));
      await s.twins.put(aTwin('d', 'a'));
      expect((await s.modules.list('d')).map((m) => m.moduleId)).toEqual(['a', 'b']);
      expect((await s.modules.get('d', 'a'))?.managedBy).toBe('IotEdge');
      expect((await s.twins.get({ deviceId: 'd' }))?.tags).toEqual({ site: 'a' });
      expect((await s.twins.get({ deviceId: 'd', moduleId: 'a' }))?.moduleId).toBe('a');
      expect((await s.twins.all({ modules: false })).map((t) => t.deviceId)).toEqual(['d']);
      expect((await s.twins.all({ modules: true })).map((t) => t.moduleId)).toEqual(['a']);
      expect(await s.modules.delete('d', 'b')).toBe(true);
      expect(await s.twins.delete({ deviceId: 'd', moduleId: 'a' })).toBe(true);
      await s.devices.delete('d');
      expect(await s.modules.list('d')).toEqual([]);
      expect(await s.twins.get({ deviceId: 'd' })).toBeUndefined();
    }));

    it('replacing a device keeps its modules, twins and queued messages', withHarness(make, async (s) => {
      await s.devices.put(aDevice('d'));
      await s.modules.put(aModule('d', 'm'));
      await s.twins.put(aTwin('d'));
      await s.c2d.enqueue({ id: 'x', deviceId: 'd', message: msg('x'), enqueuedAtMs: 1, expiresAtMs: 100 });
      await s.devices.put(aDevice('d', { etag: 'e2', status: 'disabled' }));
      await s.modules.put(aModule('d', 'm', { etag: 'm2' }));
      expect(await s.devices.get('d')).toMatchObject({ etag: 'e2', status: 'disabled' });
      expect((await s.modules.get('d', 'm'))?.etag).toBe('m2');
      expect(await s.twins.get({ deviceId: 'd' })).toBeDefined();
      expect(await s.c2d.countPending('d', 0)).toBe(1);
    }));

    it('writes a device, module or twin conditionally on its etag, or on its absence', withHarness(make, async (s) => {
      await s.devices.put(aDevice('d'), { ifAbsent: true });
      await expectConflict(s.devices.put(aDevice('d', { etag: 'x' }), { ifAbsent: true }));
      await expectConflict(s.devices.put(aDevice('d', { etag: 'e3' }), { ifEtag: 'stale' }));
      await expectConflict(s.devices.put(aDevice('nobody'), { ifEtag: 'e1' }));
      expect(await s.devices.get('nobody')).toBeUndefined();
      await s.devices.put(aDevice('d', { etag: 'e2' }), { ifEtag: 'e1' });
      expect((await s.devices.get('d'))?.etag).toBe('e2');

      await s.modules.put(aModule('d', 'm'), { ifAbsent: true });
      await expectConflict(s.modules.put(aModule('d', 'm', { etag: 'm9' }), { ifAbsent: true }));
      await expectConflict(s.modules.put(aModule('d', 'm', { etag: 'm9' }), { ifEtag: 'stale' }));
      await s.modules.put(aModule('d', 'm', { etag: 'm2' }), { ifEtag: 'm1' });
      expect((await s.modules.get('d', 'm'))?.etag).toBe('m2');

      const twin = aTwin('d');
      await s.twins.put(twin, { ifAbsent: true });
      await expectConflict(s.twins.put(twin, { ifAbsent: true }));
      const v2 = nextTwin(twin, 1);
      await s.twins.put(v2, { ifEtag: twin.etag });
      await expectConflict(s.twins.put(nextTwin(twin, 2), { ifEtag: twin.etag }));
      expect(await s.twins.get({ deviceId: 'd' })).toEqual(v2);
    }));

    it('queues C2D messages per device in order, hides expired ones and completes by id', withHarness(make, async (s) => {
      await s.devices.put(aDevice('d'));
      await s.c2d.enqueue({ id: 'x1', deviceId: 'd', message: msg('one'), enqueuedAtMs: 1, expiresAtMs: 100 });
      await s.c2d.enqueue({ id: 'x2', deviceId: 'd', message: msg('two'), enqueuedAtMs: 2, expiresAtMs: 200 });
      const pending = await s.c2d.pending('d', 50);
      expect(pending.map((m) => m.id)).toEqual(['x1', 'x2']);
      expect(new TextDecoder().decode(pending[0]?.message.body)).toBe('one');
      expect(pending[0]?.message.properties).toEqual({ k: 'v' });
      expect(await s.c2d.countPending('d', 150)).toBe(1);
      expect((await s.c2d.complete('d', 'x2'))?.id).toBe('x2');
      expect(await s.c2d.complete('d', 'x2')).toBeUndefined();
      expect(await s.c2d.purgeExpired(150)).toEqual([{ deviceId: 'd', systemProperties: msg('one').systemProperties }]);
      expect(await s.c2d.countPending('d', 0)).toBe(0);
      await s.c2d.enqueue({ id: 'x3', deviceId: 'd', message: msg('three'), enqueuedAtMs: 3, expiresAtMs: 300 });
      expect(await s.c2d.deleteAll('d')).toBe(1);
    }));

    it('keeps service-bound records (C2D feedback, file notifications) in order per queue until removed, and purges those added before a time', withHarness(make, async (s) => {
      const record = (id: string) => ({ originalMessageId: id, deviceId: 'd', deviceGenerationId: 'g', enqueuedTimeUtc: '2030-01-01T00:00:00.000Z', statusCode: 'Success' as const, description: 'Success' });
      await s.c2dFeedback.add([record('a'), record('b')], 10);
      await s.c2dFeedback.add([], 15);
      await s.c2dFeedback.add([record('c')], 20);
      const all = await s.c2dFeedback.oldest(10);
      expect(all.map((r) => r.record)).toEqual([record('a'), record('b'), record('c')]);
      expect((await s.c2dFeedback.oldest(2)).map((r) => r.record.originalMessageId)).toEqual(['a', 'b']);
      expect(await s.c2dFeedback.remove([all[1]?.seq ?? -1, 999_999])).toBe(1);
      expect(await s.c2dFeedback.purgeAddedBefore(20)).toBe(1);
      expect((await s.c2dFeedback.oldest(10)).map((r) => r.record.originalMessageId)).toEqual(['c']);
      // The file-notification queue is another queue on the same table: it sees, removes and purges only its own.
      const note = { deviceId: 'd', blobUri: 'https://h/c/d/f', blobName: 'd/f', lastUpdatedTime: 't', blobSizeInBytes: 1, enqueuedTimeUtc: 't' };
      await s.fileNotifications.add([note], 5);
      expect((await s.fileNotifications.oldest(10)).map((r) => r.record)).toEqual([note]);
      expect(await s.fileNotifications.remove((await s.c2dFeedback.oldest(10)).map((r) => r.seq))).toBe(0);
      expect(await s.c2dFeedback.purgeAddedBefore(100)).toBe(1);
      expect(await s.fileNotifications.oldest(10)).toHaveLength(1);
      expect(await s.fileNotifications.purgeAddedBefore(100)).toBe(1);
    }));

    it("persists sessions and deletes a device's and its modules' sessions together", withHarness(make, async (s) => {
      const state = { subscriptions: [{ filter: '$iothub/twin/res/#', qos: 0 as const }] };
      await s.sessions.save('d', state, 1);
      await s.sessions.save('d/m', state, 1);
      await s.sessions.save('d2', state, 1);
      await s.sessions.save('d_x', state, 1);
      expect(await s.sessions.load('d/m')).toEqual(state);
      expect(await s.sessions.deleteForDevice('d')).toBe(2);
      expect(await s.sessions.load('d')).toBeUndefined();
      expect(await s.sessions.load('d2')).toEqual(state);
      expect(await s.sessions.load('d_x')).toEqual(state);
      await s.sessions.save('d2', undefined, 2);
      expect(await s.sessions.load('d2')).toBeUndefined();
    }));

    it('keeps policies', withHarness(make, async (s) => {
      const owner = { name: 'owner', primaryKey: 'k1', secondaryKey: 'k2', rights: ['RegistryRead', 'ServiceConnect'] as const, createdAtMs: 5 };
      await s.policies.put({ ...owner, rights: [...owner.rights] });
      await s.policies.put({ name: 'a', primaryKey: 'x', secondaryKey: 'y', rights: [], createdAtMs: 1 });
      expect(await s.policies.get('owner')).toEqual(owner);
      expect((await s.policies.list()).map((p) => p.name)).toEqual(['a', 'owner']);
      expect(await s.policies.get('none')).toBeUndefined();
    }));

    describeTransactionContract(make);
    describeTelemetryContract(make);
    describeFleetStoreContract(make);

    it('keeps everything across close and reopen', withHarness(make, async (_s, h) => {
      if (h.reopen === undefined) return;
      await h.store.devices.put(aDevice('d'));
      await h.store.twins.put(aTwin('d'));
      const again = await h.reopen();
      expect((await again.devices.get('d'))?.deviceId).toBe('d');
      expect((await again.twins.get({ deviceId: 'd' }))?.tags).toEqual({ site: 'a' });
    }));
  });
}

function describeTransactionContract(make: CloudStoreFactory): void {
  it('commits a transaction whole', withHarness(make, async (s) => {
    const result = await s.transaction(async (tx) => {
      await tx.devices.put(aDevice('d'));
      await tx.twins.put(aTwin('d'));
      return (await tx.devices.get('d'))?.etag;
    });
    expect(result).toBe('e1');
    expect(await s.twins.get({ deviceId: 'd' })).toBeDefined();
  }));

  it('rolls a failed transaction back whole and passes its rejection on', withHarness(make, async (s) => {
    await expect(
      s.transaction(async (tx) => {
        await tx.devices.put(aDevice('d'));
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await s.devices.get('d')).toBeUndefined();
  }));

  it('rolls back what came before a conditional write that lost', withHarness(make, async (s) => {
    await s.devices.put(aDevice('d'));
    await expectConflict(
      s.transaction(async (tx) => {
        await tx.devices.put(aDevice('d2'));
        await tx.devices.put(aDevice('d', { etag: 'e9' }), { ifEtag: 'stale' });
      }),
    );
    expect(await s.devices.get('d2')).toBeUndefined();
    expect((await s.devices.get('d'))?.etag).toBe('e1');
  }));

  it('never lets a write from outside land in an open transaction', withHarness(make, async (s) => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let wrote!: () => void;
    const insideWrote = new Promise<void>((r) => (wrote = r));
    const tx = s.transaction(async (t) => {
      await t.devices.put(aDevice('inside'));
      wrote();
      await held;
      throw new Error('abort');
    });
    await insideWrote;
    const outside = s.devices.put(aDevice('outside'));
    release();
    await expect(tx).rejects.toThrow('abort');
    await outside;
    expect(await s.devices.get('outside')).toBeDefined();
    expect(await s.devices.get('inside')).toBeUndefined();
  }));

  it('runs transactions that overlap in time one after the other, each whole', withHarness(make, async (s) => {
    // Every write gives a new etag (e<n> for value n), as the product's writes do: with the default etag e1 the first
    // bump wrote e1 again, and a transaction that read the first version could still win against it (ABA).
    await s.devices.put(aDevice('d', { statusUpdatedAtMs: 0, etag: 'e0' }));
    const bump = () =>
      s.transaction(async (tx) => {
        const d = await tx.devices.get('d');
        if (d === undefined) throw new Error('missing');
        await tx.devices.put({ ...d, statusUpdatedAtMs: d.statusUpdatedAtMs + 1, etag: `e${d.statusUpdatedAtMs + 1}` }, { ifEtag: d.etag });
      });
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, bump));
    const won = outcomes.filter((o) => o.status === 'fulfilled').length;
    for (const o of outcomes) if (o.status === 'rejected') expect(isVergeError(o.reason, 'CLD_STORE_CONFLICT')).toBe(true);
    expect((await s.devices.get('d'))?.statusUpdatedAtMs).toBe(won);
  }));
}
