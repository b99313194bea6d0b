import { containerNameFor } from '../container-name.js';

/**
 * A file-system-safe directory name for a module id: the id when it is plain (letters, digits, `_ . -`), else a
 * sanitised form with a hash suffix, so two ids never share a directory (the same rule as container names).
 */
export function moduleDirName(moduleId: string): string {
  return containerNameFor(moduleId);
}
