import type { Envelope, EventId, Hlc, JsonValue, StreamId } from '@concord/core';
import { mapPgError, type pg } from '@concord/postgres';
import type { HeadRef } from './HeadRef.js';

/** What one append needs to know from the regional projection, read in one round trip. */
export interface ProjectionSnapshot {
  /** The stream has at least one applied event in this region. */
  readonly exists: boolean;
  readonly heads: readonly HeadRef[];
  readonly version: number;
  /** The folded state (asked for only when the domain has a `prepare` hook). */
  readonly state?: JsonValue;
  /** The probed chain ids that the projection contains. */
  readonly projected: ReadonlySet<EventId>;
  /** The first event in fold order carrying the idempotency key asked about. */
  readonly keyed?: Envelope;
  /** The clock of `causedBy`, when that event is applied here. */
  readonly causedByHlc?: Hlc;
  /** The applied event with the id asked about (`eventId`), if any. */
  readonly existing?: Envelope;
}

export interface SnapshotQuery {
  readonly probe: readonly EventId[];
  readonly idempotencyKey?: string | undefined;
  readonly causedBy?: EventId | undefined;
  readonly eventId?: EventId | undefined;
  readonly withState: boolean;
}

/** Port: reads projection snapshots (Postgres in production, a map in unit tests). */
export interface SnapshotSource {
  snapshot(stream: StreamId, query: SnapshotQuery): Promise<ProjectionSnapshot>;
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

interface SnapshotRow {
  i: string;
  stream: { heads: string[]; version: number; state: JsonValue | null } | null;
  heads: { id: string; wall: number; logical: number; origin: string }[];
  projected: string[];
  keyed: Envelope | null;
  caused_by: Hlc | null;
  existing: Envelope | null;
}

interface Waiting {
  readonly stream: StreamId;
  readonly query: SnapshotQuery;
  readonly resolve: (snapshot: ProjectionSnapshot) => void;
  readonly reject: (error: unknown) => void;
}

function toSnapshot(row: SnapshotRow): ProjectionSnapshot {
  const clocks = new Map(row.heads.map((h) => [h.id, h]));
  const heads: HeadRef[] = (row.stream?.heads ?? []).map((id) => {
    const h = clocks.get(id);
    // A head row always exists in a consistent projection; {0,0} only keeps the stamp valid.
    return h
      ? { id, hlc: { wall: Number(h.wall), logical: Number(h.logical) }, origin: h.origin }
      : { id, hlc: { wall: 0, logical: 0 } };
  });
  const state = row.stream?.state;
  return {
    exists: row.stream !== null,
    heads,
    version: row.stream?.version ?? 0,
    ...(state === null || state === undefined ? {} : { state }),
    projected: new Set(row.projected),
    ...(row.keyed === null ? {} : { keyed: row.keyed }),
    ...(row.caused_by === null
      ? {}
      : {
          causedByHlc: {
            wall: Number(row.caused_by.wall),
            logical: Number(row.caused_by.logical),
          },
        }),
    ...(row.existing === null ? {} : { existing: row.existing }),
  };
}

/**
 * Reads snapshots from the regional projection (schema `projection`, filled by the mirror;
 * the writer only reads it). Requests made in the same event-loop turn go out as one query
 * (at most `maxBatch` streams), so concurrent appends to different streams share round trips.
 */
export class PostgresSnapshotSource implements SnapshotSource {
  private queue: Waiting[] = [];
  private scheduled = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly maxBatch = 256,
  ) {}

  snapshot(stream: StreamId, query: SnapshotQuery): Promise<ProjectionSnapshot> {
    return new Promise((resolve, reject) => {
      this.queue.push({ stream, query, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      void this.run(batch);
    }
  }

  private async run(batch: readonly Waiting[]): Promise<void> {
    const probeOwner: number[] = [];
    const probeIds: EventId[] = [];
    batch.forEach((w, index) => {
      for (const id of w.query.probe) {
        probeOwner.push(index + 1);
        probeIds.push(id);
      }
    });
    let rows: SnapshotRow[];
    try {
      const result = await this.pool.query<SnapshotRow>(SNAPSHOTS_SQL, [
        batch.map((w) => w.stream),
        batch.map((w) => w.query.idempotencyKey ?? null),
        batch.map((w) => w.query.causedBy ?? null),
        batch.map((w) => w.query.withState),
        probeOwner,
        probeIds,
        batch.map((w) => w.query.eventId ?? null),
      ]);
      rows = result.rows;
    } catch (error) {
      const mapped = mapPgError(error, 'projection snapshot');
      for (const w of batch) w.reject(mapped);
      return;
    }
    batch.forEach((w, index) => {
      const row = rows[index];
      if (row) w.resolve(toSnapshot(row));
      else w.reject(mapPgError(new Error('missing snapshot row'), 'projection snapshot'));
    });
  }
}
