import { readFile } from 'node:fs/promises';
import { VergeError } from '@verge/contracts';

/** Reads a file named by a flag or argument; a missing or unreadable file is bad input (CLI_FILE_UNREADABLE). */
export async function readTextFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new VergeError('CLI_FILE_UNREADABLE', `cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
}
