import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import iothub from 'azure-iothub';
import { serviceClient, startTestCloud, type TestCloud } from '@verge/testkit/cloud';

// The service SDK azure-iothub (unmodified) against a real cloud over HTTPS.
//
// The SDK reaches the cloud's free HTTPS port through `serviceClient` (the test kit's `viaTestPort` explains how).

const { Registry, Client } = iothub;
let cloud: TestCloud;
let registry: InstanceType<typeof Registry>;

beforeAll(async () => {
  cloud = await startTestCloud();
  registry = serviceClient(Registry, cloud);
});
afterAll(async () => {
  await cloud?.stop();
});

describe('azure-iothub Registry against the cloud', () => {
  it('creates, gets, lists, updates and deletes devices', async () => {
    const created = await registry.create({ deviceId: 'sdk-dev-1' });
    expect(created.responseBody).toMatchObject({ deviceId: 'sdk-dev-1', status: 'enabled', authentication: { type: 'sas' } });
    expect(created.responseBody.authentication?.symmetricKey?.primaryKey).toMatch(/=$/);
    const got = (await registry.get('sdk-dev-1')).responseBody;
    expect(got.etag).toBe(created.responseBody.etag);
    await registry.create({ deviceId: 'sdk-edge-1', capabilities: { iotEdge: true } });
    const listed = (await registry.list()).responseBody.map((d) => d.deviceId);
    expect(listed).toEqual(expect.arrayContaining(['sdk-dev-1', 'sdk-edge-1']));
    got.status = 'disabled';
    const updated = (await registry.update(got)).responseBody;
    expect(updated).toMatchObject({ status: 'disabled', authentication: { symmetricKey: got.authentication?.symmetricKey } });
    await registry.delete('sdk-dev-1');
    await expect(registry.get('sdk-dev-1')).rejects.toMatchObject({ name: 'DeviceNotFoundError', message: "device 'sdk-dev-1' is not registered" });
  });

  it('reads the registry statistics', async () => {
    const stats = (await registry.getRegistryStatistics()).responseBody;
    const devices = (await registry.list()).responseBody;
    expect(stats).toEqual({
      totalDeviceCount: devices.length,
      enabledDeviceCount: devices.filter((d) => d.status === 'enabled').length,
      disabledDeviceCount: devices.filter((d) => d.status === 'disabled').length,
    });
  });

  it('maps our errors onto its error classes', async () => {
    await registry.create({ deviceId: 'sdk-dup' });
    await expect(registry.create({ deviceId: 'sdk-dup' })).rejects.toMatchObject({ name: 'DeviceAlreadyExistsError' });
    await expect(registry.create({ deviceId: 'sdk-bad', status: 'paused' as never })).rejects.toMatchObject({ name: 'ArgumentError' });
  });

  it('creates X.509 (self-signed thumbprint) and CA-authenticated devices', async () => {
    const thumb = 'A1'.repeat(20);
    const x = (await registry.create({ deviceId: 'sdk-x509', authentication: { x509Thumbprint: { primaryThumbprint: thumb, secondaryThumbprint: thumb } } })).responseBody;
    expect(x.authentication).toMatchObject({ type: 'selfSigned', x509Thumbprint: { primaryThumbprint: thumb, secondaryThumbprint: thumb } });
    const ca = (await registry.create({ deviceId: 'sdk-ca', authentication: { type: 'certificateAuthority' } as never })).responseBody;
    expect(ca.authentication?.type).toBe('certificateAuthority');
  });

  it('adds, gets, lists, updates and removes modules', async () => {
    await registry.create({ deviceId: 'sdk-mod-dev', capabilities: { iotEdge: true } });
    const added = (await registry.addModule({ deviceId: 'sdk-mod-dev', moduleId: 'mod-a' })).responseBody as { moduleId: string; etag: string };
    expect(added.moduleId).toBe('mod-a');
    const module = (await registry.getModule('sdk-mod-dev', 'mod-a')).responseBody;
    expect(module).toMatchObject({ deviceId: 'sdk-mod-dev', moduleId: 'mod-a', authentication: { type: 'sas' } });
    // An edge device has its system modules, as in IoT Hub (edge-cloud.test.ts).
    expect((await registry.getModulesOnDevice('sdk-mod-dev')).responseBody.map((m) => m.moduleId)).toEqual(['$edgeAgent', '$edgeHub', 'mod-a']);
    const updated = (await registry.updateModule({ ...module, managedBy: 'someone' })).responseBody as { managedBy: string };
    expect(updated.managedBy).toBe('someone');
    await registry.removeModule('sdk-mod-dev', 'mod-a');
    await expect(registry.getModule('sdk-mod-dev', 'mod-a')).rejects.toThrow();
  });

  it('gets and updates device and module twins through Twin (etag round trip)', async () => {
    await registry.create({ deviceId: 'sdk-twin' });
    const twin = (await registry.getTwin('sdk-twin')).responseBody;
    expect(twin).toMatchObject({ deviceId: 'sdk-twin', etag: 'AAAAAAAAAAE=', tags: {}, properties: { desired: { $version: 1 }, reported: { $version: 1 } } });
    const after = (await twin.update({ tags: { city: 'Oslo' }, properties: { desired: { interval: 10 } } })).result;
    expect(after).toMatchObject({ tags: { city: 'Oslo' }, properties: { desired: { interval: 10, $version: 2 } } });
    expect(twin.etag).toBe(after.etag);
    const again = (await twin.get()).result;
    expect(again.properties.desired).toMatchObject({ interval: 10 });
    const stale = (await registry.getTwin('sdk-twin')).responseBody;
    await twin.update({ tags: { floor: 2 } });
    await expect(stale.update({ tags: { floor: 3 } })).rejects.toMatchObject({ name: 'InvalidEtagError' });
    await registry.addModule({ deviceId: 'sdk-twin', moduleId: 'm1' });
    const moduleTwin = (await registry.getModuleTwin('sdk-twin', 'm1')).responseBody;
    const updatedModuleTwin = (await moduleTwin.update({ properties: { desired: { level: 'debug' } } })).result;
    expect(updatedModuleTwin).toMatchObject({ deviceId: 'sdk-twin', moduleId: 'm1', properties: { desired: { level: 'debug' } } });
  });

  it('pages a query with nextAsTwin (x-ms-max-item-count / x-ms-continuation)', async () => {
    for (let i = 0; i < 5; i++) {
      await registry.create({ deviceId: `sdk-q-${i}` });
      await registry.updateTwin(`sdk-q-${i}`, { tags: { fleet: 'q', n: i } }, '*');
    }
    const query = registry.createQuery("SELECT * FROM devices WHERE tags.fleet = 'q'", 2);
    const seen: string[] = [];
    const pageSizes: number[] = [];
    while (query.hasMoreResults) {
      const page = (await query.nextAsTwin()).result;
      pageSizes.push(page.length);
      for (const t of page) {
        expect(t.tags).toMatchObject({ fleet: 'q' });
        seen.push(t.deviceId);
      }
    }
    expect(pageSizes).toEqual([2, 2, 1]);
    expect(seen.sort()).toEqual(['sdk-q-0', 'sdk-q-1', 'sdk-q-2', 'sdk-q-3', 'sdk-q-4']);
    const count = await registry.createQuery("SELECT COUNT() AS n FROM devices WHERE tags.fleet = 'q'").next();
    expect(count.result).toEqual([{ n: 5 }]);
  });
});

describe('azure-iothub Client against the cloud', () => {
  it('invokeDeviceMethod: 404 DeviceNotOnline for a registered but offline device', async () => {
    await registry.create({ deviceId: 'sdk-offline' });
    const client = serviceClient(Client, cloud);
    await expect(client.invokeDeviceMethod('sdk-offline', { methodName: 'reboot', payload: {}, responseTimeoutInSeconds: 5 })).rejects.toMatchObject({
      message: 'Not found',
      responseBody: expect.stringContaining('ErrorCode:DeviceNotOnline'),
    });
    await expect(client.invokeDeviceMethod('sdk-unknown', { methodName: 'reboot' })).rejects.toMatchObject({ name: 'DeviceNotFoundError' });
  });
});
