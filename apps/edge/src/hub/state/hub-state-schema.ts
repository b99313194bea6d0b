import type { Migration } from '@verge/platform';

/**
 * Schema of the hub's state database (`hub-state.db`, next to the message store): what iotedge keeps in its
 * `sessions` and `twins` column families plus the device-scope cache (reference azure-iot-edge.md §4, §11.1, §11.3).
 * - `sessions`: subscriptions of persistent MQTT sessions (iotedge #4050: subscriptions must survive a restart).
 * - `scope_identities`: the leaf devices of this edge device with their credentials, so leaves authenticate offline.
 * - `twins`: the last twin seen per client (served when the cloud is unreachable), with the cloud's `$version`s.
 * - `reported_pending`: reported-property patches answered locally and not yet confirmed by the cloud, in order.
 * - `edge_hub_desired`: the last `$edgeHub` desired properties whose routes compiled (routes when starting offline).
 */
export const hubStateMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'hub-state',
    up: `
      CREATE TABLE sessions (
        client_id TEXT PRIMARY KEY,
        state TEXT NOT NULL
      );
      CREATE TABLE scope_identities (
        device_id TEXT PRIMARY KEY,
        record TEXT NOT NULL
      );
      CREATE TABLE scope_meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
      CREATE TABLE twins (
        client_id TEXT PRIMARY KEY,
        desired TEXT NOT NULL,
        reported TEXT NOT NULL,
        updated_at_ms INTEGER NOT NULL
      );
      CREATE TABLE reported_pending (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        client_id TEXT NOT NULL,
        patch TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL
      );
      CREATE INDEX reported_pending_client ON reported_pending (client_id, seq);
      CREATE TABLE edge_hub_desired (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        desired TEXT NOT NULL,
        saved_at_ms INTEGER NOT NULL
      );
    `,
  },
];
