/** `pending`: the events parked by the causal gate, waiting for their dependencies. */
import type { Envelope, EventId } from '@concord/core';
import type { Queryable } from '../query.js';
import type { PendingInsert, PendingRow, WriteOp } from './applyStore.js';
import { run, uuidArrayLiteral } from './literals.js';

interface PendingDbRow {
  id: string;
  envelope: Envelope;
  text: string;
  missing: string[];
  source: string;
  parked_ms: number;
}

/** A selected `pending` row (the columns every read of it selects) as a {@link PendingRow}. */
function pendingRow(r: PendingDbRow): PendingRow {
  return {
    id: r.id,
    envelope: r.envelope,
    text: r.text,
    missing: r.missing,
    parkedAt: r.parked_ms,
    source: r.source,
  };
}

/**
 * The one read of `pending` (alias `p`): the columns of a {@link PendingRow}, filtered,
 * joined, ordered and limited by `rest` (the pending reads of this folder and heldEvents.ts).
 */
export async function selectPending(
  db: Queryable,
  s: string,
  rest: string,
  values: unknown[],
): Promise<PendingRow[]> {
  const { rows } = await run<PendingDbRow>(
    db,
    `select p.id, p.envelope, p.envelope::text as text, p.missing, p.source,
            (extract(epoch from p.parked_at) * 1000)::float8 as parked_ms
       from ${s}.pending p
     ${rest}`,
    values,
  );
  return rows.map(pendingRow);
}

/** Parked rows whose `missing` overlaps `ids`, except the rows in `exclude`. */
export async function pendingWaitingOn(
  db: Queryable,
  s: string,
  ids: readonly EventId[],
  exclude: readonly EventId[],
): Promise<PendingRow[]> {
  if (ids.length === 0) return [];
  return selectPending(db, s, 'where p.missing && $1::uuid[] and not (p.id = any($2::uuid[]))', [
    ids,
    exclude,
  ]);
}

/** The parked rows whose id is among `ids` or whose `missing` overlaps `ids`. */
export async function pendingAmongOrWaitingOn(
  db: Queryable,
  s: string,
  ids: readonly EventId[],
): Promise<PendingRow[]> {
  if (ids.length === 0) return [];
  return selectPending(db, s, 'where p.id = any($1::uuid[]) or p.missing && $1::uuid[]', [ids]);
}

/** Pending rows whose every missing dependency is applied (the safety sweep). */
export async function pendingReady(db: Queryable, s: string, limit: number): Promise<PendingRow[]> {
  return selectPending(
    db,
    s,
    `where not exists (
          select 1 from unnest(p.missing) m(id)
           where not exists (select 1 from ${s}.events e where e.id = m.id))
        order by p.parked_at
        limit $1`,
    [limit],
  );
}

/** The write parking `rows` (ids already parked are left as they are); none for no rows. */
export function insertPendingOps(s: string, rows: readonly PendingInsert[]): WriteOp[] {
  if (rows.length === 0) return [];
  return [
    {
      table: 'pending',
      sql: (p) => `insert into ${s}.pending (id, stream, envelope, missing, source, parked_at)
         select u.id, u.stream, u.env, u.missing::uuid[], u.source,
                to_timestamp(u.parked_ms / 1000.0)
           from unnest(${p(rows.map((r) => r.id))}::uuid[], ${p(rows.map((r) => r.stream))}::text[],
                       ${p(rows.map((r) => r.text))}::jsonb[],
                       ${p(rows.map((r) => uuidArrayLiteral(r.missing)))}::text[],
                       ${p(rows.map((r) => r.source))}::text[],
                       ${p(rows.map((r) => r.parkedAt))}::float8[])
                as u(id, stream, env, missing, source, parked_ms)
         on conflict (id) do nothing`,
    },
  ];
}

/** The write deleting the parked rows `ids`; none for no ids. */
export function deletePendingOps(s: string, ids: readonly EventId[]): WriteOp[] {
  if (ids.length === 0) return [];
  return [
    {
      table: 'pending',
      sql: (p) => `delete from ${s}.pending where id = any(${p(ids)}::uuid[])`,
    },
  ];
}

/** The write storing what parked rows still miss; none for no rows. */
export function updatePendingMissingOps(
  s: string,
  rows: readonly { id: EventId; missing: readonly EventId[] }[],
): WriteOp[] {
  if (rows.length === 0) return [];
  return [
    {
      table: 'pending',
      sql: (p) => `update ${s}.pending t set missing = u.missing::uuid[]
           from unnest(${p(rows.map((r) => r.id))}::uuid[],
                       ${p(rows.map((r) => uuidArrayLiteral(r.missing)))}::text[]) u(id, missing)
          where t.id = u.id`,
    },
  ];
}
