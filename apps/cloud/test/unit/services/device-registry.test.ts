import { afterEach, describe, expect, it } from 'vitest';
import { expectVergeRejection } from '../../helpers/expect-error.js';
import { aKey, createTestCloud, type TestCloud } from '../../helpers/fixtures.js';

let cloud: TestCloud;
afterEach(() => cloud?.close());

describe('device registry', () => {
  it('creates a device with generated 32-byte SAS keys, an empty twin and IoT Hub fields', async () => {
    cloud = createTestCloud();
    const { device, created } = await cloud.services.devices.putDevice('d1', { deviceId: 'd1' }, undefined);
    expect(created).toBe(true);
    expect(device).toMatchObject({
      deviceId: 'd1',
      status: 'enabled',
      statusReason: null,
      connectionState: 'Disconnected',
      connectionStateUpdatedTime: '0001-01-01T00:00:00Z',
      lastActivityTime: '0001-01-01T00:00:00Z',
      statusUpdatedTime: '2030-01-01T00:00:00.000Z',
      cloudToDeviceMessageCount: 0,
      capabilities: { iotEdge: false },
      parentScopes: [],
      authentication: { type: 'sas', x509Thumbprint: { primaryThumbprint: null, secondaryThumbprint: null } },
    });
    expect(device.deviceScope).toBeUndefined();
    const keys = device.authentication.symmetricKey;
    expect(Buffer.from(keys.primaryKey ?? '', 'base64')).toHaveLength(32);
    expect(keys.primaryKey).not.toBe(keys.secondaryKey);
    expect(device.generationId).toMatch(/^\d{19}$/);
    expect(await cloud.services.twins.getTwin({ deviceId: 'd1' })).toMatchObject({ version: 1, tags: {}, properties: { desired: { $version: 1 }, reported: { $version: 1 } } });
  });

  it('accepts what azure-iothub sends: empty keys (generate), read-only fields and nulls ignored', async () => {
    cloud = createTestCloud();
    const { device } = await cloud.services.devices.putDevice(
      'd1',
      {
        deviceId: 'd1',
        generationId: null,
        etag: null,
        connectionState: 'disconnected',
        status: 'enabled',
        statusReason: null,
        lastActivityTime: null,
        cloudToDeviceMessageCount: '0',
        capabilities: {},
        authentication: { type: 'sas', symmetricKey: { primaryKey: '', secondaryKey: null }, x509Thumbprint: { primaryThumbprint: null, secondaryThumbprint: null } },
      },
      undefined,
    );
    expect(device.authentication.symmetricKey.primaryKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  it('keeps given keys, and keeps stored keys on replace when none are sent', async () => {
    cloud = createTestCloud();
    const created = await cloud.services.devices.putDevice('d1', { deviceId: 'd1', authentication: { symmetricKey: { primaryKey: aKey(1), secondaryKey: aKey(2) } } }, undefined);
    expect(created.device.authentication.symmetricKey).toEqual({ primaryKey: aKey(1), secondaryKey: aKey(2) });
    const replaced = await cloud.services.devices.putDevice('d1', { deviceId: 'd1', status: 'disabled', statusReason: 'maintenance' }, '*');
    expect(replaced.created).toBe(false);
    expect(replaced.device).toMatchObject({ status: 'disabled', statusReason: 'maintenance', generationId: created.device.generationId });
    expect(replaced.device.authentication.symmetricKey).toEqual({ primaryKey: aKey(1), secondaryKey: aKey(2) });
    expect(replaced.device.etag).not.toBe(created.device.etag);
  });

  it('stores X.509 thumbprints normalized to uppercase hex, and CA authentication without secrets', async () => {
    cloud = createTestCloud();
    const colon = 'ab:'.repeat(19) + 'ab';
    const { device } = await cloud.services.devices.putDevice(
      'x1',
      { deviceId: 'x1', authentication: { type: 'selfSigned', x509Thumbprint: { primaryThumbprint: colon, secondaryThumbprint: 'c'.repeat(64) } } },
      undefined,
    );
    expect(device.authentication).toEqual({
      type: 'selfSigned',
      symmetricKey: { primaryKey: null, secondaryKey: null },
      x509Thumbprint: { primaryThumbprint: 'AB'.repeat(20), secondaryThumbprint: 'C'.repeat(64) },
    });
    // azure-iothub infers selfSigned when thumbprints are given without a type.
    const inferred = await cloud.services.devices.putDevice('x2', { deviceId: 'x2', authentication: { x509Thumbprint: { primaryThumbprint: 'A'.repeat(40) } } }, undefined);
    expect(inferred.device.authentication.type).toBe('selfSigned');
    expect(inferred.device.authentication.x509Thumbprint.secondaryThumbprint).toBeNull();
    const ca = await cloud.services.devices.putDevice('x3', { deviceId: 'x3', authentication: { type: 'certificateAuthority' } }, undefined);
    expect(ca.device.authentication.type).toBe('certificateAuthority');
    expect((await cloud.services.endpoint.getAuthRecord({ deviceId: 'x1' }))?.authentication).toEqual({
      type: 'selfSigned',
      primaryThumbprint: 'AB'.repeat(20),
      secondaryThumbprint: 'C'.repeat(64),
    });
  });

  it.each([
    ['bad key', { deviceId: 'd', authentication: { symmetricKey: { primaryKey: 'short' } } }, 'CLD_AUTHENTICATION_INVALID', 'authentication.symmetricKey.primaryKey: must be base64 of 16 to 64 bytes'],
    ['missing thumbprint', { deviceId: 'd', authentication: { type: 'selfSigned' } }, 'CLD_AUTHENTICATION_INVALID', 'authentication.x509Thumbprint.primaryThumbprint: required for selfSigned authentication'],
    ['bad thumbprint', { deviceId: 'd', authentication: { type: 'selfSigned', x509Thumbprint: { primaryThumbprint: 'xyz' } } }, 'CLD_AUTHENTICATION_INVALID', 'authentication.x509Thumbprint.primaryThumbprint: must be 40 (SHA-1) or 64 (SHA-256) hex digits'],
    ['type none', { deviceId: 'd', authentication: { type: 'none' } }, 'CLD_AUTHENTICATION_INVALID', "authentication.type: authentication type 'none' is not supported; use sas, selfSigned or certificateAuthority"],
    ['id mismatch', { deviceId: 'other' }, 'CLD_ID_MISMATCH', "deviceId 'other' in the body differs from 'd' in the path"],
    ['unknown parent scope', { deviceId: 'd', deviceScope: 'ms-azure-iot-edge://nope-1' }, 'CLD_PARENT_INVALID', "deviceScope: 'ms-azure-iot-edge://nope-1' is not the scope of a registered IoT Edge device"],
    ['scope of no form', { deviceId: 'd', deviceScope: 'garbage' }, 'CLD_PARENT_INVALID', "deviceScope: 'garbage' is not the scope of a registered IoT Edge device"],
  ] as const)('refuses %s', async (_name, input, code, message) => {
    cloud = createTestCloud();
    await expectVergeRejection(cloud.services.devices.putDevice('d', input, undefined), code, message);
    expect(await cloud.store.devices.get('d')).toBeUndefined();
  });

  it.each(['', 'a/b', 'a b', 'é', 'x'.repeat(129)])('refuses the id %j', async (id) => {
    cloud = createTestCloud();
    await expectVergeRejection(cloud.services.devices.putDevice(id, { deviceId: id }, undefined), 'CLD_ID_INVALID', /^deviceId '.*' is invalid: ids are 1 to 128 characters/);
  });

  it.each(['.', '..'])('refuses the id %j, which no URL could address (bulk import could create it)', async (id) => {
    cloud = createTestCloud();
    const message = `deviceId '${id}' is invalid: '.' and '..' are resolved away in a URL path, so the identity could never be read or deleted`;
    await expectVergeRejection(cloud.services.devices.putDevice(id, { deviceId: id }, undefined), 'CLD_ID_INVALID', message);
    expect(await cloud.store.devices.get(id)).toBeUndefined();
  });

  it("accepts every character IoT Hub allows in ids: - : . + % _ # * ? ! ( ) , = @ ; $ '", async () => {
    cloud = createTestCloud();
    const id = "a-:.+%_#*?!(),=@;$'z";
    expect((await cloud.services.devices.putDevice(id, { deviceId: id }, undefined)).device.deviceId).toBe(id);
  });

  it('enforces create-vs-replace and etags (If-Match)', async () => {
    cloud = createTestCloud();
    const d = (await cloud.services.devices.putDevice('d', { deviceId: 'd' }, undefined)).device;
    await expectVergeRejection(cloud.services.devices.putDevice('d', { deviceId: 'd' }, undefined), 'CLD_DEVICE_ALREADY_EXISTS', "device 'd' already exists; send If-Match: * (or its etag) to replace it");
    await expectVergeRejection(cloud.services.devices.putDevice('nope', { deviceId: 'nope' }, '*'), 'CLD_DEVICE_NOT_FOUND', "device 'nope' is not registered (If-Match given, so nothing was created)");
    await expectVergeRejection(cloud.services.devices.putDevice('d', { deviceId: 'd' }, 'stale'), 'CLD_ETAG_MISMATCH', `If-Match etag "stale" does not match the current etag "${d.etag}" of device 'd'`);
    const next = (await cloud.services.devices.putDevice('d', { deviceId: 'd' }, d.etag)).device;
    await expectVergeRejection(cloud.services.devices.deleteDevice('d', d.etag), 'CLD_ETAG_MISMATCH', /does not match the current etag/);
    await cloud.services.devices.deleteDevice('d', next.etag);
    await expectVergeRejection(cloud.services.devices.getDevice('d'), 'CLD_DEVICE_NOT_FOUND', "device 'd' is not registered");
  });

  it('gives a re-created device a new generation id', async () => {
    cloud = createTestCloud();
    const first = (await cloud.services.devices.putDevice('d', { deviceId: 'd' }, undefined)).device;
    await cloud.services.devices.deleteDevice('d', undefined);
    await cloud.clock.advance(1);
    expect((await cloud.services.devices.putDevice('d', { deviceId: 'd' }, undefined)).device.generationId).not.toBe(first.generationId);
  });

  it('lists devices ordered by id, limited by top', async () => {
    cloud = createTestCloud();
    for (const id of ['c', 'a', 'b']) await cloud.services.devices.putDevice(id, { deviceId: id }, undefined);
    expect((await cloud.services.devices.listDevices(1000)).map((d) => d.deviceId)).toEqual(['a', 'b', 'c']);
    expect((await cloud.services.devices.listDevices(2)).map((d) => d.deviceId)).toEqual(['a', 'b']);
  });

  describe('parent/child (device scope)', () => {
    it('gives edge devices their own scope and leaves their parent\'s', async () => {
      cloud = createTestCloud();
      const edge = (await cloud.services.devices.putDevice('edge-1', { deviceId: 'edge-1', capabilities: { iotEdge: true } }, undefined)).device;
      expect(edge.deviceScope).toBe(`ms-azure-iot-edge://edge-1-${edge.generationId}`);
      expect(edge.parentScopes).toEqual([]);
      const leaf = (await cloud.services.devices.putDevice('leaf', { deviceId: 'leaf', deviceScope: edge.deviceScope }, undefined)).device;
      expect(leaf).toMatchObject({ deviceScope: edge.deviceScope, parentScopes: [edge.deviceScope] });
      expect(await cloud.services.endpoint.getAuthRecord({ deviceId: 'leaf' })).toMatchObject({ parentDeviceId: 'edge-1', isEdge: false });
      const child = (await cloud.services.devices.putDevice('edge-2', { deviceId: 'edge-2', capabilities: { iotEdge: true }, parentScopes: [edge.deviceScope ?? ''] }, undefined)).device;
      expect(child.parentScopes).toEqual([edge.deviceScope]);
      expect(child.deviceScope).toBe(`ms-azure-iot-edge://edge-2-${child.generationId}`);
    });

    it('refuses a non-edge parent, itself as parent and cycles', async () => {
      cloud = createTestCloud();
      const a = (await cloud.services.devices.putDevice('a', { deviceId: 'a', capabilities: { iotEdge: true } }, undefined)).device;
      const b = (await cloud.services.devices.putDevice('b', { deviceId: 'b', capabilities: { iotEdge: true }, parentScopes: [a.deviceScope ?? ''] }, undefined)).device;
      await expectVergeRejection(cloud.services.devices.putDevice('a', { deviceId: 'a', capabilities: { iotEdge: true }, parentScopes: [b.deviceScope ?? ''] }, '*'), 'CLD_PARENT_INVALID', "parentScopes[0]: device 'b' cannot be the parent of 'a' (it would form a cycle)");
      await expectVergeRejection(cloud.services.devices.putDevice('a', { deviceId: 'a', capabilities: { iotEdge: true }, parentScopes: [a.deviceScope ?? ''] }, '*'), 'CLD_PARENT_INVALID', "parentScopes[0]: device 'a' cannot be the parent of 'a' (it would form a cycle)");
      await expectVergeRejection(cloud.services.devices.putDevice('a', { deviceId: 'a' }, '*'), 'CLD_PARENT_INVALID', "capabilities.iotEdge: device 'a' has child devices, so it must stay an IoT Edge device");
    });

    it('turns an IoT Edge device into a device from what a GET returned (its own scope in deviceScope names no parent), keeping its parent', async () => {
      cloud = createTestCloud();
      const top = (await cloud.services.devices.putDevice('top', { deviceId: 'top', capabilities: { iotEdge: true } }, undefined)).device;
      const gw = (await cloud.services.devices.putDevice('gw', { deviceId: 'gw', capabilities: { iotEdge: true }, parentScopes: [top.deviceScope ?? ''] }, undefined)).device;
      // Registry.update / az ... --set capabilities.iotEdge=false: the device as read, one field changed.
      const { device } = await cloud.services.devices.putDevice('gw', { ...gw, capabilities: { iotEdge: false } }, '*');
      expect(device).toMatchObject({ capabilities: { iotEdge: false }, deviceScope: top.deviceScope, parentScopes: [top.deviceScope] });
      const alone = (await cloud.services.devices.putDevice('alone', { deviceId: 'alone', capabilities: { iotEdge: true } }, undefined)).device;
      expect((await cloud.services.devices.putDevice('alone', { ...alone, capabilities: { iotEdge: false } }, '*')).device).toMatchObject({ capabilities: { iotEdge: false }, parentScopes: [] });
    });

    it('names the children, not a cycle, when a read-back IoT Edge device with children is turned into a device', async () => {
      cloud = createTestCloud();
      const gw = (await cloud.services.devices.putDevice('gw', { deviceId: 'gw', capabilities: { iotEdge: true } }, undefined)).device;
      await cloud.services.devices.putDevice('leaf', { deviceId: 'leaf', deviceScope: gw.deviceScope }, undefined);
      await expectVergeRejection(cloud.services.devices.putDevice('gw', { ...gw, capabilities: { iotEdge: false } }, '*'), 'CLD_PARENT_INVALID', "capabilities.iotEdge: device 'gw' has child devices, so it must stay an IoT Edge device");
    });

    it('orphans the children when the parent is deleted', async () => {
      cloud = createTestCloud();
      const edge = (await cloud.services.devices.putDevice('edge', { deviceId: 'edge', capabilities: { iotEdge: true } }, undefined)).device;
      await cloud.services.devices.putDevice('leaf', { deviceId: 'leaf', deviceScope: edge.deviceScope }, undefined);
      const changes: string[] = [];
      cloud.bus.subscribe('identityChanged', (e) => changes.push(`${e.id.deviceId}:${e.change}`));
      await cloud.services.devices.deleteDevice('edge', '*');
      expect(await cloud.services.devices.getDevice('leaf')).toMatchObject({ parentScopes: [] });
      expect((await cloud.services.devices.getDevice('leaf')).deviceScope).toBeUndefined();
      expect(changes).toEqual(['edge:deleted', 'leaf:updated']);
    });
  });

  it('deletes modules, twins, queued messages and sessions with the device', async () => {
    cloud = createTestCloud();
    await cloud.services.devices.putDevice('d', { deviceId: 'd' }, undefined);
    await cloud.services.modules.putModule('d', 'm', { moduleId: 'm' }, undefined);
    await cloud.services.c2d.send('d', { body: new Uint8Array([1]), properties: {} });
    cloud.services.endpoint.saveMqttSession?.('d/m', { subscriptions: [] });
    await cloud.services.devices.deleteDevice('d', undefined);
    expect(await cloud.store.modules.list('d')).toEqual([]);
    expect(await cloud.store.twins.get({ deviceId: 'd', moduleId: 'm' })).toBeUndefined();
    expect(await cloud.store.c2d.countPending('d', 0)).toBe(0);
    expect(await cloud.store.sessions.load('d/m')).toBeUndefined();
  });
});
