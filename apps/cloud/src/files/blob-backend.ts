import type { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';

/** A reachable Azure Blob service: Azurite the cloud started, or an external account several instances share. */
export interface BlobBackend {
  /** The cloud's own client (shared key). */
  readonly service: BlobServiceClient;
  /** Signs the SAS tokens handed to devices and agents. */
  readonly credential: StorageSharedKeyCredential;
  /** `https://host[:port][/account]`, no trailing slash: what devices dial (SAS URLs are built on it). */
  readonly publicEndpoint: string;
  /** Called once if the service stops on its own (Azurite's process exited); the store then opens it again. */
  onExit(listener: () => void): void;
  stop(): Promise<void>;
}

/** Opens the backend; called on the blob store's first use, and again after the backend stopped on its own. */
export type OpenBlobBackend = () => Promise<BlobBackend>;
