import { afterEach, describe, expect, it } from 'vitest';
import { expectVergeRejection } from '../../helpers/expect-error.js';
import { aKey, createTestCloud, type TestCloud } from '../../helpers/fixtures.js';

let cloud: TestCloud;
afterEach(() => cloud?.close());

// A plain device: its module keys are generated (an edge device's are derived: edge-identities.test.ts).
async function withDevice(): Promise<TestCloud> {
  cloud = createTestCloud();
  await cloud.services.devices.putDevice('d', { deviceId: 'd' }, undefined);
  return cloud;
}

describe('module registry', () => {
  it('creates a module with generated keys and an empty module twin', async () => {
    const c = await withDevice();
    const { module, created } = await c.services.modules.putModule('d', 'm$1', { moduleId: 'm$1', managedBy: 'IotEdge' }, undefined);
    expect(created).toBe(true);
    expect(module).toMatchObject({ deviceId: 'd', moduleId: 'm$1', managedBy: 'IotEdge', connectionState: 'Disconnected', cloudToDeviceMessageCount: 0 });
    expect(module.authentication.symmetricKey.primaryKey).toMatch(/=$/);
    expect(await c.services.twins.getTwin({ deviceId: 'd', moduleId: 'm$1' })).toMatchObject({ deviceId: 'd', moduleId: 'm$1', version: 1 });
    expect(await c.services.endpoint.getAuthRecord({ deviceId: 'd', moduleId: 'm$1' })).toMatchObject({ deviceId: 'd', moduleId: 'm$1', isEdge: false, status: 'enabled' });
  });

  it('replaces with If-Match, keeps keys and generation, and lists by id', async () => {
    const c = await withDevice();
    const m = (await c.services.modules.putModule('d', 'b', { moduleId: 'b', authentication: { symmetricKey: { primaryKey: aKey(3), secondaryKey: aKey(4) } } }, undefined)).module;
    await c.services.modules.putModule('d', 'a', { moduleId: 'a', deviceId: 'd' }, undefined);
    const replaced = (await c.services.modules.putModule('d', 'b', { moduleId: 'b', managedBy: 'me' }, m.etag)).module;
    expect(replaced).toMatchObject({ managedBy: 'me', generationId: m.generationId, authentication: { symmetricKey: { primaryKey: aKey(3), secondaryKey: aKey(4) } } });
    expect((await c.services.modules.listModules('d')).map((x) => x.moduleId)).toEqual(['a', 'b']);
  });

  it('refuses unknown devices, duplicates, stale etags and mismatched ids', async () => {
    const c = await withDevice();
    await expectVergeRejection(c.services.modules.putModule('nope', 'm', { moduleId: 'm' }, undefined), 'CLD_DEVICE_NOT_FOUND', "device 'nope' is not registered");
    const m = (await c.services.modules.putModule('d', 'm', { moduleId: 'm' }, undefined)).module;
    await expectVergeRejection(c.services.modules.putModule('d', 'm', { moduleId: 'm' }, undefined), 'CLD_MODULE_ALREADY_EXISTS', "module 'm' already exists on device 'd'; send If-Match: * (or its etag) to replace it");
    await expectVergeRejection(c.services.modules.putModule('d', 'm', { moduleId: 'm' }, 'x'), 'CLD_ETAG_MISMATCH', `If-Match etag "x" does not match the current etag "${m.etag}" of module 'd/m'`);
    await expectVergeRejection(c.services.modules.putModule('d', 'm', { moduleId: 'n' }, undefined), 'CLD_ID_MISMATCH', "moduleId 'n' in the body differs from 'm' in the path");
    await expectVergeRejection(c.services.modules.putModule('d', 'm', { moduleId: 'm', deviceId: 'e' }, '*'), 'CLD_ID_MISMATCH', "deviceId 'e' in the body differs from 'd' in the path");
    await expectVergeRejection(c.services.modules.putModule('d', 'x', { moduleId: 'x' }, '*'), 'CLD_MODULE_NOT_FOUND', "module 'x' is not registered on device 'd' (If-Match given, so nothing was created)");
    await expectVergeRejection(c.services.modules.getModule('d', 'x'), 'CLD_MODULE_NOT_FOUND', "module 'x' is not registered on device 'd'");
    await expectVergeRejection(c.services.modules.listModules('x'), 'CLD_DEVICE_NOT_FOUND', "device 'x' is not registered");
  });

  it('deletes a module with its twin and session; a module shares its device\'s status', async () => {
    const c = await withDevice();
    await c.services.modules.putModule('d', 'm', { moduleId: 'm' }, undefined);
    await c.services.devices.putDevice('d', { deviceId: 'd', capabilities: { iotEdge: true }, status: 'disabled' }, '*');
    expect((await c.services.endpoint.getAuthRecord({ deviceId: 'd', moduleId: 'm' }))?.status).toBe('disabled');
    c.services.endpoint.saveMqttSession?.('d/m', { subscriptions: [{ filter: '$iothub/methods/POST/#', qos: 0 }] });
    const changes: string[] = [];
    c.services.endpoint.onIdentityChanged?.((id, change) => changes.push(`${id.deviceId}/${id.moduleId ?? ''}:${change}`));
    await c.services.modules.deleteModule('d', 'm', '*');
    expect(changes).toEqual(['d/m:deleted']);
    expect(await c.services.endpoint.getAuthRecord({ deviceId: 'd', moduleId: 'm' })).toBeUndefined();
    expect(await c.store.twins.get({ deviceId: 'd', moduleId: 'm' })).toBeUndefined();
    expect(await c.store.sessions.load('d/m')).toBeUndefined();
  });
});
