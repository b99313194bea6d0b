import { request } from 'node:https';
import { rootCertificates } from 'node:tls';
import { VergeError } from '@verge/contracts';

/** Where an upload goes: a container SAS URL (`https://{account host}/{container}?sv=…&sig=…`) as §2.6's `sasUrl`. */
export interface BlobTarget {
  readonly sasUrl: string;
  /** Extra CA to trust beside the system roots (the cloud's CA, `--cloud-ca`: the cloud's own blob store). */
  readonly ca?: string;
  readonly timeoutMs?: number;
}

/** The URL of blob `name` inside the SAS URL's container, keeping its query (the SAS). */
export function blobUrl(sasUrl: string, name: string): URL {
  const url = new URL(sasUrl);
  const encoded = name.split('/').map(encodeURIComponent).join('/');
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${encoded}`;
  return url;
}

/**
 * Uploads `body` as block blob `name` with one Put Blob (`PUT …?{sas}`, `x-ms-blob-type: BlockBlob`; up to 5000 MiB
 * per request since API 2019-12-12, far above logs and bundles), over plain HTTPS rather than @azure/storage-blob:
 * the agent ships in the bundled edge runtime and one request needs no SDK. Resolves on 201; throws AGT_UPLOAD_FAILED
 * naming the host and the store's status and error code (or the network/TLS error) otherwise. The SAS never
 * appears in the message.
 */
export function putBlockBlob(target: BlobTarget, name: string, body: Buffer, contentType: string): Promise<void> {
  let url: URL;
  try {
    url = blobUrl(target.sasUrl, name);
  } catch {
    return Promise.reject(new VergeError('AGT_UPLOAD_FAILED', 'sasUrl is not a URL (expected https://{account}.blob.core.windows.net/{container}?{sas})'));
  }
  if (url.protocol !== 'https:') return Promise.reject(new VergeError('AGT_UPLOAD_FAILED', `sasUrl must be https, not ${url.protocol.replace(':', '')}`));
  const where = `${url.host}${url.pathname}`;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'PUT',
        ca: target.ca === undefined ? undefined : [...rootCertificates, target.ca],
        timeout: target.timeoutMs ?? 60_000,
        headers: { 'x-ms-blob-type': 'BlockBlob', 'x-ms-version': '2020-10-02', 'content-type': contentType, 'content-length': body.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode === 201) return resolve();
          const code = res.headers['x-ms-error-code'] ?? /<Code>([^<]+)<\/Code>/.exec(Buffer.concat(chunks).toString('utf8'))?.[1] ?? 'no error code';
          reject(new VergeError('AGT_UPLOAD_FAILED', `upload to ${where} refused: HTTP ${String(res.statusCode)} ${String(code)}`));
        });
        res.on('error', (e) => reject(new VergeError('AGT_UPLOAD_FAILED', `upload to ${where} failed: ${e.message}`, { cause: e })));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${target.timeoutMs ?? 60_000} ms`)));
    req.on('error', (e) => reject(new VergeError('AGT_UPLOAD_FAILED', `upload to ${where} failed: ${e.message}`, { cause: e })));
    req.end(body);
  });
}
