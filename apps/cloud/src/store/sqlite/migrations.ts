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
];
