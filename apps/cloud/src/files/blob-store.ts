import { BlobSASPermissions, ContainerSASPermissions, RestError, generateBlobSASQueryParameters, type ContainerClient } from '@azure/storage-blob';
import { VergeError } from '@verge/contracts';
import type { BlobBackend, OpenBlobBackend } from './blob-backend.js';
import { sdkHostName } from './storage-connection-string.js';

/** A readiness probe's request gives up after this long (its caller stops waiting at 2 s). */
const PROBE_TIMEOUT_MS = 2_000;

/** Where uploaded files go (`{deviceId}/{blobName}`, as IoT Hub's file upload). */
export const UPLOAD_CONTAINER = 'device-uploads';
/** File-upload notifications, one JSON blob each. */
export const NOTIFICATION_CONTAINER = 'file-notifications';
/** Pending file uploads (correlation ids handed out, not yet notified), one JSON blob each: pending-uploads.ts. */
export const PENDING_CONTAINER = 'file-pending';

/** One stored blob. */
export interface BlobEntry {
  readonly name: string;
  readonly bytes: number;
  readonly lastModified: string;
  readonly contentType?: string;
  /** The blob's metadata, when listed with `{ metadata: true }`. */
  readonly metadata?: Readonly<Record<string, string>>;
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

/** The cloud's blob store (Azurite it runs, or an external account), reached with @azure/storage-blob. */
export interface BlobStore {
  /** A write SAS (create + write) for one blob of `container`, valid `ttlMs`. */
  blobSas(container: string, blobName: string, ttlMs: number): Promise<BlobSas>;
  /** A SAS URL for a whole container (`https://…/{container}?sv=…`): what the agent's upload methods take. */
  containerSasUrl(container: string, ttlMs: number, permissions?: string): Promise<string>;
  list(container: string, prefix?: string, o?: { readonly metadata?: boolean }): Promise<BlobEntry[]>;
  /** The blob's bytes; CLD_FILE_NOT_FOUND when absent. */
  download(container: string, name: string): Promise<{ body: Buffer; contentType?: string }>;
  upload(container: string, name: string, body: Buffer, contentType: string, metadata?: Readonly<Record<string, string>>): Promise<void>;
  /**
   * Reads the blob and deletes it, if that very version is still there (delete conditional on its ETag): of several
   * concurrent `take`s of one blob, on any instance, at most one gets the bytes. Undefined when absent or taken.
   */
  take(container: string, name: string): Promise<Buffer | undefined>;
  /** Deletes the blob if it exists. */
  remove(container: string, name: string): Promise<void>;
  /** Opens the backend now rather than at the first call (rejects as that call would; the next call retries). */
  warmUp(): Promise<void>;
  /**
   * For readiness: asks an open backend for its service properties (rejects when it does not answer); `notStarted`
   * when no call opened it yet (a probe never starts the cloud's Azurite).
   */
  probe(): Promise<'ok' | 'notStarted'>;
  stop(): Promise<void>;
}

/**
 * The blob store of a cloud over a backend opened on the first call (Azurite then starts: a cloud whose devices
 * never upload pays nothing). A backend that could not open or stopped on its own is opened again on the next call.
 * Containers are created on first use.
 */
export function createBlobStore(open: OpenBlobBackend): BlobStore {
  let opening: Promise<BlobBackend> | undefined;
  let stopped = false;
  const backend = (): Promise<BlobBackend> => {
    if (stopped) return Promise.reject(new VergeError('CLD_BLOB_STORE_UNAVAILABLE', 'the blob store is stopped (the cloud is stopping)'));
    opening ??= open().then(
      (b) => {
        b.onExit(() => void (opening = undefined));
        return b;
      },
      (e: unknown) => {
        opening = undefined;
        throw e;
      },
    );
    return opening;
  };
  const ready = new Set<string>();
  const container = async (name: string): Promise<ContainerClient> => {
    const b = await backend();
    const client = b.service.getContainerClient(name);
    if (!ready.has(name)) {
      await unavailableOnError(() => client.createIfNotExists());
      ready.add(name);
    }
    return client;
  };
  const sasQuery = (b: BlobBackend, container: string, blobName: string | undefined, ttlMs: number, permissions: string): { query: string; expiresAt: Date } => {
    const expiresAt = new Date(Date.now() + ttlMs);
    const perms = blobName === undefined ? ContainerSASPermissions.parse(permissions) : BlobSASPermissions.parse(permissions);
    const query = generateBlobSASQueryParameters({ containerName: container, ...(blobName === undefined ? {} : { blobName }), permissions: perms, expiresOn: expiresAt }, b.credential).toString();
    return { query, expiresAt };
  };
  return {
    async blobSas(containerName, blobName, ttlMs) {
      await container(containerName);
      const b = await backend();
      const { query, expiresAt } = sasQuery(b, containerName, blobName, ttlMs, 'rcw');
      return { hostName: sdkHostName(b.publicEndpoint), containerName, blobName, sasToken: `?${query}`, expiresAt };
    },
    async containerSasUrl(containerName, ttlMs, permissions = 'racwl') {
      await container(containerName);
      const b = await backend();
      return `${b.publicEndpoint}/${containerName}?${sasQuery(b, containerName, undefined, ttlMs, permissions).query}`;
    },
    async list(containerName, prefix, o = {}) {
      const client = await container(containerName);
      const out: BlobEntry[] = [];
      await unavailableOnError(async () => {
        for await (const b of client.listBlobsFlat({ ...(prefix === undefined ? {} : { prefix }), includeMetadata: o.metadata === true })) {
          const p = b.properties;
          out.push({
            name: b.name,
            bytes: p.contentLength ?? 0,
            lastModified: p.lastModified.toISOString(),
            ...(p.contentType === undefined ? {} : { contentType: p.contentType }),
            ...(o.metadata === true ? { metadata: b.metadata ?? {} } : {}),
          });
        }
      });
      return out;
    },
    async download(containerName, name) {
      const blob = (await container(containerName)).getBlobClient(name);
      try {
        const res = await blob.download();
        const body = await streamToBuffer(res.readableStreamBody);
        return { body, ...(res.contentType === undefined ? {} : { contentType: res.contentType }) };
      } catch (e) {
        if (statusOf(e) === 404) throw new VergeError('CLD_FILE_NOT_FOUND', `no uploaded blob '${name}' in ${containerName}`, { details: { name } });
        throw unavailable(e);
      }
    },
    async upload(containerName, name, body, contentType, metadata) {
      const client = (await container(containerName)).getBlockBlobClient(name);
      await unavailableOnError(() => client.uploadData(body, { blobHTTPHeaders: { blobContentType: contentType }, ...(metadata === undefined ? {} : { metadata: { ...metadata } }) }));
    },
    async take(containerName, name) {
      const blob = (await container(containerName)).getBlobClient(name);
      try {
        const res = await blob.download();
        const body = await streamToBuffer(res.readableStreamBody);
        await blob.delete({ conditions: { ifMatch: res.etag ?? '*' } });
        return body;
      } catch (e) {
        // 404: absent (or deleted by the winner in between); 412: changed or taken since it was read.
        if (statusOf(e) === 404 || statusOf(e) === 412) return undefined;
        throw unavailable(e);
      }
    },
    async remove(containerName, name) {
      const blob = (await container(containerName)).getBlobClient(name);
      await unavailableOnError(() => blob.deleteIfExists());
    },
    async warmUp() {
      await backend();
    },
    async probe() {
      if (opening === undefined) return 'notStarted';
      const b = await backend();
      await unavailableOnError(() => b.service.getProperties({ abortSignal: AbortSignal.timeout(PROBE_TIMEOUT_MS) }));
      return 'ok';
    },
    async stop() {
      stopped = true;
      const b = await opening?.catch(() => undefined);
      await b?.stop();
    },
  };
}

function statusOf(e: unknown): number | undefined {
  return e instanceof RestError ? e.statusCode : undefined;
}

async function unavailableOnError<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    throw unavailable(e);
  }
}

/** A failure of the blob service (unreachable, TLS not verified, refused key) as CLD_BLOB_STORE_UNAVAILABLE naming it. */
function unavailable(e: unknown): unknown {
  if (e instanceof VergeError) return e;
  const status = statusOf(e);
  const code = e instanceof RestError ? (e.code ?? '') : ((e as NodeJS.ErrnoException | undefined)?.code ?? '');
  const what = [status === undefined ? undefined : `HTTP ${status}`, code === '' ? undefined : code].filter((x) => x !== undefined).join(' ');
  return new VergeError('CLD_BLOB_STORE_UNAVAILABLE', `the blob store failed: ${what === '' ? '' : `${what}: `}${(e as Error).message.split('\n')[0] ?? ''}`, { cause: e });
}

async function streamToBuffer(stream: NodeJS.ReadableStream | undefined): Promise<Buffer> {
  if (stream === undefined) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks);
}
