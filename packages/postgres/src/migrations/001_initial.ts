import type { Migration } from './Migration.js';

/**
 * The regional projection. Control tables (fence, migrations) live in schema `concord`;
 * everything derived from Kafka lives in a projection schema (default `projection`) so that
 * `concord replay` can rebuild it side by side and switch atomically by renaming schemas.
 */
export const initial: Migration = {
  version: 1,
  name: 'initial',
  control: `
    create table if not exists concord.fence (
      singleton boolean primary key default true check (singleton),
      fenced boolean not null,
      reason text,
      updated_by text,
      updated_at timestamptz not null default now()
    );
  `,
  projection: (s) => `
    -- Every applied event. applied_seq is this region's applied order (the applied feed);
    -- fold_pos is the event's position in its stream's deterministic fold order.
    create table ${s}.events (
      id uuid primary key,
      stream text not null,
      type text not null,
      origin text not null,
      hlc_wall bigint not null,
      hlc_logical integer not null,
      parents uuid[] not null,
      caused_by uuid,
      idempotency_key text,
      idempotency_noop boolean not null default false,
      data jsonb not null,
      envelope jsonb not null,
      fold_pos integer not null,
      applied_seq bigint generated always as identity unique,
      source text not null,
      accepted_at timestamptz,
      applied_at timestamptz not null default now()
    );
    create index events_stream_fold on ${s}.events (stream, fold_pos);
    create index events_idempotency on ${s}.events (stream, idempotency_key)
      where idempotency_key is not null;

    -- One row per stream: folded state, heads and digests.
    create table ${s}.streams (
      stream text primary key,
      category text not null,
      state jsonb not null,
      heads uuid[] not null,
      version integer not null,
      ids_hash text not null,
      state_hash text not null,
      bucket smallint not null,
      updated_at timestamptz not null default now()
    );
    create index streams_bucket on ${s}.streams (bucket);

    -- Fold checkpoints: the state after fold position fold_pos (see docs/semantics.md).
    create table ${s}.stream_snapshots (
      stream text not null,
      fold_pos integer not null,
      state jsonb not null,
      primary key (stream, fold_pos)
    );

    -- Events parked by the causal gate until their dependencies are applied.
    create table ${s}.pending (
      id uuid primary key,
      stream text not null,
      envelope jsonb not null,
      missing uuid[] not null,
      source text not null,
      parked_at timestamptz not null default now()
    );
    create index pending_missing on ${s}.pending using gin (missing);

    create table ${s}.conflicts (
      id uuid primary key,
      stream text not null,
      heads uuid[] not null,
      status text not null check (status in ('open', 'resolved', 'superseded')),
      policy text not null,
      contested_fields text[] not null default '{}',
      details jsonb not null default '{}',
      detected_at timestamptz not null default now(),
      resolved_at timestamptz,
      resolved_by uuid
    );
    create index conflicts_stream on ${s}.conflicts (stream);
    create index conflicts_open on ${s}.conflicts (status) where status = 'open';

    -- Roll-up of stream digests per bucket (256 buckets).
    create table ${s}.digest_buckets (
      bucket smallint primary key,
      hash text not null,
      streams integer not null,
      updated_at timestamptz not null default now()
    );

    -- Next offset to consume per source topic partition, committed with the applied events.
    create table ${s}.source_offsets (
      topic text not null,
      partition integer not null,
      next_offset bigint not null,
      updated_at timestamptz not null default now(),
      primary key (topic, partition)
    );

    -- Read models of the example domains, for downstream SQL.
    create table ${s}.account_balances (
      stream text primary key,
      balance bigint not null,
      bounced integer not null default 0,
      updated_at timestamptz not null default now()
    );
    create table ${s}.cart_items (
      stream text not null,
      sku text not null,
      quantity integer not null,
      primary key (stream, sku)
    );
    create table ${s}.profiles (
      stream text primary key,
      doc jsonb not null,
      updated_at timestamptz not null default now()
    );
  `,
};
