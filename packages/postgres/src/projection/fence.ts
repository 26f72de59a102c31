/**
 * The region's write fence, `concord.fence` (control data written by the writers, not derived
 * from Kafka: docs/decisions/0002-projection-schema-swap.md).
 */
import { query, type Queryable } from './query.js';

export interface FenceRow {
  fenced: boolean;
  reason: string | null;
  updated_by: string | null;
  updated_at: Date;
}

/** The stored fence row; undefined when the region was never fenced. */
export async function readFence(db: Queryable): Promise<FenceRow | undefined> {
  const { rows } = await query<FenceRow>(
    db,
    'select fenced, reason, updated_by, updated_at from concord.fence where singleton',
    [],
    'fence',
  );
  return rows[0];
}

/** The NOTIFY channel a fence change is announced on (at commit), so writers need not poll. */
export const FENCE_CHANNEL = 'concord_fence';

/** Sets the fence and notifies {@link FENCE_CHANNEL} in the same statement; returns the row. */
export async function writeFence(
  db: Queryable,
  fenced: boolean,
  reason: string | null,
  updatedBy: string,
): Promise<FenceRow | undefined> {
  const { rows } = await query<FenceRow>(
    db,
    `with written as (
       insert into concord.fence (singleton, fenced, reason, updated_by, updated_at)
       values (true, $1, $2, $3, now())
       on conflict (singleton) do update set fenced = excluded.fenced, reason = excluded.reason,
         updated_by = excluded.updated_by, updated_at = excluded.updated_at
       returning fenced, reason, updated_by, updated_at
     ), announced as (select pg_notify('${FENCE_CHANNEL}', '') as sent)
     select fenced, reason, updated_by, updated_at from written, announced`,
    [fenced, reason, updatedBy],
    'fence',
  );
  return rows[0];
}
