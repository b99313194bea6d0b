import { describe, expect, it } from 'vitest';
import { aConfiguration, aDevice, aRollout, aTwin } from './cloud-store-records.js';
import { expectConflict, withHarness, type CloudStoreFactory } from './cloud-store-contract.js';

/** The deployment part of the store contract: configurations, rollouts with their snapshots, twin statuses. */
export function describeFleetStoreContract(make: CloudStoreFactory): void {
  describe('deployments and rollouts', () => {
    it('stores deployments with every field intact, lists them by id, replaces and deletes them', withHarness(make, async (s) => {
      const b = aConfiguration('b');
      const a = aConfiguration('a', { layered: true, rollout: null, labels: {}, metricQueries: {}, priority: -3 });
      await s.configurations.put(b);
      await s.configurations.put(a);
      expect(await s.configurations.get('b')).toEqual(b);
      expect(await s.configurations.get('a')).toEqual(a);
      expect(await s.configurations.get('none')).toBeUndefined();
      expect((await s.configurations.list()).map((c) => c.id)).toEqual(['a', 'b']);
      const b2 = { ...b, etag: 'c2', labels: { team: 'b' }, priority: 11, lastUpdatedAtMs: 9 };
      await s.configurations.put(b2);
      expect(await s.configurations.get('b')).toEqual(b2);
      expect(await s.configurations.delete('a')).toBe(true);
      expect(await s.configurations.delete('a')).toBe(false);
      expect((await s.configurations.list()).map((c) => c.id)).toEqual(['b']);
    }));

    it('writes a deployment conditionally on its etag, or on its absence', withHarness(make, async (s) => {
      await s.configurations.put(aConfiguration('c'), { ifAbsent: true });
      await expectConflict(s.configurations.put(aConfiguration('c', { etag: 'c9' }), { ifAbsent: true }));
      await expectConflict(s.configurations.put(aConfiguration('c', { etag: 'c9' }), { ifEtag: 'stale' }));
      await expectConflict(s.configurations.put(aConfiguration('nobody'), { ifEtag: 'c1' }));
      expect(await s.configurations.get('nobody')).toBeUndefined();
      expect((await s.configurations.get('c'))?.etag).toBe('c1');
      await s.configurations.put(aConfiguration('c', { etag: 'c2', priority: 20 }), { ifEtag: 'c1' });
      expect(await s.configurations.get('c')).toMatchObject({ etag: 'c2', priority: 20 });
    }));

    it('keeps rollout state per deployment, conditionally on its etag', withHarness(make, async (s) => {
      await s.configurations.put(aConfiguration('b'));
      await s.configurations.put(aConfiguration('a'));
      const rb = aRollout('b');
      await s.rollouts.put(rb, { ifAbsent: true });
      await s.rollouts.put(aRollout('a', { state: { status: 'paused' } }));
      expect(await s.rollouts.get('b')).toEqual(rb);
      expect(await s.rollouts.get('none')).toBeUndefined();
      expect((await s.rollouts.list()).map((r) => r.configurationId)).toEqual(['a', 'b']);
      await expectConflict(s.rollouts.put(aRollout('b', { etag: 'r9' }), { ifAbsent: true }));
      await expectConflict(s.rollouts.put(aRollout('b', { etag: 'r9' }), { ifEtag: 'stale' }));
      const rb2 = aRollout('b', { etag: 'r2', state: { status: 'halted', reason: 'failure rate 0.5 > 0.2' }, updatedAtMs: 9 });
      await s.rollouts.put(rb2, { ifEtag: 'r1' });
      expect(await s.rollouts.get('b')).toEqual(rb2);
      expect(await s.rollouts.delete('b')).toBe(true);
      expect(await s.rollouts.delete('b')).toBe(false);
      expect(await s.configurations.get('b')).toBeDefined();
    }));

    it('refuses rollout state or snapshots of a deployment that does not exist', withHarness(make, async (s) => {
      await expect(s.rollouts.put(aRollout('ghost'))).rejects.toThrow();
      await expect(s.rollouts.putSnapshots([{ configurationId: 'ghost', deviceId: 'd', desired: {} }])).rejects.toThrow();
      expect(await s.rollouts.get('ghost')).toBeUndefined();
    }));

    it('stores snapshots per deployment and device, replacing the same pair', withHarness(make, async (s) => {
      await s.configurations.put(aConfiguration('c'));
      await s.configurations.put(aConfiguration('other'));
      const desired = { $edgeAgent: { schemaVersion: '1.1', modules: {} }, sim: { rate: 1, list: [1, 2] } };
      await s.rollouts.putSnapshots([
        { configurationId: 'c', deviceId: 'd1', desired },
        { configurationId: 'c', deviceId: 'd2', desired: { sim: { rate: 2 } } },
        { configurationId: 'other', deviceId: 'd1', desired: { sim: { rate: 3 } } },
      ]);
      await s.rollouts.putSnapshots([]);
      expect(await s.rollouts.getSnapshot('c', 'd1')).toEqual({ configurationId: 'c', deviceId: 'd1', desired });
      await s.rollouts.putSnapshots([
        { configurationId: 'c', deviceId: 'd2', desired: { sim: { rate: 20 } } },
        { configurationId: 'c', deviceId: 'd2', desired: { sim: { rate: 21 } } },
      ]);
      expect((await s.rollouts.getSnapshot('c', 'd2'))?.desired).toEqual({ sim: { rate: 21 } });
      expect((await s.rollouts.getSnapshot('other', 'd1'))?.desired).toEqual({ sim: { rate: 3 } });
      expect(await s.rollouts.getSnapshot('c', 'd3')).toBeUndefined();
    }));

    it('deletes the rollout state and snapshots with the deployment, and keeps them when it is replaced', withHarness(make, async (s) => {
      await s.configurations.put(aConfiguration('c'));
      await s.configurations.put(aConfiguration('keep'));
      await s.rollouts.put(aRollout('c'));
      await s.rollouts.put(aRollout('keep'));
      await s.rollouts.putSnapshots([
        { configurationId: 'c', deviceId: 'd', desired: { sim: {} } },
        { configurationId: 'keep', deviceId: 'd', desired: { sim: {} } },
      ]);
      await s.configurations.put(aConfiguration('c', { etag: 'c2' }), { ifEtag: 'c1' });
      expect(await s.rollouts.get('c')).toBeDefined();
      expect(await s.rollouts.getSnapshot('c', 'd')).toBeDefined();
      expect(await s.configurations.delete('c')).toBe(true);
      expect(await s.rollouts.get('c')).toBeUndefined();
      expect(await s.rollouts.getSnapshot('c', 'd')).toBeUndefined();
      expect((await s.rollouts.list()).map((r) => r.configurationId)).toEqual(['keep']);
      expect(await s.rollouts.getSnapshot('keep', 'd')).toBeDefined();
    }));

    it("round-trips a twin's deployment statuses, and leaves them absent on twins without", withHarness(make, async (s) => {
      await s.devices.put(aDevice('d', { isEdge: true }));
      const plain = aTwin('d');
      const agent = { ...aTwin('d', '$edgeAgent'), configurations: { a: { status: 'Applied' as const }, b: { status: 'Targeted' as const } } };
      await s.twins.put(plain);
      await s.twins.put(agent);
      const storedPlain = await s.twins.get({ deviceId: 'd' });
      expect(storedPlain).toEqual(plain);
      expect(storedPlain !== undefined && 'configurations' in storedPlain).toBe(false);
      expect(await s.twins.get({ deviceId: 'd', moduleId: '$edgeAgent' })).toEqual(agent);
      expect((await s.twins.all({ modules: true }))[0]?.configurations).toEqual(agent.configurations);
      const { configurations: _dropped, ...cleared } = agent;
      await s.twins.put({ ...cleared, version: 2, etag: 'AAAAAAAAAAI=' }, { ifEtag: agent.etag });
      const stored = await s.twins.get({ deviceId: 'd', moduleId: '$edgeAgent' });
      expect(stored?.configurations).toBeUndefined();
      expect(stored?.version).toBe(2);
      await s.twins.put({ ...agent, configurations: {} });
      expect((await s.twins.get({ deviceId: 'd', moduleId: '$edgeAgent' }))?.configurations).toEqual({});
    }));

    it('binds deployments and rollouts to a transaction: a rolled-back one writes nothing', withHarness(make, async (s) => {
      await s.configurations.put(aConfiguration('kept'));
      await expect(
        s.transaction(async (tx) => {
          await tx.configurations.put(aConfiguration('c'));
          await tx.rollouts.put(aRollout('c'));
          await tx.rollouts.putSnapshots([{ configurationId: 'c', deviceId: 'd', desired: {} }]);
          await tx.configurations.put(aConfiguration('kept', { etag: 'c2' }), { ifEtag: 'c1' });
          expect((await tx.configurations.list()).map((c) => c.id)).toEqual(['c', 'kept']);
          expect(await tx.rollouts.get('c')).toBeDefined();
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect((await s.configurations.list()).map((c) => c.id)).toEqual(['kept']);
      expect((await s.configurations.get('kept'))?.etag).toBe('c1');
      expect(await s.rollouts.get('c')).toBeUndefined();
      expect(await s.rollouts.getSnapshot('c', 'd')).toBeUndefined();

      await s.transaction(async (tx) => {
        await tx.configurations.put(aConfiguration('c'), { ifAbsent: true });
        await tx.rollouts.put(aRollout('c'), { ifAbsent: true });
        await tx.rollouts.putSnapshots([{ configurationId: 'c', deviceId: 'd', desired: { m: { x: 1 } } }]);
      });
      expect(await s.rollouts.get('c')).toEqual(aRollout('c'));
      expect((await s.rollouts.getSnapshot('c', 'd'))?.desired).toEqual({ m: { x: 1 } });
    }));

    it('rolls back a transaction whose conditional deployment write lost', withHarness(make, async (s) => {
      await s.configurations.put(aConfiguration('c'));
      await expectConflict(
        s.transaction(async (tx) => {
          await tx.rollouts.put(aRollout('c'));
          await tx.configurations.put(aConfiguration('c', { etag: 'c3' }), { ifEtag: 'stale' });
        }),
      );
      expect(await s.rollouts.get('c')).toBeUndefined();
    }));

    it('keeps deployments, rollouts and snapshots across close and reopen', withHarness(make, async (_s, h) => {
      if (h.reopen === undefined) return;
      await h.store.configurations.put(aConfiguration('c'));
      await h.store.rollouts.put(aRollout('c'));
      await h.store.rollouts.putSnapshots([{ configurationId: 'c', deviceId: 'd', desired: { m: {} } }]);
      const again = await h.reopen();
      expect(await again.configurations.get('c')).toEqual(aConfiguration('c'));
      expect(await again.rollouts.get('c')).toEqual(aRollout('c'));
      expect(await again.rollouts.getSnapshot('c', 'd')).toBeDefined();
    }));
  });
}
