import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageSharedKeyCredential } from '@azure/storage-blob';
import { VergeError } from '@verge/contracts';
import { ensurePrivateDir, type Logger } from '@verge/platform';
import { startAzurite, type AzuriteProcess } from './azurite-process.js';
import { blobServiceClient, type OpenBlobBackend } from './blob-backend.js';

/** The storage account the cloud's Azurite serves (path-style URLs name it as the first segment). */
export const BLOB_ACCOUNT = 'verge';
/** The account key (and the port Azurite last listened on) inside the data directory (0600). */
export const BLOB_ACCOUNT_FILE = 'blob-account.json';

/** Settings of the Azurite the cloud runs itself (`blob.store: azurite`). */
export interface AzuriteBackendOptions {
  readonly dataDir: string;
  readonly bindHost: string;
  /** The host devices dial (must be covered by the server certificate). */
  readonly publicHost: string;
  /** 0: the port Azurite used last time in this data directory if it is free, else a free one. */
  readonly port: number;
  readonly certFile: string;
  readonly keyFile: string;
  /** The CA the cloud trusts Azurite with (its own). */
  readonly caPem: string;
  readonly log: Logger;
}

interface AccountFile {
  readonly key: string;
  readonly port?: number;
}

/**
 * Azurite in `DATA/blob`, with the account key of `DATA/blob-account.json` (generated once). With port 0 it listens
 * on the port it had before the restart when that one is free, so the SAS URIs handed out before a restart still
 * reach it (pending uploads survive restarts: file-upload-service.ts).
 */
export function azuriteBackend(o: AzuriteBackendOptions): OpenBlobBackend {
  return async () => {
    const location = join(o.dataDir, 'blob');
    await ensurePrivateDir(location);
    const account = await readAccount(o.dataDir);
    const azurite = await startOnRememberedPort(o, location, account);
    if (azurite.port !== account.port) await writeAccount(o.dataDir, { key: account.key, port: azurite.port });
    const credential = new StorageSharedKeyCredential(BLOB_ACCOUNT, account.key);
    // core-rest-pipeline's tlsOptions: the cloud trusts its own CA for Azurite (it dials 127.0.0.1, covered by the certificate).
    const service = blobServiceClient(`https://127.0.0.1:${azurite.port}/${BLOB_ACCOUNT}`, credential, o.caPem);
    return {
      service,
      credential,
      publicEndpoint: `https://${o.publicHost}:${azurite.port}/${BLOB_ACCOUNT}`,
      onExit: (listener) => azurite.onExit(() => listener()),
      stop: () => azurite.stop(),
    };
  };
}

async function startOnRememberedPort(o: AzuriteBackendOptions, location: string, account: AccountFile): Promise<AzuriteProcess> {
  const start = (port: number): Promise<AzuriteProcess> =>
    startAzurite({ location, bindHost: o.bindHost, port, certFile: o.certFile, keyFile: o.keyFile, account: BLOB_ACCOUNT, accountKey: account.key, log: o.log });
  if (o.port !== 0 || account.port === undefined) return start(o.port);
  try {
    return await start(account.port);
  } catch (e) {
    o.log.warn({ port: account.port, err: e }, 'blob store: the port of the last start is taken; SAS URIs handed out before the restart no longer reach the store');
    return start(0);
  }
}

/** The account key (and last port): read from `DATA/blob-account.json`, or a new key (32 random bytes, base64) written 0600. */
async function readAccount(dataDir: string): Promise<AccountFile> {
  const path = join(dataDir, BLOB_ACCOUNT_FILE);
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as { key?: unknown; port?: unknown };
    if (typeof parsed.key === 'string' && parsed.key !== '') {
      const port = typeof parsed.port === 'number' && Number.isInteger(parsed.port) && parsed.port > 0 && parsed.port < 65_536 ? parsed.port : undefined;
      return { key: parsed.key, ...(port === undefined ? {} : { port }) };
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new VergeError('CLD_BLOB_STORE_UNAVAILABLE', `${path} cannot be read: ${(e as Error).message}`, { cause: e });
  }
  const account = { key: randomBytes(32).toString('base64') };
  await writeAccount(dataDir, account);
  return account;
}

async function writeAccount(dataDir: string, a: AccountFile): Promise<void> {
  await writeFile(join(dataDir, BLOB_ACCOUNT_FILE), `${JSON.stringify({ account: BLOB_ACCOUNT, ...a })}\n`, { mode: 0o600 });
}
