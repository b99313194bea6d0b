import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSasToken } from '@verge/core';
import { tempDir } from '@verge/testkit';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { expectVergeRejection } from '../helpers/expect-error.js';
import { startExternalAzurite, type ExternalAzurite } from '../helpers/external-azurite.js';
import { sdkFinishUpload, sdkGetSas, type SdkDevice } from '../helpers/sdk-upload-phases.js';
import { startTwoCloudInstances, type TwoCloudInstances } from '../helpers/two-cloud-instances.js';

// Two cloud instances (PostgreSQL + NATS) sharing one external Azurite (`blob.store: external`, its own CA through
// `blob.caFile`): a device gets its SAS URI from instance A with the unmodified azure-iot-device SDK, uploads to
// the shared store and notifies instance B; operators on either instance see every file and notification; the
// per-device limit counts the uploads pending on both.

let azurite: ExternalAzurite;
let clouds: TwoCloudInstances;
let deviceKey: string;
let stopped = false;

beforeAll(async () => {
  azurite = await startExternalAzurite();
  clouds = await startTwoCloudInstances({ blob: { store: 'external', connectionString: azurite.connectionString, caFile: azurite.caFile } });
  deviceKey = await clouds.a.createDevice('shared-up');
});
afterAll(async () => {
  await clouds?.stop();
  if (!stopped) await azurite?.stop();
});

function device(cloud: TestCloud): SdkDevice {
  return {
    connectionString: `HostName=${cloud.hostName};DeviceId=shared-up;SharedAccessKey=${deviceKey}`,
    httpsPort: cloud.ports.https,
    caFiles: [clouds.a.cloud.caPath, clouds.b.cloud.caPath, azurite.caFile],
  };
}

async function asDevice(cloud: TestCloud, path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const authorization = createSasToken({ resource: `${cloud.hostName}/devices/shared-up`, key: deviceKey, expirySec: Math.floor(Date.now() / 1000) + 600 });
  const res = await fetch(`${cloud.cloud.urls.http}${path}`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

describe('file upload on two instances sharing an external blob store', () => {
  it('takes the SAS URI from A, the upload into the shared store and the notification on B', async () => {
    const got = await sdkGetSas(device(clouds.a), 'from-a/data.csv');
    expect(got).toMatchObject({ ok: true, sas: { hostName: azurite.blobEndpoint.replace('https://', ''), containerName: 'device-uploads', blobName: 'shared-up/from-a/data.csv' } });
    const text = 'a,b\n1,2\n'.repeat(100);
    expect(await sdkFinishUpload(device(clouds.b), got.sas!, text)).toEqual({ ok: true });

    for (const cloud of [clouds.a, clouds.b]) {
      expect(await cloud.ok('GET', '/files/blobs?prefix=shared-up/')).toEqual([expect.objectContaining({ name: 'shared-up/from-a/data.csv', bytes: Buffer.byteLength(text) })]);
      expect(await cloud.ok('GET', '/files/notifications?deviceId=shared-up')).toEqual([
        expect.objectContaining({ correlationId: got.sas?.correlationId, isSuccess: true, blobUri: `${azurite.blobEndpoint}/device-uploads/shared-up/from-a/data.csv` }),
      ]);
    }
    const res = await fetch(`${clouds.b.cloud.urls.http}/files/blob?name=${encodeURIComponent('shared-up/from-a/data.csv')}`, { headers: { authorization: clouds.b.serviceToken() } });
    expect(await res.text()).toBe(text);
    // The notification was consumed on B: A refuses it too.
    const again = await asDevice(clouds.a, `/devices/shared-up/files/notifications/${encodeURIComponent(got.sas?.correlationId ?? '')}`, { isSuccess: true });
    expect(again).toMatchObject({ status: 404, body: { code: 'CLD_FILE_CORRELATION_UNKNOWN' } });
  });

  it('counts the device limit across the instances', async () => {
    for (let i = 0; i < 10; i++) {
      const sas = await asDevice(i % 2 === 0 ? clouds.a : clouds.b, '/devices/shared-up/files', { blobName: `limit/${i}.bin` });
      expect(sas.status).toBe(200);
    }
    for (const cloud of [clouds.a, clouds.b]) {
      expect(await asDevice(cloud, '/devices/shared-up/files', { blobName: 'limit/one-more.bin' })).toMatchObject({ status: 429, body: { code: 'CLD_FILE_UPLOADS_EXCEEDED' } });
    }
  });

  // Last: it stops the shared store.
  it('reports the shared store in readiness, and stays ready (for telemetry and the rest) while it is down', async () => {
    const readiness = async (cloud: TestCloud): Promise<{ status: number; body: { ready: boolean; checks: Record<string, unknown> } }> => {
      const res = await fetch(`${cloud.cloud.urls.http}/health/ready`);
      return { status: res.status, body: (await res.json()) as { ready: boolean; checks: Record<string, unknown> } };
    };
    for (const cloud of [clouds.a, clouds.b]) expect(await readiness(cloud)).toMatchObject({ status: 200, body: { ready: true, checks: { blobStore: 'ok', bus: 'ok' } } });
    await azurite.stop();
    stopped = true;
    for (const cloud of [clouds.a, clouds.b]) expect(await readiness(cloud)).toMatchObject({ status: 200, body: { ready: true, checks: { blobStore: 'failed', store: 'ok' } } });
    expect(await asDevice(clouds.a, '/devices/shared-up/files', { blobName: 'while-down.bin' })).toMatchObject({ status: 503, body: { code: 'CLD_BLOB_STORE_UNAVAILABLE' } });
  });
});

describe('the external blob store settings', () => {
  it('refuses a connection string without AccountKey at start, naming the field', async () => {
    const data = tempDir('verge-blob-cfg-');
    const bad = azurite.connectionString.replace(/AccountKey=[^;]*;/, '');
    await expectVergeRejection(startTestCloud(data.dir, {}, { blob: { store: 'external', connectionString: bad } }), 'CLD_CONFIG_INVALID', /blob\.connectionString: .*AccountKey is missing/);
    data.cleanup();
  });

  it('refuses a --blob-ca-file that does not exist at start', async () => {
    const data = tempDir('verge-blob-cfg-');
    await expectVergeRejection(
      startTestCloud(data.dir, {}, { blob: { store: 'external', connectionString: azurite.connectionString, caFile: '/nonexistent/blob-ca.pem' } }),
      'CLD_CONFIG_INVALID',
      /blob\.caFile: \/nonexistent\/blob-ca\.pem cannot be read/,
    );
    data.cleanup();
  });
});
