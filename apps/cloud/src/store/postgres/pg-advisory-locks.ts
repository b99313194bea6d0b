// First keys of the two-key advisory locks the PostgreSQL store takes. The second key is `hashtext` of the schema,
// so stores in other schemas of the same database (parallel tests, several clouds on one server) never wait on
// each other.

/** Held (session lock) while migrations run: instances starting at once apply each migration once. */
export const MIGRATION_LOCK_CLASS = 0x56455247; // "VERG"

/**
 * Held (transaction lock) by the short autocommit transaction in which a telemetry batch reserves its sequence
 * numbers (`telemetry-batch.ts`), never across the batch's own transaction: reservations become visible in sequence
 * order, which the readers' horizon (`telemetry-horizon.ts`) relies on.
 */
export const TELEMETRY_LOCK_CLASS = 0x56455254; // "VERT"

/** Held (transaction lock) by a telemetry retention pass: the passes of several instances run one after the other. */
export const TELEMETRY_PRUNE_LOCK_CLASS = 0x56455250; // "VERP"
