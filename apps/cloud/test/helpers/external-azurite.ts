import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCa, createLogger, issueServerCert } from '@verge/platform';
import { tempDir } from '@verge/testkit';
import { startAzurite } from '../../src/files/azurite-process.js';

/** An Azurite an operator would run for every cloud instance (`--blob-store external`), with its own CA. */
export interface ExternalAzurite {
  /** `DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…;BlobEndpoint=https://127.0.0.1:PORT/…`. */
  readonly connectionString: string;
  readonly blobEndpoint: string;
  /** The CA (PEM file) that issued Azurite's certificate: what `--blob-ca-file` takes. */
  readonly caFile: string;
  readonly caPem: string;
  stop(): Promise<void>;
}

/**
 * Starts Azurite over HTTPS with a certificate from a fresh CA (not the clouds' CA: the clouds must trust it through
 * `blob.caFile`), for `127.0.0.1` and `localhost`, one account with a random key, data in a temporary directory.
 */
export async function startExternalAzurite(account = 'shared'): Promise<ExternalAzurite> {
  const tmp = tempDir('verge-azurite-');
  try {
    const ca = await createCa({ commonName: 'Verge test blob CA', validityDays: 2 });
    const cert = await issueServerCert({ ca, commonName: 'blob.test', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityDays: 2 });
    const certFile = join(tmp.dir, 'blob-chain.pem');
    const keyFile = join(tmp.dir, 'blob-key.pem');
    const caFile = join(tmp.dir, 'blob-ca.pem');
    await writeFile(certFile, cert.chainPem);
    await writeFile(keyFile, cert.privateKeyPem, { mode: 0o600 });
    await writeFile(caFile, ca.certificatePem);
    const accountKey = randomBytes(32).toString('base64');
    const azurite = await startAzurite({
      location: join(tmp.dir, 'data'),
      bindHost: '127.0.0.1',
      port: 0,
      certFile,
      keyFile,
      account,
      accountKey,
      log: createLogger({ service: 'external-azurite', level: 'silent' }),
    });
    const blobEndpoint = `https://127.0.0.1:${azurite.port}/${account}`;
    return {
      connectionString: `DefaultEndpointsProtocol=https;AccountName=${account};AccountKey=${accountKey};BlobEndpoint=${blobEndpoint};`,
      blobEndpoint,
      caFile,
      caPem: ca.certificatePem,
      stop: async () => {
        await azurite.stop();
        tmp.cleanup();
      },
    };
  } catch (e) {
    tmp.cleanup();
    throw e;
  }
}
