import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BlobSASPermissions,
  BlobServiceClient,
  ContainerSASPermissions,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters,
  newPipeline,
  type ContainerClient,
  type StoragePipelineOptions,
} from '@azure/storage-blob';
import { VergeError } from '@verge/contracts';
import { ensurePrivateDir, type Logger } from '@verge/platform';
import { startAzurite, type AzuriteProcess } from './azurite-process.js';

/** The storage account the cloud's Azurite serves (path-style URLs name it as the first segment). */
export const BLOB_ACCOUNT = 'verge';
/** Where uploaded files go (`{deviceId}/{blobName}`, as IoT Hub's file upload). */
export const UPLOAD_CONTAINER = 'device-uploads';
/** File-upload notifications, one JSON blob each. */
export const NOTIFICATION_CONTAINER = 'file-notifications';
/** The account key file inside the data directory (0600). */
export const BLOB_ACCOUNT_FILE = 'blob-account.json';

/** Settings of the blob store. */
export interface BlobStoreOptions {
  readonly dataDir: string;
  readonly bindHost: string;
  /** The host devices dial (must be covered by the server certificate); default the cloud's host name. */
  readonly publicHost: string;
  readonly port: number;
  readonly certFile: string;
  readonly keyFile: string;
  /** The CA the cloud trusts Azurite with (its own). */
  readonly caPem: string;
  readonly log: Logger;
}

/** One stored blob. */
export interface BlobEntry {
  readonly name: string;
  readonly bytes: number;
  readonly lastModified: string;
  readonly contentType?: string;
}

/** A SAS for one blob, in the parts IoT Hub's file-upload answer has. */
export interface BlobSas {
  /** `host:port/{account}`: the SDK builds `https://{hostName}/{container}/{blob}{sasToken}`. */
  readonly hostName: string;
  readonly containerName: string;
  readonly blobName: string;
  /** `?sv=…&sig=…`. */
  readonly sasToken: string;
  readonly expiresAt: Date;
}

/** The cloud's blob store: Azurite started on first use, reached with @azure/storage-blob. */
export interface BlobStore {
  /** A write SAS (create + write) for one blob of `container`, valid `ttlMs`. */
  blobSas(container: string, blobName: string, ttlMs: number): Promise<BlobSas>;
  /** A SAS URL for a whole container (`https://…/{account}/{container}?sv=…`): what the agent's upload methods take. */
  containerSasUrl(container: string, ttlMs: number, permissions?: string): Promise<string>;
  list(container: string, prefix?: string): Promise<BlobEntry[]>;
  /** The blob's bytes; CLD_FILE_NOT_FOUND when absent. */
  download(container: string, name: string): Promise<{ body: Buffer; contentType?: string }>;
  upload(container: string, name: string, body: Buffer, contentType: string): Promise<void>;
  /** The running Azurite's port, or undefined before the first use. */
  port(): number | undefined;
  stop(): Promise<void>;
}

interface Started {
  readonly azurite: AzuriteProcess;
  readonly service: BlobServiceClient;
  readonly credential: StorageSharedKeyCredential;
}

/**
 * The blob store of a cloud. Azurite starts on the first call (a cloud whose devices never upload pays nothing), in
 * `DATA/blob`, with the account key of `DATA/blob-account.json` (generated once). A store that could not start or
 * stopped is started again on the next call.
 */
