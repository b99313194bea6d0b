import type { Migration } from '@verge/platform';

/**
 * Schema of the SQLite message store (reference azure-iot-edge.md §4, iotedge's RocksDB column families as tables):
 * `messages` holds one copy per message with its reference count; `refs` holds every queue's append-only log of
 * references; `queues` holds each queue's next offset and checkpoint. Offsets are never reused: `next_offset` is
 * kept even when every ref of a queue is gone.
 */
export const messageStoreMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'message-store',
    up: `
      CREATE TABLE messages (
        seq INTEGER PRIMARY KEY,
        edge_message_id TEXT NOT NULL,
        body BLOB NOT NULL,
        properties TEXT NOT NULL,
        system_properties TEXT NOT NULL,
        size INTEGER NOT NULL,
        ref_count INTEGER NOT NULL
      );
      -- copies whose last reference went: found without a scan, deleted in the same transaction
      CREATE INDEX messages_unreferenced ON messages (seq) WHERE ref_count <= 0;
      CREATE TABLE queues (
        id INTEGER PRIMARY KEY,
        endpoint_id TEXT NOT NULL,
        priority INTEGER NOT NULL,
        next_offset INTEGER NOT NULL DEFAULT 0,
        checkpoint INTEGER NOT NULL DEFAULT -1,
        UNIQUE (endpoint_id, priority)
      );
      CREATE TABLE refs (
        queue_id INTEGER NOT NULL,
        offset INTEGER NOT NULL,
        message_seq INTEGER NOT NULL,
        enqueued_at_ms INTEGER NOT NULL,
        ttl_secs INTEGER NOT NULL,
        expires_at_ms INTEGER,
        PRIMARY KEY (queue_id, offset)
      ) WITHOUT ROWID;
      CREATE INDEX refs_expiry ON refs (expires_at_ms) WHERE expires_at_ms IS NOT NULL;
    `,
  },
];
