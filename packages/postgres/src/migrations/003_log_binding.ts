import type { Migration } from './Migration.js';

/**
 * `log_binding`: which Kafka log a region database projects — the cluster id of the region's
 * broker. A projection is derived from that log (and keeps its consumer offsets), so a
 * database bound to another cluster describes a log that no longer exists: `concord stack
 * up` recreates it rather than serving stale streams and offsets past the new log's end.
 */
export const logBinding: Migration = {
  version: 3,
  name: 'log_binding',
  control: `
    create table concord.log_binding (
      singleton boolean primary key default true check (singleton),
      kafka_cluster_id text not null,
      bound_at timestamptz not null default now()
    );
  `,
};
