// First keys of the two-key advisory locks the PostgreSQL store takes. The second key is `hashtext` of the schema,
// so stores in other schemas of the same database (parallel tests, several clouds on one server) never wait on
// each other.

/** Held (session lock) while migrations run: instances starting at once apply each migration once. */
export const MIGRATION_LOCK_CLASS = 0x56455247; // "VERG"

/**
 * Held (transaction lock) by each telemetry append batch from before its rows take sequence numbers until it
 * commits, so batches of all instances commit in sequence order: a reader paging with `after(seq)` never sees a
 * higher sequence number before a lower one that is still to commit.
 */
export const TELEMETRY_LOCK_CLASS = 0x56455254; // "VERT"
