import type { SqliteDatabase } from '@verge/platform';
import { storeConflict, type WriteCondition } from '../ports.js';

/**
 * Writes with `write` when `condition` holds for the stored etag (`currentEtag`: undefined when there is no stored
 * record), and otherwise throws CLD_STORE_CONFLICT without writing. Check and write share one IMMEDIATE transaction
 * (a savepoint inside an open one), so another connection to the file cannot write in between.
 */
export function writeIf(
  db: SqliteDatabase,
  condition: WriteCondition | undefined,
  what: string,
  currentEtag: () => string | undefined,
  write: () => void,
): void {
  if (condition === undefined) {
    write();
    return;
  }
  db.transaction(() => {
    const current = currentEtag();
    const holds = 'ifEtag' in condition ? current === condition.ifEtag : current === undefined;
    if (!holds) throw storeConflict(what, condition);
    write();
  }).immediate();
}
