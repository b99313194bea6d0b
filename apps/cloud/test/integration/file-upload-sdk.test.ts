import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSasToken } from '@verge/core';
import { runServiceClient, startTestCloud, type TestCloud } from '@verge/testkit/cloud';

// IoT Hub file upload against a real cloud: the unmodified azure-iot-device SDK's `uploadToBlob` in a device
// process (sdk-support/upload-file.mjs) gets a SAS URI from the cloud, PUTs the blob into the cloud's Azurite with
// @azure/storage-blob, and notifies; the service side then lists, downloads and reads the notification.

const run = promisify(execFile);
const uploader = fileURLToPath(new URL('./sdk-support/upload-file.mjs', import.meta.url));
let cloud: TestCloud;
let deviceKey: string;

beforeAll(async () => {
  cloud = await startTestCloud();
  deviceKey = await cloud.createDevice('uploader-1');
});
afterAll(async () => {
  await cloud?.stop();
});

function connectionString(deviceId: string, key: string): string {
  return `HostName=${cloud.hostName};DeviceId=${deviceId};SharedAccessKey=${key}`;
}

async function sdkUpload(deviceId: string, key: string, blobName: string, text: string): Promise<{ ok: boolean; message?: string; inner?: string }> {
  const { stdout } = await run(process.execPath, [uploader], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: cloud.cloud.caPath, UPLOAD_CS: connectionString(deviceId, key), UPLOAD_PORT: String(cloud.ports.https), UPLOAD_BLOB: blobName, UPLOAD_TEXT: text },
    timeout: 90_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { ok: boolean };
}

function deviceToken(deviceId: string, key: string): string {
  return createSasToken({ resource: `${cloud.hostName}/devices/${deviceId}`, key, expirySec: Math.floor(Date.now() / 1000) + 600 });
}

