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
  {
    version: 2,
    name: 'configurations-rollouts',
    // As SQLite migration 3: deployments, their rollout state and snapshots (deleted with the deployment), and the
    // `$edgeAgent` twins' deployment statuses (NULL: none).
    up: `
CREATE TABLE configurations (
  id text PRIMARY KEY,
  etag text NOT NULL,
  schema_version text NOT NULL,
  labels jsonb NOT NULL,
  content jsonb NOT NULL,
  target_condition text NOT NULL,
  priority integer NOT NULL,
  metric_queries jsonb NOT NULL,
  layered boolean NOT NULL,
  rollout jsonb,
  created_at bigint NOT NULL,
  last_updated_at bigint NOT NULL
);

CREATE TABLE rollouts (
  configuration_id text PRIMARY KEY REFERENCES configurations (id) ON DELETE CASCADE,
  etag text NOT NULL,
  state jsonb NOT NULL,
  updated_at bigint NOT NULL
);

-- No foreign key to devices: a snapshot batch must not fail because one device was deleted meanwhile.
CREATE TABLE rollout_snapshots (
  configuration_id text NOT NULL REFERENCES configurations (id) ON DELETE CASCADE,
  device_id text NOT NULL,
  desired jsonb NOT NULL,
  PRIMARY KEY (configuration_id, device_id)
);

ALTER TABLE twins ADD COLUMN configurations jsonb;
`,
  },
  {
    version: 3,
    name: 'jobs',
    // IoT Hub jobs (jobs v2) and their per-device outcomes (deleted with the job). No foreign key to devices: a
    // device deleted while a job runs keeps its row (and fails with DeviceNotFound).
    up: `
CREATE TABLE jobs (
  job_id text PRIMARY KEY,
  etag text NOT NULL,
  type text NOT NULL,
  query_condition text NOT NULL,
  status text NOT NULL,
  update_twin jsonb,
  cloud_to_device_method jsonb,
  created_at bigint NOT NULL,
  start_at bigint NOT NULL,
  run_started_at bigint,
  end_at bigint,
  max_execution_seconds bigint NOT NULL,
  failure_reason text,
  status_message text,
  counts jsonb NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX jobs_status ON jobs (status, job_id);

CREATE TABLE job_devices (
  job_id text NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
  device_id text NOT NULL,
  status text NOT NULL,
  outcome jsonb,
  error jsonb,
  updated_at bigint NOT NULL,
  PRIMARY KEY (job_id, device_id)
);
CREATE INDEX job_devices_status ON job_devices (job_id, status, device_id);
`,
  },
  {
    version: 4,
    name: 'telemetry-reservations-sharded-totals',
    // Telemetry ingest without a lock across instances (ARCHITECTURE.md, "Telemetry ingest across instances"):
    // each batch reserves its sequence numbers in telemetry_pending (pid: the backend that will commit the batch;
    // readers ignore a reservation whose backend is gone), and the single totals row becomes 16 shards whose sums
    // are the totals (shard 0 takes over the old row). Instances of an older version cannot append any more.
    up: `
CREATE TABLE telemetry_pending (
  lo bigint PRIMARY KEY,
  hi bigint NOT NULL,
  created_at timestamptz NOT NULL,
  instance text NOT NULL,
  pid integer NOT NULL
);

CREATE TABLE telemetry_totals_shards (
  shard smallint PRIMARY KEY,
  count bigint NOT NULL,
  bytes bigint NOT NULL,
  last_sequence bigint NOT NULL
);
INSERT INTO telemetry_totals_shards (shard, count, bytes, last_sequence) SELECT 0, count, bytes, last_sequence FROM telemetry_totals;
INSERT INTO telemetry_totals_shards (shard, count, bytes, last_sequence) SELECT s, 0, 0, 0 FROM generate_series(1, 15) AS s;
DROP TABLE telemetry_totals;
`,
  },
  {
    version: 5,
    name: 'service-bound',
    // What the service-bound AMQP nodes send (kind 'feedback': delivery outcomes of C2D messages sent with
    // iothub-ack; 'file-notification': successful file uploads) until a service client's receiver completes them,
    // or they are too old.
    up: `
CREATE TABLE service_bound (
  seq bigserial PRIMARY KEY,
  kind text NOT NULL,
  record jsonb NOT NULL,
  added_at bigint NOT NULL
);
CREATE INDEX service_bound_kind ON service_bound (kind, seq);
CREATE INDEX service_bound_added ON service_bound (kind, added_at);
`,
  },
];
