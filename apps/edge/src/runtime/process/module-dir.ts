import { moduleFileName } from '../container-name.js';

/**
 * A file-system-safe directory name for a module id: the id when it is plain (letters, digits, `_ . -`), else a
 * sanitised form with a hash suffix, so two ids never share a directory (the rule of container names, without
 * Docker's two-character minimum).
 */
export function moduleDirName(moduleId: string): string {
  return moduleFileName(moduleId);
}
