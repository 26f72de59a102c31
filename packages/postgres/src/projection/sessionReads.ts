/** What a session read asks of the projection: are these log positions applied here? */
import { PROJECTION_SCHEMA } from '../migrate.js';
import { query, type Queryable } from './query.js';

const P = PROJECTION_SCHEMA;

/** A position of an origin's events topic that a session must see applied (docs/writer.md). */
export interface AppliedPositionQuery {
  /** The caller's name for it, answered back. */
  readonly key: string;
  readonly origin: string;
  /** The topic this region's mirror reads the origin's events from (its `source_offsets`). */
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/*
 * Applied through `offset` means: the mirror stored a next offset beyond it (it consumed every
 * record up to it, in the transactions that applied them) and parked none of them — no pending
 * row read from that topic partition at or below the offset, and, to stay sound for events
 * parked from another topic (a repair or a replay), no pending row of the origin read from
 * elsewhere. Pending is small (events waiting for a dependency), so the scans are cheap.
 */
const APPLIED_POSITIONS_SQL = `
  select t.key
    from unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::bigint[])
           as t(key, origin, topic, part, off)
    left join ${P}.source_offsets so on so.topic = t.topic and so.partition = t.part
   where coalesce(so.next_offset, 0) > t.off
     and not exists (
       select 1 from ${P}.pending p
        where case
                when left(p.source, length(t.topic) + 1) = t.topic || ':'
                -- after "<topic>:" comes "<partition>@<offset>" (docs/mirror.md, source positions)
                then split_part(substr(p.source, length(t.topic) + 2), '@', 1) = t.part::text
                     and split_part(substr(p.source, length(t.topic) + 2), '@', 2)::bigint <= t.off
                else p.envelope->>'origin' = t.origin
              end)`;

/** The keys of `positions` this region applied through (one statement). */
export async function appliedPositions(
  db: Queryable,
  positions: readonly AppliedPositionQuery[],
): Promise<Set<string>> {
  if (positions.length === 0) return new Set();
  const { rows } = await query<{ key: string }>(
    db,
    APPLIED_POSITIONS_SQL,
    [
      positions.map((p) => p.key),
      positions.map((p) => p.origin),
      positions.map((p) => p.topic),
      positions.map((p) => p.partition),
      positions.map((p) => String(p.offset)),
    ],
    'projection read',
  );
  return new Set(rows.map((r) => r.key));
}
