import type { MqttSessionState } from '../../services/types.js';
import type { SessionRepository } from '../ports.js';
import { run, type PgQueryable } from './pg-queryable.js';

/** PostgreSQL implementation of `SessionRepository` (state as `jsonb`). */
export function createPgSessionRepository(db: PgQueryable): SessionRepository {
  return {
    async load(clientId) {
      const { rows } = await run<{ state: MqttSessionState }>(db, 'sessions-load', 'SELECT state FROM mqtt_sessions WHERE client_id = $1', [clientId]);
      return rows[0]?.state;
    },
    async save(clientId, state, atMs) {
      if (state === undefined) {
        await run(db, 'sessions-delete', 'DELETE FROM mqtt_sessions WHERE client_id = $1', [clientId]);
        return;
      }
      await run(
        db,
        'sessions-save',
        `INSERT INTO mqtt_sessions (client_id, state, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (client_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
        [clientId, JSON.stringify(state), atMs],
      );
    },
    // Ids may contain '%' and '_', so match the module prefix with starts_with, not LIKE.
    deleteForDevice: async (deviceId) =>
      (await run(db, 'sessions-delete-device', "DELETE FROM mqtt_sessions WHERE client_id = $1 OR starts_with(client_id, $1 || '/')", [deviceId])).rowCount ?? 0,
  };
}
