import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@verge/testkit';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { sdkFinishUpload, sdkGetSas, type SdkDevice } from '../helpers/sdk-upload-phases.js';

// Pending file uploads live in the blob store, not in memory: a device that got its SAS URI before the cloud
// restarted (same data directory) uploads into the restarted cloud's Azurite, which listens on its former port
// again (started at the cloud's start, in the background, since the data directory's store was used), and its
// notification is accepted. The device side is the unmodified azure-iot-device SDK.

function listens(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

let cloud: TestCloud;
let device: SdkDevice;

beforeAll(async () => {
  cloud = await startTestCloud();
  const key = await cloud.createDevice('restarter');
  device = { connectionString: `HostName=${cloud.hostName};DeviceId=restarter;SharedAccessKey=${key}`, httpsPort: cloud.ports.https, caFiles: [cloud.cloud.caPath] };
});
afterAll(async () => {
  await cloud?.stop();
});

describe('file upload across a cloud restart', () => {
  it('accepts the upload and the notification of a SAS URI handed out before the restart', async () => {
    const got = await sdkGetSas(device, 'before/restart.txt');
    expect(got).toMatchObject({ ok: true, sas: { containerName: 'device-uploads', blobName: 'restarter/before/restart.txt' } });
    const blobPort = Number(/^localhost:(\d+)\//.exec(got.sas?.hostName ?? '')?.[1]);
    expect(JSON.parse(await readFile(join(cloud.dataDir, 'blob-account.json'), 'utf8'))).toMatchObject({ port: blobPort });

    await cloud.restart();
    // No request reaches the restarted cloud before the device's PUT: the store starts by itself.
    await eventually(() => listens(blobPort), { timeoutMs: 30_000, description: `the restarted blob store to listen on ${blobPort}` });

    const text = 'written after the restart\n'.repeat(50);
    expect(await sdkFinishUpload(device, got.sas!, text)).toEqual({ ok: true });
    const notes = (await cloud.ok('GET', '/files/notifications?deviceId=restarter')) as Record<string, unknown>[];
    expect(notes).toEqual([expect.objectContaining({ correlationId: got.sas?.correlationId, blobName: 'restarter/before/restart.txt', isSuccess: true, blobSizeInBytes: Buffer.byteLength(text) })]);
    const res = await fetch(`${cloud.cloud.urls.http}/files/blob?name=${encodeURIComponent('restarter/before/restart.txt')}`, { headers: { authorization: cloud.serviceToken() } });
    expect(await res.text()).toBe(text);
  });

  it('still refuses a second notification of that correlation id after another restart', async () => {
    const got = await sdkGetSas(device, 'twice.txt');
    expect(got.ok).toBe(true);
    expect(await sdkFinishUpload(device, got.sas!, undefined)).toEqual({ ok: true });
    await cloud.restart();
    const again = await sdkFinishUpload(device, got.sas!, undefined);
    expect(again.ok).toBe(false);
    expect(`${again.message ?? ''} ${again.inner ?? ''}`).toMatch(/404|CLD_FILE_CORRELATION_UNKNOWN|not found/i);
  });
});
