import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createDirectories } from '@verge/platform';
import { z } from 'zod';
import { VergeError } from '@verge/contracts';

/** Name of the credentials file in the data directory (the CLI reads it: apps/cli/src/connection.ts). */
export const CREDENTIALS_FILE = 'credentials.json';

/** What `verge cloud credentials` prints and client commands use to reach the cloud. */
export const CloudCredentialsSchema = z.object({
  hostName: z.string(),
  /** `HostName=…;SharedAccessKeyName=owner;SharedAccessKey=…` */
  serviceConnectionString: z.string(),
  /** Absolute path of the CA clients must trust. */
  caPath: z.string(),
  /** The service API over TLS, e.g. `https://localhost:8443`. */
  apiUrl: z.string(),
  /** The service API over plain HTTP, e.g. `http://127.0.0.1:8080`. */
  httpUrl: z.string(),
  /** Where devices connect: `mqtts://{hostName}:{port}`. */
  mqttUrl: z.string(),
  /** When the cloud last wrote this file. */
  updatedAt: z.string(),
});
export type CloudCredentials = z.infer<typeof CloudCredentialsSchema>;

/** Writes `DIR/credentials.json` (0600, atomically: a reader never sees half a file). */
export async function writeCloudCredentials(dataDir: string, credentials: CloudCredentials): Promise<string> {
  await createDirectories(dataDir, 0o700);
  const path = join(dataDir, CREDENTIALS_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, path);
  return path;
}

/**
 * Reads the credentials the cloud wrote in its data directory (for `verge cloud credentials`). Throws
 * CLD_CREDENTIALS_NOT_FOUND when the cloud never started there, CLD_CONFIG_INVALID when the file is damaged.
 */
export async function readCloudCredentials(dataDir: string): Promise<CloudCredentials> {
  const path = join(dataDir, CREDENTIALS_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new VergeError('CLD_CREDENTIALS_NOT_FOUND', `${path} does not exist: start the cloud once with --data ${dataDir}`, { details: { path } });
    }
    throw e;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new VergeError('CLD_CONFIG_INVALID', `${path} is not valid JSON; restart the cloud to rewrite it`, { details: { path } });
  }
  const r = CloudCredentialsSchema.safeParse(json);
  if (!r.success) {
    throw new VergeError('CLD_CONFIG_INVALID', `${path} is not a credentials file (${r.error.issues[0]?.message ?? 'bad shape'}); restart the cloud to rewrite it`, {
      details: { path },
    });
  }
  return r.data;
}
