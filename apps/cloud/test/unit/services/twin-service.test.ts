import { afterEach, describe, expect, it } from 'vitest';
import type { ClientIdentity } from '@verge/core';
import { expectVergeRejection } from '../../helpers/expect-error.js';
import { createTestCloud, type TestCloud } from '../../helpers/fixtures.js';

let cloud: TestCloud;
afterEach(() => cloud?.close());

async function setup(): Promise<{ c: TestCloud; patches: { id: ClientIdentity; patch: Record<string, unknown>; version: number }[] }> {
  cloud = createTestCloud();
  await cloud.services.devices.putDevice('d', { deviceId: 'd' }, undefined);
  await cloud.services.modules.putModule('d', 'm', { moduleId: 'm' }, undefined);
  const patches: { id: ClientIdentity; patch: Record<string, unknown>; version: number }[] = [];
  cloud.services.endpoint.onDesiredPatch((id, patch, version) => patches.push({ id, patch, version }));
  return { c: cloud, patches };
}

describe('twin service', () => {
  it('merge-patches tags and desired in one version step and pushes the desired patch', async () => {
    const { c, patches } = await setup();
    const before = await c.services.twins.getTwin({ deviceId: 'd' });
    const after = await c.services.twins.patchTwin({ deviceId: 'd' }, { tags: { site: 'a', env: 'prod' }, properties: { desired: { fan: { speed: 3 }, $version: 99 } } }, before.etag);
    expect(after).toMatchObject({ version: 2, tags: { site: 'a', env: 'prod' }, properties: { desired: { fan: { speed: 3 }, $version: 2 }, reported: { $version: 1 } } });
    expect(after.etag).not.toBe(before.etag);
    expect(patches).toEqual([{ id: { deviceId: 'd' }, patch: { fan: { speed: 3 }, $version: 2 }, version: 2 }]);
    const again = await c.services.twins.patchTwin({ deviceId: 'd' }, { tags: { env: null }, properties: { desired: { fan: { speed: null, mode: 'auto' } } } }, '*');
    expect(again).toMatchObject({ version: 3, tags: { site: 'a' }, properties: { desired: { fan: { mode: 'auto' }, $version: 3 } } });
    expect(patches[1]?.patch).toEqual({ fan: { speed: null, mode: 'auto' }, $version: 3 });
  });

  it('does not push anything for a tags-only patch', async () => {
    const { c, patches } = await setup();
    await c.services.twins.patchTwin({ deviceId: 'd' }, { tags: { a: 1 } }, undefined);
    expect(patches).toEqual([]);
    expect((await c.services.twins.getTwin({ deviceId: 'd' })).properties.desired.$version).toBe(1);
  });

  it('replaces desired and tags, pushing the difference (diffTwinSection)', async () => {
    const { c, patches } = await setup();
    await c.services.twins.patchTwin({ deviceId: 'd', moduleId: 'm' }, { tags: { t: 1 }, properties: { desired: { a: 1, b: { c: 2, d: 3 } } } }, undefined);
    const replaced = await c.services.twins.replaceTwin({ deviceId: 'd', moduleId: 'm' }, { properties: { desired: { b: { c: 2, d: 4 }, e: 5 } } }, undefined);
    expect(replaced).toMatchObject({ tags: {}, properties: { desired: { b: { c: 2, d: 4 }, e: 5, $version: 3 } } });
    expect(patches.map((p) => p.patch)).toEqual([
      { a: 1, b: { c: 2, d: 3 }, $version: 2 },
      { a: null, b: { d: 4 }, e: 5, $version: 3 },
    ]);
    expect(patches[1]?.id).toEqual({ deviceId: 'd', moduleId: 'm' });
  });

  it('applies reported patches from the device and returns the new $version', async () => {
    const { c } = await setup();
    expect(await c.services.endpoint.patchReported({ deviceId: 'd' }, { fw: '1.0', net: { ip: '10.0.0.2' } })).toBe(2);
    expect(await c.services.endpoint.patchReported({ deviceId: 'd' }, { net: null })).toBe(3);
    expect(await c.services.endpoint.getTwinProperties({ deviceId: 'd' })).toEqual({ desired: { $version: 1 }, reported: { fw: '1.0', $version: 3 } });
    expect((await c.services.twins.getTwin({ deviceId: 'd' })).version).toBe(3);
  });

  it('refuses service writes to reported properties, stale etags and unknown identities', async () => {
    const { c } = await setup();
    await expectVergeRejection(c.services.twins.patchTwin({ deviceId: 'd' }, { properties: { reported: { x: 1 } } }, undefined), 'TWIN_PATCH_INVALID', 'properties.reported: reported properties are written by the device or module only, not through the service API');
    await expectVergeRejection(c.services.twins.patchTwin({ deviceId: 'd' }, { tags: {} }, '"AAAAAAAAAAk="'), 'CLD_ETAG_MISMATCH', /If-Match etag ""AAAAAAAAAAk="" does not match/);
    await expectVergeRejection(c.services.twins.getTwin({ deviceId: 'x' }), 'CLD_DEVICE_NOT_FOUND', "device 'x' is not registered");
    await expectVergeRejection(c.services.twins.getTwin({ deviceId: 'd', moduleId: 'x' }), 'CLD_MODULE_NOT_FOUND', "module 'x' is not registered on device 'd'");
    await expectVergeRejection(c.services.endpoint.getTwinProperties({ deviceId: 'x' }), 'CLD_DEVICE_NOT_FOUND', "device 'x' is not registered");
  });

  it.each([
    ['desired over 32 KB', { properties: { desired: { big: 'x'.repeat(4000), b2: 'x'.repeat(4000), b3: 'x'.repeat(4000), b4: 'x'.repeat(4000), b5: 'x'.repeat(4000), b6: 'x'.repeat(4000), b7: 'x'.repeat(4000), b8: 'x'.repeat(4000), b9: 'x'.repeat(4000) } } }, 'TWIN_TOO_LARGE', 'properties.desired: size 36019 bytes exceeds the limit of 32768 bytes'],
    ['tags over 8 KB', { tags: { a: 'x'.repeat(4000), b: 'x'.repeat(4000), c: 'x'.repeat(4000) } }, 'TWIN_TOO_LARGE', 'tags: size 12003 bytes exceeds the limit of 8192 bytes'],
    ['depth over 10', { tags: { a: { b: { c: { d: { e: { f: { g: { h: { i: { j: { k: { l: 1 } } } } } } } } } } } } }, 'TWIN_TOO_DEEP', 'tags.a.b.c.d.e.f.g.h.i.j.k: depth 11 exceeds the limit of 10'],
    ['key with a dot', { properties: { desired: { 'a.b': 1 } } }, 'TWIN_KEY_INVALID', 'properties.desired: key "a.b" must not contain "."'],
    ['desired not an object', { properties: { desired: 'x' as unknown as Record<string, unknown> } }, 'TWIN_PATCH_INVALID', 'properties.desired: must be a JSON object'],
  ] as const)('refuses %s with a clear message and changes nothing', async (_name, update, code, message) => {
    const { c, patches } = await setup();
    let caught: unknown;
    try {
      await c.services.twins.patchTwin({ deviceId: 'd' }, update, undefined);
    } catch (e) {
      caught = e;
    }
    expect((caught as { code?: string }).code).toBe(code);
    expect((caught as Error).message).toBe(message);
    expect((await c.services.twins.getTwin({ deviceId: 'd' })).version).toBe(1);
    expect(patches).toEqual([]);
  });
});
