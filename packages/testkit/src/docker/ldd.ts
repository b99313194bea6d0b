import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The shared objects `ldd` reported for a binary. */
export interface LddResult {
  /** Absolute paths in load order, first occurrence kept; includes the dynamic loader. */
  readonly libraries: readonly string[];
  /** Sonames ldd could not resolve (`libfoo.so => not found`). */
  readonly missing: readonly string[];
}

// `\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f...)`
const RESOLVED = /^\s*(\S+)\s+=>\s+(\/\S+)(?:\s+\(0x[0-9a-f]+\))?\s*$/i;
// `\tlibfoo.so.1 => not found`
const NOT_FOUND = /^\s*(\S+)\s+=>\s+not found\s*$/i;
// `\t/lib64/ld-linux-x86-64.so.2 (0x00007f...)`: the loader, named by the path baked into the binary
const DIRECT = /^\s*(\/\S+)\s+\(0x[0-9a-f]+\)\s*$/i;

/**
 * Parses glibc or musl `ldd` output. Lines without a path (the vDSO, "statically linked") name nothing to copy
 * and are skipped.
 */
export function parseLddOutput(text: string): LddResult {
  const libraries: string[] = [];
  const missing: string[] = [];
  for (const line of text.split('\n')) {
    const notFound = NOT_FOUND.exec(line);
    if (notFound?.[1] !== undefined) {
      missing.push(notFound[1]);
      continue;
    }
    const path = RESOLVED.exec(line)?.[2] ?? DIRECT.exec(line)?.[1];
    if (path !== undefined && !libraries.includes(path)) libraries.push(path);
  }
  return { libraries, missing };
}

/**
 * Runs `ldd` on a binary and returns the shared objects it needs. A static binary needs none (ldd exits 1 with
 * "not a dynamic executable"); an unresolved library is an error, since the image would not start.
 */
export async function listSharedLibraries(binaryPath: string): Promise<readonly string[]> {
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync('ldd', [binaryPath], { encoding: 'utf8' }));
  } catch (error) {
    const output = outputOf(error);
    if (/not a dynamic executable|statically linked/i.test(output)) return [];
    throw new Error(`ldd ${binaryPath} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const result = parseLddOutput(stdout);
  if (result.missing.length > 0) {
    throw new Error(`ldd ${binaryPath}: shared libraries not found on this host: ${result.missing.join(', ')}`);
  }
  return result.libraries;
}

function outputOf(error: unknown): string {
  if (typeof error !== 'object' || error === null) return '';
  const { stdout, stderr } = error as { stdout?: unknown; stderr?: unknown };
  return `${typeof stdout === 'string' ? stdout : ''}${typeof stderr === 'string' ? stderr : ''}`;
}