export function createBlobStore(o: BlobStoreOptions): BlobStore {
  let starting: Promise<Started> | undefined;
  let stopped = false;
  const started = (): Promise<Started> => {
    if (stopped) return Promise.reject(new VergeError('CLD_BLOB_STORE_UNAVAILABLE', 'the blob store is stopped (the cloud is stopping)'));
    starting ??= start(o).then(
      (s) => {
        s.azurite.onExit(() => void (starting = undefined));
        return s;
      },
      (e: unknown) => {
        starting = undefined;
        throw e;
      },
    );
    return starting;
  };
  const container = async (name: string): Promise<ContainerClient> => {
    const client = (await started()).service.getContainerClient(name);
    await client.createIfNotExists();
    return client;
  };
  const sasQuery = async (container: string, blobName: string | undefined, ttlMs: number, permissions: string): Promise<{ query: string; expiresAt: Date }> => {
    const s = await started();
    const expiresAt = new Date(Date.now() + ttlMs);
    const perms = blobName === undefined ? ContainerSASPermissions.parse(permissions) : BlobSASPermissions.parse(permissions);
    const query = generateBlobSASQueryParameters({ containerName: container, ...(blobName === undefined ? {} : { blobName }), permissions: perms, expiresOn: expiresAt }, s.credential).toString();
    return { query, expiresAt };
  };
  let port: number | undefined;
  return {
    async blobSas(containerName, blobName, ttlMs) {
      await container(containerName);
      const { query, expiresAt } = await sasQuery(containerName, blobName, ttlMs, 'rcw');
      port = (await started()).azurite.port;
      return { hostName: `${o.publicHost}:${port}/${BLOB_ACCOUNT}`, containerName, blobName, sasToken: `?${query}`, expiresAt };
    },
    async containerSasUrl(containerName, ttlMs, permissions = 'racwl') {
      await container(containerName);
      const { query } = await sasQuery(containerName, undefined, ttlMs, permissions);
      port = (await started()).azurite.port;
      return `https://${o.publicHost}:${port}/${BLOB_ACCOUNT}/${containerName}?${query}`;
    },
    async list(containerName, prefix) {
      const client = await container(containerName);
      const out: BlobEntry[] = [];
      for await (const b of client.listBlobsFlat(prefix === undefined ? {} : { prefix })) {
        const p = b.properties;
        out.push({ name: b.name, bytes: p.contentLength ?? 0, lastModified: p.lastModified.toISOString(), ...(p.contentType === undefined ? {} : { contentType: p.contentType }) });
      }
      return out;
    },
    async download(containerName, name) {
      const blob = (await container(containerName)).getBlobClient(name);
      if (!(await blob.exists())) throw new VergeError('CLD_FILE_NOT_FOUND', `no uploaded blob '${name}' in ${containerName}`, { details: { name } });
      const body = await blob.downloadToBuffer();
      const props = await blob.getProperties();
      return { body, ...(props.contentType === undefined ? {} : { contentType: props.contentType }) };
    },
    async upload(containerName, name, body, contentType) {
      await (await container(containerName)).getBlockBlobClient(name).uploadData(body, { blobHTTPHeaders: { blobContentType: contentType } });
    },
    port: () => port,
    async stop() {
      stopped = true;
      const s = await starting?.catch(() => undefined);
      await s?.azurite.stop();
    },
  };
}

async function start(o: BlobStoreOptions): Promise<Started> {
  const location = join(o.dataDir, 'blob');
  await ensurePrivateDir(location);
  const accountKey = await ensureAccountKey(o.dataDir);
  const azurite = await startAzurite({ location, bindHost: o.bindHost, port: o.port, certFile: o.certFile, keyFile: o.keyFile, account: BLOB_ACCOUNT, accountKey, log: o.log });
  const credential = new StorageSharedKeyCredential(BLOB_ACCOUNT, accountKey);
  // core-rest-pipeline's tlsOptions: the cloud trusts its own CA for Azurite (it dials 127.0.0.1, covered by the certificate).
  const options = { tlsOptions: { ca: o.caPem } } as StoragePipelineOptions;
  const service = new BlobServiceClient(`https://127.0.0.1:${azurite.port}/${BLOB_ACCOUNT}`, newPipeline(credential, options));
  return { azurite, service, credential };
}

/** The account key: read from `DATA/blob-account.json`, or generated (32 random bytes, base64) and written 0600. */
async function ensureAccountKey(dataDir: string): Promise<string> {
  const path = join(dataDir, BLOB_ACCOUNT_FILE);
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as { key?: unknown };
    if (typeof parsed.key === 'string' && parsed.key !== '') return parsed.key;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new VergeError('CLD_BLOB_STORE_UNAVAILABLE', `${path} cannot be read: ${(e as Error).message}`, { cause: e });
  }
  const key = randomBytes(32).toString('base64');
  await writeFile(path, `${JSON.stringify({ account: BLOB_ACCOUNT, key })}\n`, { mode: 0o600 });
  return key;
}
