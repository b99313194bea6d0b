import { BlobServiceClient, StorageRetryPolicyType, newPipeline, type StoragePipelineOptions, type StorageSharedKeyCredential } from '@azure/storage-blob';

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

/**
 * The storage client's retries: a few quick ones, so that a request (a device asking for its SAS URI, an operator
 * listing files) fails within about a second when the blob service is away, rather than after the SDK's default
 * four tries 4 s → 120 s apart.
 */
const BLOB_RETRY: NonNullable<StoragePipelineOptions['retryOptions']> = { retryPolicyType: StorageRetryPolicyType.EXPONENTIAL, maxTries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 1_000 };

/** The cloud's client of a blob service at `url`, trusting `ca` (PEM list; Node's defaults when absent). */
export function blobServiceClient(url: string, credential: StorageSharedKeyCredential, ca?: string | readonly string[]): BlobServiceClient {
  const options = { retryOptions: BLOB_RETRY, ...(ca === undefined ? {} : { tlsOptions: { ca } }) } as StoragePipelineOptions;
  return new BlobServiceClient(url, newPipeline(credential, options));
}
