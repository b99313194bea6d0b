import type { SqliteDatabase } from '@verge/platform';
import type { MqttSessionState } from '../../services/types.js';
import type { SessionRepository } from '../ports.js';
import type { SyncOf } from './sync-ports.js';

/** SQLite implementation of `SessionRepository` (state as JSON text). */
export function createSqliteSessionRepository(db: SqliteDatabase): SyncOf<SessionRepository> {
  const get = db.prepare<[string], { state: string }>('SELECT state FROM mqtt_sessions WHERE client_id = ?');
  const put = db.prepare<[string, string, number]>('INSERT OR REPLACE INTO mqtt_sessions (client_id, state, updated_at) VALUES (?, ?, ?)');
  const del = db.prepare<[string]>('DELETE FROM mqtt_sessions WHERE client_id = ?');
  // Ids may contain '%' and '_', so match the module prefix with substr, not LIKE.
  const delDevice = db.prepare<{ d: string }>("DELETE FROM mqtt_sessions WHERE client_id = @d OR substr(client_id, 1, length(@d) + 1) = @d || '/'");
  return {
    load: (clientId) => {
      const row = get.get(clientId);
      return row === undefined ? undefined : (JSON.parse(row.state) as MqttSessionState);
    },
    save: (clientId, state, atMs) => {
      if (state === undefined) del.run(clientId);
      else put.run(clientId, JSON.stringify(state), atMs);
    },
    deleteForDevice: (deviceId) => delDevice.run({ d: deviceId }).changes,
  };
}
