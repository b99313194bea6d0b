import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VergeError, type Clock } from '@verge/contracts';
import type { CloudPki, Logger } from '@verge/platform';
import type { CloudConfig } from '../config.js';
import { BLOB_ACCOUNT_FILE, azuriteBackend } from './azurite-backend.js';
import type { OpenBlobBackend } from './blob-backend.js';
import { createBlobStore } from './blob-store.js';
import { externalBackend } from './external-backend.js';
import { createFileUploadService, type FileNotification, type FileUploadService } from './file-upload-service.js';
import { parseStorageConnectionString } from './storage-connection-string.js';

/** File upload as the composition root wires it: what the API serves, and how to stop the blob store. */
export interface FileUploads {
  /** Spread into `buildApp`'s deps: `files` is absent with `blob.store: none`. */
  readonly deps: { readonly files?: FileUploadService };
  /** Readiness's look at the blob store (`BlobStore.probe`); absent with `blob.store: none`. */
  readonly probe?: () => Promise<'ok' | 'notStarted'>;
  stop(): Promise<void>;
}

/**
 * The blob store and the file-upload service over it, per the `blob` settings. `azurite`: started on first use, or
 * at once (in the background) when this data directory's store was used before, so that SAS URIs handed out before a
 * restart reach it without waiting for another request; it serves the cloud's server certificate (the generated `DATA/server-chain.pem`, which covers the host name,
 * `localhost` and 127.0.0.1, or the user-supplied `tls.certFile`; a renewed certificate reaches Azurite when it next
 * starts). `external`: the configured account; `blob.caFile` is read here, so a missing file fails the start.
 */
export function createFileUploads(config: Readonly<CloudConfig>, pki: CloudPki, clock: Pick<Clock, 'nowMs'>, log: Logger, notified?: (n: FileNotification) => Promise<void>): FileUploads {
  if (config.blob.store === 'none') return { deps: {}, stop: async () => undefined };
  const blobLog = log.child({ component: 'blob-store' });
  const blobs = createBlobStore(config.blob.store === 'external' ? external(config.blob) : azurite(config, pki, blobLog));
  const files = createFileUploadService({ blobs, nowMs: () => clock.nowMs(), log: log.child({ component: 'file-upload' }), ...(notified === undefined ? {} : { notified }) });
  if (config.blob.store === 'azurite' && existsSync(join(config.dataDir, BLOB_ACCOUNT_FILE))) {
    blobs.warmUp().catch((err: unknown) => blobLog.error({ err }, 'blob store did not start; the next file-upload request tries again'));
  }
  // An external account opens at no cost (no process to start): readiness looks at it from the start.
  const probe = config.blob.store === 'external' ? () => blobs.warmUp().then(() => blobs.probe()) : () => blobs.probe();
  return { deps: { files }, probe, stop: () => blobs.stop() };
}

function azurite(config: Readonly<CloudConfig>, pki: CloudPki, log: Logger): OpenBlobBackend {
  return azuriteBackend({
    dataDir: config.dataDir,
    bindHost: config.host,
    publicHost: config.blob.host ?? config.hostname,
    port: config.blob.port,
    certFile: config.tls?.certFile ?? join(config.dataDir, 'server-chain.pem'),
    keyFile: config.tls?.keyFile ?? join(config.dataDir, 'server-key.pem'),
    caPem: pki.caPem,
    log,
  });
}

function external(blob: CloudConfig['blob']): OpenBlobBackend {
  const account = parseStorageConnectionString(blob.connectionString ?? '');
  if (typeof account === 'string') throw configInvalid('blob.connectionString', account);
  return externalBackend(account, blob.caFile === undefined ? undefined : readCa(blob.caFile));
}

function readCa(path: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (e) {
    throw configInvalid('blob.caFile', `${path} cannot be read: ${(e as Error).message}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw configInvalid('blob.caFile', `${path} holds no PEM certificate`);
  return pem;
}

function configInvalid(path: string, message: string): VergeError {
  return new VergeError('CLD_CONFIG_INVALID', `invalid cloud configuration: ${path}: ${message}`, { details: { issues: [{ path, message }] } });
}
