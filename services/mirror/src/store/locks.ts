/** The live projection schema. */
export const LIVE_SCHEMA = 'projection';

/**
 * `pg_advisory_xact_lock` key serialising every apply transaction of a region database: two
 * mirror instances (a rebalance), the admin recompute and replay's final swap all take it.
 */
export const APPLY_LOCK = 7_461_203_101;

/** Advisory lock key serialising the outbox publishers (applied feed, DLQ) of a region. */
export const FEED_LOCK = 7_461_203_102;
