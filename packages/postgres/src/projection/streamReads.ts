/** The writer's public reads of the projection: a stream's view and a page of its events. */
import type { Envelope, EventId, JsonValue, StreamId } from '@concord/core';
import { query, type Queryable } from './query.js';

/** An open conflict as the stream view lists it (`detectedAt` as Postgres returned it). */
export interface StreamConflictRow {
  readonly id: string;
  readonly heads: EventId[];
  readonly policy: string;
  readonly contestedFields: string[];
  readonly detectedAt: string;
}

export interface StreamRow {
  stream: string;
  state: JsonValue;
  heads: string[];
  version: number;
  open_conflicts: StreamConflictRow[];
  pending: number;
}

const STREAM_COLUMNS = `
  select s.stream, s.state, s.heads::text[] as heads, s.version,
    coalesce((
      select json_agg(json_build_object(
        'id', c.id, 'heads', c.heads, 'policy', c.policy,
        'contestedFields', c.contested_fields, 'detectedAt', c.detected_at
      ) order by c.detected_at, c.id)
      from projection.conflicts c where c.stream = s.stream and c.status = 'open'
    ), '[]'::json) as open_conflicts,
    (select count(*)::int from projection.pending p where p.stream = s.stream) as pending
  from projection.streams s`;

const STREAM_SQL = `${STREAM_COLUMNS} where s.stream = $1`;
const STREAMS_SQL = `${STREAM_COLUMNS} where s.stream = any($1::text[])`;

const EVENTS_SQL = `
  select s.version,
    coalesce((
      select json_agg(p.envelope order by p.fold_pos)
      from (
        select e.envelope, e.fold_pos from projection.events e
        where e.stream = $1 and e.fold_pos >= $2 order by e.fold_pos limit $3
      ) p
    ), '[]'::json) as events
  from projection.streams s where s.stream = $1`;

/** The stream's state, heads, version, open conflicts and parked count; undefined if unknown. */
export async function readStreamView(
  db: Queryable,
  stream: StreamId,
): Promise<StreamRow | undefined> {
  return (await query<StreamRow>(db, STREAM_SQL, [stream], 'projection read')).rows[0];
}

/** The views of those of `streams` this region knows, by stream (one statement). */
export async function readStreamViews(
  db: Queryable,
  streams: readonly StreamId[],
): Promise<Map<StreamId, StreamRow>> {
  if (streams.length === 0) return new Map();
  const { rows } = await query<StreamRow>(db, STREAMS_SQL, [streams], 'projection read');
  return new Map(rows.map((row) => [row.stream as StreamId, row]));
}

/** The stream's version and up to `limit` envelopes from fold position `from`. */
export async function readEventsPage(
  db: Queryable,
  stream: StreamId,
  from: number,
  limit: number,
): Promise<{ version: number; events: Envelope[] } | undefined> {
  const { rows } = await query<{ version: number; events: Envelope[] }>(
    db,
    EVENTS_SQL,
    [stream, from, limit],
    'projection read',
  );
  return rows[0];
}
