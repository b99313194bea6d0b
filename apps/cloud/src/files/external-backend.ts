import { rootCertificates } from 'node:tls';
import { StorageSharedKeyCredential } from '@azure/storage-blob';
import { blobServiceClient, type OpenBlobBackend } from './blob-backend.js';
import type { StorageAccount } from './storage-connection-string.js';

/**
 * An Azure Storage account (or an Azurite the operator runs) that every cloud instance shares
 * (`blob.store: external`): nothing to start or stop. TLS always verifies: Node's CAs (and NODE_EXTRA_CA_CERTS),
 * plus `extraCaPem` (`--blob-ca-file`) when given.
 */
export function externalBackend(account: StorageAccount, extraCaPem?: string): OpenBlobBackend {
  return async () => {
    const credential = new StorageSharedKeyCredential(account.accountName, account.accountKey);
    // Node's `ca` replaces its default roots: keep them and add the operator's CA.
    const service = blobServiceClient(account.blobEndpoint, credential, extraCaPem === undefined ? undefined : [...rootCertificates, extraCaPem]);
    return { service, credential, publicEndpoint: account.blobEndpoint, onExit: () => undefined, stop: async () => undefined };
  };
}
