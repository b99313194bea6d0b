import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createDirectories } from '@verge/platform';
import { VergeError } from '@verge/contracts';

/**
 * Reads a JSON state file: undefined when it does not exist; VergeError AGT_STATE_FILE_INVALID naming the file
 * when it cannot be read or is not JSON (the caller logs it and starts without the file).
 */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new VergeError('AGT_STATE_FILE_INVALID', `cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new VergeError('AGT_STATE_FILE_INVALID', `${path} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Writes a JSON state file atomically (a temporary file in the same directory, fsync'd by `flush`, then renamed),
 * so a crash leaves either the old or the new content, never a torn file. Mode 0600: the files may hold keys'
 * generation ids and deployment secrets (registry credentials).
 */
export async function writeJsonFile(path: string, value: unknown): Promise<void> {
  await createDirectories(dirname(path), 0o700);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600, flush: true });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined); // a partial file (a full disk) takes no space
    throw e;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Throws AGT_STATE_FILE_INVALID unless `value` is a JSON object with `version === expected`. */
export function expectStateObject(value: unknown, path: string, expected: number): Record<string, unknown> {
  if (!isRecord(value)) throw new VergeError('AGT_STATE_FILE_INVALID', `${path}: the content is not a JSON object`);
  if (value['version'] !== expected) {
    throw new VergeError('AGT_STATE_FILE_INVALID', `${path}: version ${JSON.stringify(value['version'])} is not ${expected}, the version this agent writes`);
  }
  return value;
}
