import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { tempDir } from '@verge/testkit';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../integration/sdk-support/upload-phases.mjs', import.meta.url));

/** What the SDK's `getBlobSharedAccessSignature` answered. */
export interface SdkUploadSas {
  readonly correlationId: string;
  readonly hostName: string;
  readonly containerName: string;
  readonly blobName: string;
  readonly sasToken: string;
}

/** One device process (`sdk-support/upload-phases.mjs`) outcome. */
export interface SdkPhaseResult {
  readonly ok: boolean;
  readonly sas?: SdkUploadSas;
  readonly message?: string;
  readonly inner?: string;
}

/** How the device process reaches a cloud: its connection string, the HTTPS port of this phase, the CA files it trusts. */
export interface SdkDevice {
  readonly connectionString: string;
  readonly httpsPort: number;
  /** Concatenated into one NODE_EXTRA_CA_CERTS file (the cloud CAs, the blob store's CA). */
  readonly caFiles: readonly string[];
}

/** `getBlobSharedAccessSignature(blobName)` of the unmodified SDK in a device process. */
export function sdkGetSas(d: SdkDevice, blobName: string): Promise<SdkPhaseResult> {
  return phase(d, { UPLOAD_PHASE: 'sas', UPLOAD_BLOB: blobName });
}

/** The blob PUT as the SDK's uploader does it (unless `text` is undefined), then `notifyBlobUploadStatus` (success). */
export function sdkFinishUpload(d: SdkDevice, sas: SdkUploadSas, text: string | undefined): Promise<SdkPhaseResult> {
  return phase(d, { UPLOAD_PHASE: 'finish', UPLOAD_SAS: JSON.stringify(sas), ...(text === undefined ? {} : { UPLOAD_TEXT: text }) });
}

async function phase(d: SdkDevice, env: Record<string, string>): Promise<SdkPhaseResult> {
  const tmp = tempDir('verge-sdk-ca-');
  try {
    const bundle = join(tmp.dir, 'ca.pem');
    await writeFile(bundle, (await Promise.all(d.caFiles.map((f) => readFile(f, 'utf8')))).join('\n'));
    const { stdout } = await run(process.execPath, [script], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: bundle, UPLOAD_CS: d.connectionString, UPLOAD_PORT: String(d.httpsPort), ...env },
      timeout: 90_000,
    });
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as SdkPhaseResult;
  } finally {
    tmp.cleanup();
  }
}
