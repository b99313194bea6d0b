import { readFile, rename, writeFile, chmod } from 'node:fs/promises';
import { VergeError } from '@verge/contracts';

/** Reads a text file, or undefined when it does not exist. Other failures are PKI_FILE_INVALID naming the path. */
export async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new VergeError('PKI_FILE_INVALID', `${path} cannot be read: ${(e as Error).message}`, { cause: e });
  }
}

/** Reads a text file that must exist. */
export async function readRequired(path: string, role: string): Promise<string> {
  const text = await readOptional(path);
  if (text === undefined) throw new VergeError('PKI_FILE_INVALID', `${role} ${path} does not exist`);
  return text;
}

/**
 * Writes `text` atomically (temporary file + rename, so a crash never leaves half a key) with `mode`
 * (0600 for private keys, 0644 for certificates).
 */
export async function writeAtomic(path: string, text: string, mode: number): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text, { mode });
  await chmod(tmp, mode); // the umask may have narrowed or the file pre-existed with other bits
  await rename(tmp, path);
}

