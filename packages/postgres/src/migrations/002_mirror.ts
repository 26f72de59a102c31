import type { Migration } from './Migration.js';

/**
 * What the mirror needs beyond the initial projection (docs/mirror.md):
 * - `mirror_state`: the generation of the projection schema. `concord replay` builds a new
 *   schema with the next generation and swaps it in; a live mirror that sees the number change
 *   knows the schema under it was replaced.
 * - `feed_position`: the outbox position of the applied feed (every event with
 *   `applied_seq <= published_seq` was acknowledged by `<ns>.applied.<region>`).
 * - `dlq_outbox`: rejected records, written in the same transaction that moves the source
 *   offset past them and published to `<ns>.dlq.<region>` afterwards.
 * - an index on `pending.parked_at` for the oldest-parked metric and the overdue report;
 * - wider columns where envelope v1 allows values that 001's types cannot hold (a valid,
 *   signed event must never make an apply transaction fail): `hlc.logical` goes up to
 *   2^53 − 1, an account balance can exceed 2^63 after enough maximal deposits, a cart line
 *   sums many add-tags.
 */
export const mirror: Migration = {
  version: 2,
  name: 'mirror',
  projection: (s) => `
    create table ${s}.mirror_state (
      singleton boolean primary key default true check (singleton),
      generation bigint not null,
      rebuilt_by text,
      updated_at timestamptz not null default now()
    );
    insert into ${s}.mirror_state (generation) values (0);

    create table ${s}.feed_position (
      feed text primary key,
      published_seq bigint not null,
      updated_at timestamptz not null default now()
    );
    insert into ${s}.feed_position (feed, published_seq) values ('applied', 0);

    create table ${s}.dlq_outbox (
      seq bigint generated always as identity primary key,
      key bytea,
      value bytea,
      headers jsonb not null,
      reason text not null,
      created_at timestamptz not null default now()
    );

    create index pending_parked_at on ${s}.pending (parked_at);

    alter table ${s}.events alter column hlc_logical type bigint;
    alter table ${s}.account_balances alter column balance type numeric;
    alter table ${s}.cart_items alter column quantity type bigint;
  `,
};
