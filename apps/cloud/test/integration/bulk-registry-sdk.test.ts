import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import iothub from 'azure-iothub';
import { serviceClient, startTestCloud, type TestCloud } from '@verge/testkit/cloud';

// IoT Hub's bulk registry operation (`POST /devices`) through the unmodified azure-iothub Registry.

const { Registry } = iothub;
type BulkResult = { isSuccessful: boolean; errors: { deviceId: string; errorCode: string; errorStatus: string }[]; warnings: unknown[] };

let cloud: TestCloud;
let registry: InstanceType<typeof Registry>;

beforeAll(async () => {
  cloud = await startTestCloud();
  registry = serviceClient(Registry, cloud);
});
afterAll(async () => {
  await cloud?.stop();
});

const ids = (prefix: string, n: number): { deviceId: string }[] => Array.from({ length: n }, (_, i) => ({ deviceId: `${prefix}-${i}` }));

describe('Registry bulk operations against the cloud', () => {
  it('addDevices creates up to 100 devices with generated keys; existing ones are reported, the others still created', async () => {
    const first = (await registry.addDevices(ids('bulk', 100))).responseBody as unknown as BulkResult;
    expect(first).toEqual({ isSuccessful: true, errors: [], warnings: [] });
    const one = (await registry.get('bulk-42')).responseBody;
    expect(one).toMatchObject({ deviceId: 'bulk-42', status: 'enabled', authentication: { type: 'sas' } });
    expect(one.authentication?.symmetricKey?.primaryKey).toMatch(/=$/);
    const again = (await registry.addDevices([{ deviceId: 'bulk-0' }, { deviceId: 'bulk-new', capabilities: { iotEdge: true } }])).responseBody as unknown as BulkResult;
    expect(again).toMatchObject({ isSuccessful: false, errors: [{ deviceId: 'bulk-0', errorCode: 'DeviceAlreadyExists', errorStatus: expect.stringContaining('already exists') }] });
    expect((await registry.get('bulk-new')).responseBody.capabilities).toEqual({ iotEdge: true });
  });

  it('updateDevices replaces (forced) or checks the etag; a stale etag is reported', async () => {
    const current = (await registry.get('bulk-1')).responseBody;
    const forced = (await registry.updateDevices([{ deviceId: 'bulk-1', status: 'disabled' }, { deviceId: 'bulk-fresh' }], true)).responseBody as unknown as BulkResult;
    expect(forced.isSuccessful).toBe(true);
    expect((await registry.get('bulk-1')).responseBody.status).toBe('disabled');
    expect((await registry.get('bulk-fresh')).responseBody.deviceId).toBe('bulk-fresh'); // update creates a missing device (IoT Hub)
    const stale = (await registry.updateDevices([{ deviceId: 'bulk-1', status: 'enabled', etag: current.etag }], false)).responseBody as unknown as BulkResult;
    expect(stale).toMatchObject({ isSuccessful: false, errors: [{ deviceId: 'bulk-1', errorCode: 'PreconditionFailed' }] });
    const fresh = (await registry.get('bulk-1')).responseBody;
    const matched = (await registry.updateDevices([{ deviceId: 'bulk-1', status: 'enabled', etag: fresh.etag }], false)).responseBody as unknown as BulkResult;
    expect(matched.isSuccessful).toBe(true);
    expect((await registry.get('bulk-1')).responseBody.status).toBe('enabled');
  });

  it('removeDevices deletes; unknown devices and stale etags are reported', async () => {
    const d3 = (await registry.get('bulk-3')).responseBody;
    const removed = (await registry.removeDevices([{ deviceId: 'bulk-2' }, { deviceId: 'bulk-missing' }], true)).responseBody as unknown as BulkResult;
    expect(removed).toMatchObject({ isSuccessful: false, errors: [{ deviceId: 'bulk-missing', errorCode: 'DeviceNotFound' }] });
    await expect(registry.get('bulk-2')).rejects.toMatchObject({ name: 'DeviceNotFoundError' });
    const staleDelete = (await registry.removeDevices([{ deviceId: 'bulk-3', etag: 'not-it' }], false)).responseBody as unknown as BulkResult;
    expect(staleDelete.errors).toEqual([expect.objectContaining({ deviceId: 'bulk-3', errorCode: 'PreconditionFailed' })]);
    const ok = (await registry.removeDevices([{ deviceId: 'bulk-3', etag: d3.etag }], false)).responseBody as unknown as BulkResult;
    expect(ok.isSuccessful).toBe(true);
  });

  it('reports entries the registry refuses (bad id, bad authentication) and still applies the rest', async () => {
    const r = await cloud.rest('POST', '/devices', [
      { id: 'bad id with spaces', importMode: 'create' },
      // '..' passed the character check, then no URL could read or delete it (/devices/.. is /).
      { id: '..', importMode: 'create' },
      { id: 'bulk-auth', importMode: 'create', authentication: { type: 'sas', symmetricKey: { primaryKey: 'not base64!', secondaryKey: null } } },
      { id: 'bulk-good', importMode: 'Create' },
    ]);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      isSuccessful: false,
      errors: [
        { deviceId: 'bad id with spaces', errorCode: 'ArgumentInvalid' },
        { deviceId: '..', errorCode: 'ArgumentInvalid' },
        { deviceId: 'bulk-auth', errorCode: 'ArgumentInvalid' },
      ],
    });
    expect(((await cloud.rest('GET', '/devices')).body as { deviceId: string }[]).map((d) => d.deviceId)).not.toContain('..');
    expect((await cloud.rest('GET', '/devices/bulk-good')).status).toBe(200);
  });

  it('refuses a malformed request as a whole with 400 naming the problem', async () => {
    const post = (body: unknown) => cloud.rest('POST', '/devices', body);
    expect(await post({ id: 'x', importMode: 'create' })).toMatchObject({ status: 400, body: { code: 'BULK_REQUEST_INVALID', message: expect.stringMatching(/^body: .*array/) } });
    expect(await post([])).toMatchObject({ status: 400, body: { code: 'BULK_REQUEST_INVALID', message: expect.stringContaining('1 to 100') } });
    expect(await post(Array.from({ length: 101 }, (_, i) => ({ id: `many-${i}`, importMode: 'create' })))).toMatchObject({ status: 400, body: { code: 'BULK_REQUEST_INVALID', message: expect.stringContaining('101 devices') } });
    expect(await post([{ id: 'x', importMode: 'explode' }])).toMatchObject({ status: 400, body: { code: 'BULK_REQUEST_INVALID', message: expect.stringMatching(/^\[0\]\.importMode: importMode 'explode'/) } });
    expect(await post([{ importMode: 'create' }])).toMatchObject({ status: 400, body: { code: 'BULK_REQUEST_INVALID', message: expect.stringMatching(/^\[0\]: /) } });
    expect(await post([{ id: 'twice', importMode: 'create' }, { id: 'twice', importMode: 'delete' }])).toMatchObject({ status: 400, body: { code: 'BULK_REQUEST_INVALID', message: expect.stringMatching(/^\[1\]\.id: device 'twice' appears more than once/) } });
    expect((await cloud.rest('GET', '/devices/many-0')).status).toBe(404);
    expect((await cloud.rest('GET', '/devices/x')).status).toBe(404);
  });
});
