import { afterEach, describe, expect, it } from 'vitest';
import { createTestCloud, type TestCloud } from '../../helpers/fixtures.js';

// Two cloud instances = two service stacks, each with its own store connection, on one database. (Registry writes
// run in async transactions; two SQLite connections in one process would block each other on the write lock, so
// registry races between instances are the PostgreSQL contract tests' part.)
const clouds: TestCloud[] = [];
afterEach(async () => {
  for (const c of clouds.splice(0).reverse()) await c.close();
});

function twoInstances(): [TestCloud, TestCloud] {
  const a = createTestCloud();
  const b = createTestCloud({ dir: a.dir });
  clouds.push(a, b);
  return [a, b];
}

describe('twin writes from two instances at once (optimistic concurrency)', () => {
  it('loses no update: every desired and reported patch of both instances survives, one version step each', async () => {
    const [a, b] = twoInstances();
    await a.services.devices.putDevice('d', { deviceId: 'd' }, undefined);
    const id = { deviceId: 'd' };
    const patches = 25;
    const desiredFrom = async (c: TestCloud, who: string): Promise<void> => {
      for (let i = 0; i < patches; i++) await c.services.twins.patchTwin(id, { properties: { desired: { [`${who}${i}`]: i } } }, undefined);
    };
    const reportedFrom = async (c: TestCloud): Promise<void> => {
      for (let i = 0; i < patches; i++) await c.services.endpoint.patchReported(id, { [`r${i}`]: i });
    };
    await Promise.all([desiredFrom(a, 'a'), desiredFrom(b, 'b'), reportedFrom(b)]);
    const twin = await b.services.twins.getTwin(id);
    const desired = twin.properties.desired as Record<string, unknown>;
    const reported = twin.properties.reported as Record<string, unknown>;
    for (let i = 0; i < patches; i++) {
      expect(desired[`a${i}`]).toBe(i);
      expect(desired[`b${i}`]).toBe(i);
      expect(reported[`r${i}`]).toBe(i);
    }
    expect(twin.version).toBe(1 + 3 * patches);
    expect(desired['$version']).toBe(1 + 2 * patches);
    expect(reported['$version']).toBe(1 + patches);
  });

  it("answers CLD_ETAG_MISMATCH to a caller whose If-Match went stale because of another instance's write", async () => {
    const [a, b] = twoInstances();
    await a.services.devices.putDevice('d', { deviceId: 'd' }, undefined);
    const read = await a.services.twins.getTwin({ deviceId: 'd' });
    await b.services.twins.patchTwin({ deviceId: 'd' }, { tags: { by: 'b' } }, undefined);
    await expect(a.services.twins.patchTwin({ deviceId: 'd' }, { tags: { by: 'a' } }, read.etag)).rejects.toMatchObject({ code: 'CLD_ETAG_MISMATCH' });
    expect((await a.services.twins.getTwin({ deviceId: 'd' })).tags).toEqual({ by: 'b' });
  });
});
