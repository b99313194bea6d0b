/** Why a file-system call failed, in words a user acts on (the errno code kept in parentheses). */
const CAUSES: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a path component is a file, not a directory',
  EEXIST: 'a file is in the way',
  ENOENT: 'a parent directory does not exist and cannot be created there (e.g. below /proc, or a dangling symbolic link)',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
};

/** `permission denied (EACCES)`; the error's own message for codes without an explanation. */
export function fsErrorCause(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code ?? '';
  return `${CAUSES[code] ?? (e instanceof Error ? e.message : String(e))}${code === '' ? '' : ` (${code})`}`;
}
