/**
 * The writer's read of the projection before an append: for many streams in one statement,
 * each stream's heads (with their clocks), version, state, which probed chain ids are applied,
 * the event carrying an idempotency key, the clock of `causedBy` and an event by id.
 */
import type { Envelope, EventId, Hlc, JsonValue, StreamId } from '@concord/core';
import { query, type Queryable } from './query.js';

/** What one stream's snapshot asks for. */
export interface SnapshotRequest {
  readonly stream: StreamId;
  readonly idempotencyKey: string | null;
  readonly causedBy: EventId | null;
  readonly withState: boolean;
  readonly eventId: EventId | null;
  readonly probe: readonly EventId[];
}

/**
 * One query answers the snapshots of many streams: the appends in flight at the same moment
 * share a round trip (and one write to the socket) instead of one each — group commit, for
 * reads. Rows come back in request order (`i`, 1-based).
 */
const SNAPSHOTS_SQL = `
  with req as (
    select r.stream, r.key, r.caused_by, r.with_state, r.event_id, r.i
    from unnest($1::text[], $2::text[], $3::uuid[], $4::boolean[], $7::uuid[])
      with ordinality as r(stream, key, caused_by, with_state, event_id, i)
  ),
  probe as (select p.i, p.id from unnest($5::int[], $6::uuid[]) as p(i, id))
  select
    req.i,
    (
      select json_build_object(
        'heads', s.heads, 'version', s.version,
        'state', case when req.with_state then s.state end)
      from projection.streams s where s.stream = req.stream
    ) as stream,
    coalesce((
      select json_agg(json_build_object(
        'id', e.id, 'wall', e.hlc_wall, 'logical', e.hlc_logical, 'origin', e.origin))
      from projection.streams s join projection.events e on e.id = any(s.heads)
      where s.stream = req.stream
    ), '[]'::json) as heads,
    coalesce((
      select array_agg(e.id::text)
      from probe p join projection.events e on e.id = p.id where p.i = req.i
    ), '{}'::text[]) as projected,
    (
      select e.envelope from projection.events e
      where req.key is not null and e.stream = req.stream and e.idempotency_key = req.key
      order by e.fold_pos limit 1
    ) as keyed,
    (
      select json_build_object('wall', e.hlc_wall, 'logical', e.hlc_logical)
      from projection.events e where req.caused_by is not null and e.id = req.caused_by
    ) as caused_by,
    (
      select e.envelope from projection.events e
      where req.event_id is not null and e.id = req.event_id
    ) as existing
  from req order by req.i`;

export interface SnapshotRow {
  i: string;
  stream: { heads: string[]; version: number; state: JsonValue | null } | null;
  heads: { id: string; wall: number; logical: number; origin: string }[];
  projected: string[];
  keyed: Envelope | null;
  caused_by: Hlc | null;
  existing: Envelope | null;
}

/** The snapshot rows of `requests`, in request order (one round trip for all of them). */
export async function readSnapshots(
  db: Queryable,
  requests: readonly SnapshotRequest[],
): Promise<SnapshotRow[]> {
  const probeOwner: number[] = [];
  const probeIds: EventId[] = [];
  requests.forEach((r, index) => {
    for (const id of r.probe) {
      probeOwner.push(index + 1);
      probeIds.push(id);
    }
  });
  const { rows } = await query<SnapshotRow>(
    db,
    SNAPSHOTS_SQL,
    [
      requests.map((r) => r.stream),
      requests.map((r) => r.idempotencyKey),
      requests.map((r) => r.causedBy),
      requests.map((r) => r.withState),
      probeOwner,
      probeIds,
      requests.map((r) => r.eventId),
    ],
    'projection snapshot',
  );
  return rows;
}