async function asDevice(deviceId: string, key: string, path: string, body: unknown): Promise<{ status: number; body: { code?: string; message?: string; Message?: string } & Record<string, unknown> }> {
  const res = await fetch(`${cloud.cloud.urls.http}${path}`, { method: 'POST', headers: { authorization: deviceToken(deviceId, key), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

describe('file upload (azure-iot-device uploadToBlob → Azurite)', () => {
  it('uploads a file the service then lists, downloads and sees notified', async () => {
    const text = `reading,${Date.now()}\n`.repeat(200);
    expect(await sdkUpload('uploader-1', deviceKey, 'logs/day 1.csv', text)).toEqual({ ok: true });

    const listed = (await cloud.ok('GET', '/files/blobs?prefix=uploader-1/')) as { name: string; bytes: number }[];
    expect(listed).toEqual([expect.objectContaining({ name: 'uploader-1/logs/day 1.csv', bytes: Buffer.byteLength(text) })]);
    const res = await fetch(`${cloud.cloud.urls.http}/files/blob?name=${encodeURIComponent('uploader-1/logs/day 1.csv')}`, { headers: { authorization: cloud.serviceToken() } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(text);

    const notes = (await cloud.ok('GET', '/files/notifications?deviceId=uploader-1')) as Record<string, unknown>[];
    expect(notes).toEqual([
      expect.objectContaining({ deviceId: 'uploader-1', blobName: 'uploader-1/logs/day 1.csv', isSuccess: true, statusCode: 201, blobSizeInBytes: Buffer.byteLength(text) }),
    ]);
    expect(notes[0]?.['blobUri']).toMatch(/^https:\/\/localhost:\d+\/verge\/device-uploads\/uploader-1\/logs\/day%201\.csv$/);
  });

  it('refuses an unknown device, a wrong key and a service token on the device route', async () => {
    const ghost = await asDevice('ghost', deviceKey, '/devices/ghost/files', { blobName: 'a.txt' });
    expect(ghost).toMatchObject({ status: 401, body: { code: 'CLD_AUTH_DEVICE_INVALID' } });
    expect(ghost.body.message).toContain("device 'ghost'");
    const wrongKey = await asDevice('uploader-1', Buffer.alloc(32, 1).toString('base64'), '/devices/uploader-1/files', { blobName: 'a.txt' });
    expect(wrongKey).toMatchObject({ status: 401, body: { code: 'CLD_AUTH_SIGNATURE_INVALID' } });
    const service = await cloud.rest('POST', '/devices/uploader-1/files', { blobName: 'a.txt' });
    expect(service).toMatchObject({ status: 401, body: { code: 'CLD_AUTH_SCOPE_DENIED' } });
    // The SDK reports the refusal as a BlobSasError.
    expect(await sdkUpload('ghost', deviceKey, 'a.txt', 'x')).toMatchObject({ ok: false, message: 'Could not obtain blob shared access signature.' });
  });

  it('names the problem with a missing, oversized or dotted blob name, a missing or unknown correlationId', async () => {
    const missing = await asDevice('uploader-1', deviceKey, '/devices/uploader-1/files', {});
    expect(missing).toMatchObject({ status: 400, body: { code: 'CLD_FILE_UPLOAD_INVALID' } });
    expect(missing.body.message).toContain('blobName is missing');
    const long = await asDevice('uploader-1', deviceKey, '/devices/uploader-1/files', { blobName: 'x'.repeat(1025) });
    expect(long).toMatchObject({ status: 400, body: { code: 'CLD_FILE_UPLOAD_INVALID' } });
    expect(long.body.message).toContain('1025 characters long; at most 1024');
    const dotted = await asDevice('uploader-1', deviceKey, '/devices/uploader-1/files', { blobName: '../other/a.txt' });
    expect(dotted.body.message).toContain("'..' path segment");

    const noId = await asDevice('uploader-1', deviceKey, '/devices/uploader-1/files/notifications', { isSuccess: true, statusCode: 200 });
    expect(noId).toMatchObject({ status: 400, body: { code: 'CLD_FILE_UPLOAD_INVALID' } });
    expect(noId.body.message).toContain('correlationId is missing');
    const unknown = await asDevice('uploader-1', deviceKey, '/devices/uploader-1/files/notifications', { correlationId: 'nope', isSuccess: true });
    expect(unknown).toMatchObject({ status: 404, body: { code: 'CLD_FILE_CORRELATION_UNKNOWN' } });
  });

  it("refuses another device's correlation id and a second notification", async () => {
    const otherKey = await cloud.createDevice('uploader-2');
    const sas = await asDevice('uploader-1', deviceKey, '/devices/uploader-1/files', { blobName: 'twice.txt' });
    expect(sas).toMatchObject({ status: 200, body: { containerName: 'device-uploads', blobName: 'uploader-1/twice.txt' } });
    expect(String(sas.body['sasToken'])).toMatch(/^\?.*sig=/);
    const correlationId = String(sas.body['correlationId']);
    const stolen = await asDevice('uploader-2', otherKey, `/devices/uploader-2/files/notifications/${encodeURIComponent(correlationId)}`, { isSuccess: true });
    expect(stolen).toMatchObject({ status: 404, body: { code: 'CLD_FILE_CORRELATION_UNKNOWN' } });
    const first = await asDevice('uploader-1', deviceKey, '/devices/uploader-1/files/notifications', { correlationId, isSuccess: false, statusCode: 500, statusDescription: 'disk gone' });
    expect(first.status).toBe(204);
    const again = await asDevice('uploader-1', deviceKey, '/devices/uploader-1/files/notifications', { correlationId, isSuccess: true });
    expect(again).toMatchObject({ status: 404, body: { code: 'CLD_FILE_CORRELATION_UNKNOWN' } });
    const notes = (await cloud.ok('GET', '/files/notifications?deviceId=uploader-1')) as Record<string, unknown>[];
    expect(notes).toContainEqual(expect.objectContaining({ blobName: 'uploader-1/twice.txt', isSuccess: false, statusDescription: 'disk gone', blobSizeInBytes: 0 }));
  });

  it('answers 404 naming a blob that was never uploaded', async () => {
    const res = await cloud.rest('GET', `/files/blob?name=${encodeURIComponent('uploader-1/none.txt')}`);
    expect(res).toMatchObject({ status: 404, body: { code: 'CLD_FILE_NOT_FOUND' } });
  });
});

describe('file notifications to a service client (azure-iothub getFileNotificationReceiver over AMQP)', () => {
  it('delivers the notification of a successful upload, and none for a failed one', async () => {
    const key = await cloud.createDevice('notifier-1');
    // First a failed upload: the SAS, then a notification saying so (listed by the REST API, never sent to receivers).
    const sas = await asDevice('notifier-1', key, '/devices/notifier-1/files', { blobName: 'broken.txt' });
    expect(sas.status).toBe(200);
    expect((await asDevice('notifier-1', key, '/devices/notifier-1/files/notifications', { correlationId: sas.body['correlationId'], isSuccess: false, statusCode: 500, statusDescription: 'disk error' })).status).toBe(204);
    expect(await sdkUpload('notifier-1', key, 'report.txt', 'done\n')).toEqual({ ok: true });
    // Oldest first: the first test's upload, then (had it been queued, the failed one before) this one.
    const [read] = await runServiceClient({ serviceConnectionString: cloud.cloud.serviceConnectionString, amqpPort: cloud.amqpPort ?? 0, caPath: cloud.cloud.caPath, steps: [{ fileNotifications: 2 }] });
    expect(read?.records?.filter((r) => r['deviceId'] === 'notifier-1')).toEqual([
      { deviceId: 'notifier-1', blobName: 'notifier-1/report.txt', blobUri: expect.stringMatching(/\/notifier-1\/report\.txt$/), blobSizeInBytes: 5, lastUpdatedTime: expect.any(String), enqueuedTimeUtc: expect.any(String) },
    ]);
  }, 120_000);
});
