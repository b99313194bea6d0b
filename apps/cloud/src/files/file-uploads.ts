import { join } from 'node:path';
import type { Clock } from '@verge/contracts';
import type { CloudPki, Logger } from '@verge/platform';
import type { CloudConfig } from '../config.js';
import { createBlobStore } from './blob-store.js';
import { createFileUploadService, type FileUploadService } from './file-upload-service.js';

/** File upload as the composition root wires it: what the API serves, and how to stop the blob store. */
export interface FileUploads {
  /** Spread into `buildApp`'s deps: `files` is absent with `blob.store: none`. */
  readonly deps: { readonly files?: FileUploadService };
  stop(): Promise<void>;
}

/**
 * The blob store (Azurite, started on first use) and the file-upload service over it, per the `blob` settings.
 * Azurite serves the cloud's server certificate: the generated `DATA/server-chain.pem` (which covers the host name,
 * `localhost` and 127.0.0.1) or the user-supplied `tls.certFile`. A renewed certificate reaches Azurite when it
 * next starts (at the cloud's next start).
 */
export function createFileUploads(config: Readonly<CloudConfig>, pki: CloudPki, clock: Pick<Clock, 'nowMs'>, log: Logger): FileUploads {
  if (config.blob.store === 'none') return { deps: {}, stop: async () => undefined };
  const blobs = createBlobStore({
    dataDir: config.dataDir,
    bindHost: config.host,
    publicHost: config.blob.host ?? config.hostname,
    port: config.blob.port,
    certFile: config.tls?.certFile ?? join(config.dataDir, 'server-chain.pem'),
    keyFile: config.tls?.keyFile ?? join(config.dataDir, 'server-key.pem'),
    caPem: pki.caPem,
    log: log.child({ component: 'blob-store' }),
  });
  const files = createFileUploadService({ blobs, nowMs: () => clock.nowMs(), log: log.child({ component: 'file-upload' }) });
  return { deps: { files }, stop: () => blobs.stop() };
}
