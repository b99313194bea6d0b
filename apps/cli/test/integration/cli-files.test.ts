// `verge files list|get` against a real cloud whose blob store (Azurite) holds a file a device uploaded through IoT
// Hub's REST file-upload flow (SAS URI, Put Blob over HTTPS trusting the cloud's CA, notification).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSasToken } from '@verge/core';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { capturedVerge } from '../helpers/verge-cli-capture.js';

let cloud: TestCloud;
let dir: string;

beforeAll(async () => {
  cloud = await startTestCloud();
  dir = await mkdtemp(join(tmpdir(), 'verge-cli-files-'));
});
afterAll(async () => {
  await cloud?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

const { verge } = capturedVerge(() => ['--connection-string', cloud.cloud.serviceConnectionString, '--api', cloud.cloud.urls.http]);

function put(url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', ca: cloud.caPem, headers: { 'x-ms-blob-type': 'BlockBlob', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** IoT Hub's file upload done by hand over REST, as a device without the SDK would. */
async function deviceUpload(deviceId: string, key: string, blobName: string, body: string): Promise<void> {
  const auth = createSasToken({ resource: `${cloud.hostName}/devices/${deviceId}`, key, expirySec: Math.floor(Date.now() / 1000) + 600 });
  const post = async (path: string, json: unknown): Promise<Response> =>
    fetch(`${cloud.cloud.urls.http}${path}`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(json) });
  const sas = (await (await post(`/devices/${deviceId}/files`, { blobName })).json()) as { correlationId: string; hostName: string; containerName: string; blobName: string; sasToken: string };
  expect(await put(`https://${sas.hostName}/${sas.containerName}/${sas.blobName}${sas.sasToken}`, body)).toBe(201);
  expect((await post(`/devices/${deviceId}/files/notifications`, { correlationId: sas.correlationId, isSuccess: true, statusCode: 201, statusDescription: 'ok' })).status).toBe(204);
}

describe('verge files', () => {
  it('lists, downloads and shows the notifications of uploaded files', async () => {
    const key = await cloud.createDevice('cam-1');
    await deviceUpload('cam-1', key, 'photos/p1.jpg', 'not really a jpeg');

    const list = await verge('files', 'list', '--device', 'cam-1');
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^NAME\s+BYTES\s+MODIFIED$/);
    expect(list.stdout).toMatch(/\ncam-1\/photos\/p1\.jpg\s+17\s+\d{4}-/);
    const json = JSON.parse((await verge('files', 'list', '--json')).stdout) as { name: string }[];
    expect(json.map((b) => b.name)).toContain('cam-1/photos/p1.jpg');

    const out = join(dir, 'p1.jpg');
    const got = await verge('files', 'get', 'cam-1/photos/p1.jpg', '--out', out);
    expect(got).toMatchObject({ code: 0, stderr: `wrote 17 bytes to ${out}\n` });
    expect(await readFile(out, 'utf8')).toBe('not really a jpeg');

    const notes = await verge('files', 'list', '--notifications', '--device', 'cam-1');
    expect(notes.stdout).toMatch(/ ok +cam-1 +cam-1\/photos\/p1\.jpg +17 bytes +ok\n$/);
  });

  it('names a file that does not exist', async () => {
    const missing = await verge('files', 'get', 'cam-1/none.bin', '--out', join(dir, 'none.bin'));
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("no uploaded blob 'cam-1/none.bin'");
  });
});
