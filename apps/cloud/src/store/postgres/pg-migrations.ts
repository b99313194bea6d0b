/** One numbered schema change of the PostgreSQL store. Versions start at 1 and increase by one. */
export interface PgMigration {
  readonly version: number;
  readonly name: string;
  /** SQL run in one transaction together with its row in `schema_migrations`. */
  readonly up: string;
}

/**
 * Schema of the cloud's PostgreSQL store: the tables of the SQLite store (`../sqlite/migrations.ts`) with
 * PostgreSQL types. Times are epoch ms (`bigint`), JSON documents `jsonb`, bodies `bytea`. Released migrations
 * never change; add a new one instead.
 */
export const pgCloudMigrations: readonly PgMigration[] = [
  {
    version: 1,
    name: 'registry-twins-policies-c2d-telemetry-sessions',
    up: `
CREATE TABLE devices (
  device_id text PRIMARY KEY,
  generation_id text NOT NULL,
  etag text NOT NULL,
  status text NOT NULL CHECK (status IN ('enabled', 'disabled')),
  status_reason text,
  status_updated_at bigint NOT NULL,
  auth_type text NOT NULL CHECK (auth_type IN ('sas', 'selfSigned', 'certificateAuthority')),
  primary_key text,
  secondary_key text,
  primary_thumbprint text,
  secondary_thumbprint text,
  is_edge boolean NOT NULL,
  parent_device_id text,
  connection_state text NOT NULL DEFAULT 'Disconnected',
  connection_state_updated_at bigint,
  last_activity_at bigint,
  created_at bigint NOT NULL
);
CREATE INDEX devices_parent ON devices (parent_device_id);

CREATE TABLE modules (
  device_id text NOT NULL REFERENCES devices (device_id) ON DELETE CASCADE,
  module_id text NOT NULL,
  generation_id text NOT NULL,
  etag text NOT NULL,
  managed_by text,
  auth_type text NOT NULL CHECK (auth_type IN ('sas', 'selfSigned', 'certificateAuthority')),
  primary_key text,
  secondary_key text,
  primary_thumbprint text,
  secondary_thumbprint text,
  connection_state text NOT NULL DEFAULT 'Disconnected',
  connection_state_updated_at bigint,
  last_activity_at bigint,
  created_at bigint NOT NULL,
  PRIMARY KEY (device_id, module_id)
);

-- module_id '' is the device twin.
CREATE TABLE twins (
  device_id text NOT NULL REFERENCES devices (device_id) ON DELETE CASCADE,
  module_id text NOT NULL,
  etag text NOT NULL,
  version bigint NOT NULL,
  tags jsonb NOT NULL,
  desired jsonb NOT NULL,
  reported jsonb NOT NULL,
  PRIMARY KEY (device_id, module_id)
);

CREATE TABLE policies (
  name text PRIMARY KEY,
  primary_key text NOT NULL,
  secondary_key text NOT NULL,
  rights text[] NOT NULL,
  created_at bigint NOT NULL
);

CREATE TABLE c2d_messages (
  seq bigserial PRIMARY KEY,
  id text NOT NULL UNIQUE,
  device_id text NOT NULL REFERENCES devices (device_id) ON DELETE CASCADE,
  body bytea NOT NULL,
  properties jsonb NOT NULL,
  system_properties jsonb NOT NULL,
  enqueued_at bigint NOT NULL,
  expires_at bigint NOT NULL
);
CREATE INDEX c2d_device ON c2d_messages (device_id, seq);
CREATE INDEX c2d_expiry ON c2d_messages (expires_at);

-- No foreign key: telemetry outlives the identity that sent it, until retention drops it. The sequence is never
-- reset, so sequence numbers are never reused after pruning.
CREATE TABLE telemetry (
  seq bigserial PRIMARY KEY,
  device_id text NOT NULL,
  module_id text,
  enqueued_at bigint NOT NULL,
  body bytea NOT NULL,
  properties jsonb NOT NULL,
  system_properties jsonb NOT NULL,
  size integer NOT NULL
);
CREATE INDEX telemetry_device ON telemetry (device_id, module_id, seq);
CREATE INDEX telemetry_module ON telemetry (module_id, seq) WHERE module_id IS NOT NULL;
CREATE INDEX telemetry_time ON telemetry (enqueued_at);

-- Running totals of the telemetry kept, updated in the transaction of every append batch and every prune, so
-- retention checks and stats cost one row read and every cloud instance sees the same numbers. last_sequence is
-- the highest sequence number ever committed (the sequence itself also counts values of rolled-back batches).
CREATE TABLE telemetry_totals (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  count bigint NOT NULL,
  bytes bigint NOT NULL,
  last_sequence bigint NOT NULL
);
INSERT INTO telemetry_totals (count, bytes, last_sequence) VALUES (0, 0, 0);

-- Persistent MQTT sessions (clean=false) of the device endpoint, keyed by client id ({d} or {d}/{m}).
CREATE TABLE mqtt_sessions (
  client_id text PRIMARY KEY,
  state jsonb NOT NULL,
  updated_at bigint NOT NULL
);
`,
  },
];
