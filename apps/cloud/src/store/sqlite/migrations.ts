import type { Migration } from '@verge/platform';

/** Schema of the cloud's SQLite store. Released migrations never change; add a new one instead. */
export const cloudMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'registry-twins-policies-c2d-telemetry',
    up: `
CREATE TABLE devices (
  device_id TEXT PRIMARY KEY,
  generation_id TEXT NOT NULL,
  etag TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('enabled', 'disabled')),
  status_reason TEXT,
  status_updated_at INTEGER NOT NULL,
  auth_type TEXT NOT NULL CHECK (auth_type IN ('sas', 'selfSigned', 'certificateAuthority')),
  primary_key TEXT,
  secondary_key TEXT,
  primary_thumbprint TEXT,
  secondary_thumbprint TEXT,
  is_edge INTEGER NOT NULL,
  parent_device_id TEXT,
  connection_state TEXT NOT NULL DEFAULT 'Disconnected',
  connection_state_updated_at INTEGER,
  last_activity_at INTEGER,
  created_at INTEGER NOT NULL
);
CREATE INDEX devices_parent ON devices (parent_device_id);

CREATE TABLE modules (
  device_id TEXT NOT NULL REFERENCES devices (device_id) ON DELETE CASCADE,
  module_id TEXT NOT NULL,
  generation_id TEXT NOT NULL,
  etag TEXT NOT NULL,
  managed_by TEXT,
  auth_type TEXT NOT NULL CHECK (auth_type IN ('sas', 'selfSigned', 'certificateAuthority')),
  primary_key TEXT,
  secondary_key TEXT,
  primary_thumbprint TEXT,
  secondary_thumbprint TEXT,
  connection_state TEXT NOT NULL DEFAULT 'Disconnected',
  connection_state_updated_at INTEGER,
  last_activity_at INTEGER,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (device_id, module_id)
);

-- module_id '' is the device twin.
CREATE TABLE twins (
  device_id TEXT NOT NULL REFERENCES devices (device_id) ON DELETE CASCADE,
  module_id TEXT NOT NULL,
  etag TEXT NOT NULL,
  version INTEGER NOT NULL,
  tags TEXT NOT NULL,
  desired TEXT NOT NULL,
  reported TEXT NOT NULL,
  PRIMARY KEY (device_id, module_id)
);

CREATE TABLE policies (
  name TEXT PRIMARY KEY,
  primary_key TEXT NOT NULL,
  secondary_key TEXT NOT NULL,
  rights TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE c2d_messages (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  device_id TEXT NOT NULL REFERENCES devices (device_id) ON DELETE CASCADE,
  body BLOB NOT NULL,
  properties TEXT NOT NULL,
  system_properties TEXT NOT NULL,
  enqueued_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX c2d_device ON c2d_messages (device_id, seq);
CREATE INDEX c2d_expiry ON c2d_messages (expires_at);

-- No foreign key: telemetry outlives the identity that sent it, until retention drops it.
CREATE TABLE telemetry (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  device_id TEXT NOT NULL,
  module_id TEXT,
  enqueued_at INTEGER NOT NULL,
  body BLOB NOT NULL,
  properties TEXT NOT NULL,
  system_properties TEXT NOT NULL,
  size INTEGER NOT NULL
);
CREATE INDEX telemetry_device ON telemetry (device_id, module_id, seq);
CREATE INDEX telemetry_time ON telemetry (enqueued_at);
`,
  },
  {
    version: 2,
    name: 'mqtt-sessions',
    // Persistent MQTT sessions (clean=false) of the device endpoint, keyed by client id ({d} or {d}/{m}).
    up: `
CREATE TABLE mqtt_sessions (
  client_id TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
`,
  },
  {
    version: 3,
    name: 'configurations-rollouts',
    // Deployments (IoT Hub configurations), their staged-rollout state and the devices' pre-rollout snapshots
    // (deleted with the deployment), and the `$edgeAgent` twins' deployment statuses (NULL: none).
    up: `
CREATE TABLE configurations (
  id TEXT PRIMARY KEY,
  etag TEXT NOT NULL,
  schema_version TEXT NOT NULL,
  labels TEXT NOT NULL,
  content TEXT NOT NULL,
  target_condition TEXT NOT NULL,
  priority INTEGER NOT NULL,
  metric_queries TEXT NOT NULL,
  layered INTEGER NOT NULL,
  rollout TEXT,
  created_at INTEGER NOT NULL,
  last_updated_at INTEGER NOT NULL
);

CREATE TABLE rollouts (
  configuration_id TEXT PRIMARY KEY REFERENCES configurations (id) ON DELETE CASCADE,
  etag TEXT NOT NULL,
  state TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);

-- No foreign key to devices: a snapshot batch must not fail because one device was deleted meanwhile.
CREATE TABLE rollout_snapshots (
  configuration_id TEXT NOT NULL REFERENCES configurations (id) ON DELETE CASCADE,
  device_id TEXT NOT NULL,
  desired TEXT NOT NULL,
  PRIMARY KEY (configuration_id, device_id)
);

ALTER TABLE twins ADD COLUMN configurations TEXT;
`,
  },
  {
    version: 4,
    name: 'jobs',
    // IoT Hub jobs (jobs v2) and their per-device outcomes (deleted with the job). No foreign key to devices: a
    // device deleted while a job runs keeps its row (and fails with DeviceNotFound).
    up: `
CREATE TABLE jobs (
  job_id TEXT PRIMARY KEY,
  etag TEXT NOT NULL,
  type TEXT NOT NULL,
  query_condition TEXT NOT NULL,
  status TEXT NOT NULL,
  update_twin TEXT,
  cloud_to_device_method TEXT,
  created_at INTEGER NOT NULL,
  start_at INTEGER NOT NULL,
  run_started_at INTEGER,
  end_at INTEGER,
  max_execution_seconds INTEGER NOT NULL,
  failure_reason TEXT,
  status_message TEXT,
  counts TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX jobs_status ON jobs (status, job_id);

CREATE TABLE job_devices (
  job_id TEXT NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
  device_id TEXT NOT NULL,
  status TEXT NOT NULL,
  outcome TEXT,
  error TEXT,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (job_id, device_id)
);
CREATE INDEX job_devices_status ON job_devices (job_id, status, device_id);
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
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  record TEXT NOT NULL,
  added_at INTEGER NOT NULL
);
CREATE INDEX service_bound_kind ON service_bound (kind, seq);
CREATE INDEX service_bound_added ON service_bound (kind, added_at);
`,
  },
];
