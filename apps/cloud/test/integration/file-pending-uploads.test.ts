import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@verge/platform';
import { createBlobStore, PENDING_CONTAINER, type BlobStore } from '../../src/files/blob-store.js';
import { externalBackend } from '../../src/files/external-backend.js';
import { createFileUploadService, FILE_UPLOAD_LIMITS, type FileUploadService } from '../../src/files/file-upload-service.js';
import { parseStorageConnectionString, type StorageAccount } from '../../src/files/storage-connection-string.js';
import { expectVergeRejection } from '../helpers/expect-error.js';
import { startExternalAzurite, type ExternalAzurite } from '../helpers/external-azurite.js';

// Pending file uploads in the blob store (pending-uploads.ts), seen by two file-upload services standing for two
// cloud instances on one external Azurite (TLS verified with the Azurite's own CA), with a clock the test moves.

const log = createLogger({ service: 'test', level: 'silent' });
let azurite: ExternalAzurite;
let account: StorageAccount;
let now = Date.now();
const stores: BlobStore[] = [];

function instance(): { files: FileUploadService; blobs: BlobStore } {
  const blobs = createBlobStore(externalBackend(account, azurite.caPem));
  stores.push(blobs);
  return { files: createFileUploadService({ blobs, nowMs: () => now, log }), blobs };
}

beforeAll(async () => {
  azurite = await startExternalAzurite();
  const parsed = parseStorageConnectionString(azurite.connectionString);
  if (typeof parsed === 'string') throw new Error(parsed);
  account = parsed;
});
afterAll(async () => {
  for (const s of stores) await s.stop();
  await azurite?.stop();
});

describe('pending file uploads in a shared blob store', () => {
  it('hands out SAS URIs on the external endpoint and notifies on the other instance', async () => {
    const a = instance();
    const b = instance();
    const sas = await a.files.createSas('dev-1', 'x/y.txt');
    expect(sas.hostName).toBe(azurite.blobEndpoint.replace('https://', ''));
    const n = await b.files.notify('dev-1', sas.correlationId, { isSuccess: true, statusCode: 201 });
    expect(n).toMatchObject({ deviceId: 'dev-1', blobName: 'dev-1/x/y.txt', blobUri: `${azurite.blobEndpoint}/device-uploads/dev-1/x/y.txt` });
    expect(await a.files.notifications('dev-1')).toEqual([n]);
    expect(await a.blobs.list(PENDING_CONTAINER, 'dev-1/')).toEqual([]);
  });

  it('lets exactly one of two concurrent notifications of one correlation id win', async () => {
    const a = instance();
    const b = instance();
    const ids = await Promise.all(Array.from({ length: 6 }, async (_, i) => (await a.files.createSas('dev-race', `f${i}.txt`)).correlationId));
    for (const id of ids) {
      const results = await Promise.allSettled([a.files.notify('dev-race', id, { isSuccess: true }), b.files.notify('dev-race', id, { isSuccess: true })]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const lost = results.find((r) => r.status === 'rejected');
      expect((lost?.reason as { code?: string } | undefined)?.code).toBe('CLD_FILE_CORRELATION_UNKNOWN');
    }
    expect(await a.files.notifications('dev-race')).toHaveLength(ids.length);
  });

  it('counts the per-device limit across instances, ignores and deletes expired entries', async () => {
    const a = instance();
    const b = instance();
    for (let i = 0; i < FILE_UPLOAD_LIMITS.maxPendingPerDevice; i++) await (i % 2 === 0 ? a : b).files.createSas('dev-limit', `f${i}.txt`);
    await expectVergeRejection(b.files.createSas('dev-limit', 'one-more.txt'), 'CLD_FILE_UPLOADS_EXCEEDED', /'dev-limit' already has 10 file uploads in progress/);
    await expectVergeRejection(a.files.createSas('dev-limit', 'one-more.txt'), 'CLD_FILE_UPLOADS_EXCEEDED', /already has 10/);
    // Another device is not limited by dev-limit's uploads.
    await a.files.createSas('dev-limit-2', 'f.txt');

    now += FILE_UPLOAD_LIMITS.sasTtlMs + 1;
    const fresh = await a.files.createSas('dev-limit', 'after-expiry.txt');
    expect(fresh.correlationId).not.toBe('');
    // The expired entries were deleted on the way (in the background): only the fresh one stays.
    await expect.poll(async () => (await a.blobs.list(PENDING_CONTAINER, 'dev-limit/')).length).toBe(1);
  });

  it('answers CLD_FILE_CORRELATION_UNKNOWN for an expired, unknown, malformed or foreign correlation id', async () => {
    const a = instance();
    const sas = await a.files.createSas('dev-exp', 'old.txt');
    now += FILE_UPLOAD_LIMITS.sasTtlMs + 1;
    await expectVergeRejection(a.files.notify('dev-exp', sas.correlationId, { isSuccess: true }), 'CLD_FILE_CORRELATION_UNKNOWN', /was not issued to device 'dev-exp', or was already notified or expired/);
    expect(await a.blobs.list(PENDING_CONTAINER, 'dev-exp/')).toEqual([]);

    const other = await a.files.createSas('dev-exp', 'new.txt');
    await expectVergeRejection(a.files.notify('dev-other', other.correlationId, { isSuccess: true }), 'CLD_FILE_CORRELATION_UNKNOWN', /not issued to device 'dev-other'/);
    await expectVergeRejection(a.files.notify('dev-exp', '../dev-other/x', { isSuccess: true }), 'CLD_FILE_CORRELATION_UNKNOWN', /correlationId/);
    await expectVergeRejection(a.files.notify('dev-exp', 'nope', { isSuccess: true }), 'CLD_FILE_CORRELATION_UNKNOWN', /correlationId 'nope'/);
    // The foreign attempt did not consume it.
    await expect(a.files.notify('dev-exp', other.correlationId, { isSuccess: true })).resolves.toMatchObject({ blobName: 'dev-exp/new.txt' });
  });

  it('refuses a blob endpoint whose certificate it cannot verify (no --blob-ca-file)', async () => {
    const blobs = createBlobStore(externalBackend(account));
    stores.push(blobs);
    const files = createFileUploadService({ blobs, nowMs: () => now, log });
    await expectVergeRejection(files.createSas('dev-tls', 'a.txt'), 'CLD_BLOB_STORE_UNAVAILABLE', /the blob store failed: .*(certificate|UNABLE_TO_VERIFY|SELF_SIGNED)/i);
  });
});
