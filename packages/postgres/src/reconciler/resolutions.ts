/**
 * The reconciler's own audit trail, schema `reconciler` (created at start-up, no migration:
 * nothing in it is needed to rebuild a projection): one row per merge it appended.
 */
import type { EventId, StreamId } from '@concord/core';
import type pg from 'pg';
import { inTransaction } from '../connect.js';
import { query, type Queryable } from '../projection/query.js';

/** One merge this reconciler appended (its audit trail, schema `reconciler`). */
export interface ResolutionRecord {
  readonly conflictId: string;
  readonly stream: StreamId;
  readonly mergeId: EventId;
  readonly policy: string;
  /** `owner`, `failover` or `operator`. */
  readonly role: string;
  readonly duplicate: boolean;
  readonly emittedAt: string;
}

/** Creates schema `reconciler` and its table if missing (idempotent, safe to race). */
export async function ensureResolutionSchema(pool: pg.Pool): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query('select pg_advisory_xact_lock(7461203002)');
    await client.query('create schema if not exists reconciler');
    await client.query(`create table if not exists reconciler.resolutions (
      conflict_id uuid not null,
      merge_id uuid not null,
      stream text not null,
      policy text not null,
      role text not null,
      duplicate boolean not null,
      emitted_at timestamptz not null default now(),
      primary key (conflict_id, merge_id)
    )`);
  });
}

export async function recordResolution(
  db: Queryable,
  record: Omit<ResolutionRecord, 'emittedAt'>,
): Promise<void> {
  await query(
    db,
    `insert into reconciler.resolutions (conflict_id, merge_id, stream, policy, role, duplicate)
     values ($1, $2, $3, $4, $5, $6) on conflict do nothing`,
    [
      record.conflictId,
      record.mergeId,
      record.stream,
      record.policy,
      record.role,
      record.duplicate,
    ],
  );
}

export async function resolutionsOf(
  db: Queryable,
  conflictId: string,
): Promise<ResolutionRecord[]> {
  const { rows } = await query<{
    conflict_id: string;
    merge_id: string;
    stream: string;
    policy: string;
    role: string;
    duplicate: boolean;
    emitted_at: Date;
  }>(
    db,
    `select conflict_id, merge_id, stream, policy, role, duplicate, emitted_at
       from reconciler.resolutions where conflict_id = $1 order by emitted_at`,
    [conflictId],
  );
  return rows.map((r) => ({
    conflictId: r.conflict_id,
    mergeId: r.merge_id,
    stream: r.stream,
    policy: r.policy,
    role: r.role,
    duplicate: r.duplicate,
    emittedAt: r.emitted_at.toISOString(),
  }));
}
