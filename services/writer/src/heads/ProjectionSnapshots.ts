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
}

export interface SnapshotQuery {
  readonly probe: readonly EventId[];
  readonly idempotencyKey?: string | undefined;
  readonly causedBy?: EventId | undefined;
  readonly withState: boolean;
}

/** Port: reads projection snapshots (Postgres in production, a map in unit tests). */
export interface SnapshotSource {
  snapshot(stream: StreamId, query: SnapshotQuery): Promise<ProjectionSnapshot>;
}

const SNAPSHOT_SQL = `
  with s as (
    select heads, version, case when $5::boolean then state end as state
    from projection.streams where stream = $1
  )
  select
    (select row_to_json(s) from s) as stream,
    coalesce((
      select json_agg(json_build_object(
        'id', e.id, 'wall', e.hlc_wall, 'logical', e.hlc_logical, 'origin', e.origin))
      from projection.events e
      where e.id = any(coalesce((select heads from s), '{}'::uuid[]))
    ), '[]'::json) as heads,
    coalesce((
      select array_agg(e.id::text) from projection.events e where e.id = any($2::uuid[])
    ), '{}'::text[]) as projected,
    (
      select e.envelope from projection.events e
      where $3::text is not null and e.stream = $1 and e.idempotency_key = $3
      order by e.fold_pos limit 1
    ) as keyed,
    (
      select json_build_object('wall', e.hlc_wall, 'logical', e.hlc_logical)
      from projection.events e where $4::uuid is not null and e.id = $4::uuid
    ) as caused_by`;

interface SnapshotRow {
  stream: { heads: string[]; version: number; state: JsonValue | null } | null;
  heads: { id: string; wall: number; logical: number; origin: string }[];
  projected: string[];
  keyed: Envelope | null;
  caused_by: Hlc | null;
}

/**
 * Reads snapshots from the regional projection (schema `projection`, filled by the mirror).
 * The writer only reads it.
 */
export class PostgresSnapshotSource implements SnapshotSource {
  constructor(private readonly pool: pg.Pool) {}

  async snapshot(stream: StreamId, query: SnapshotQuery): Promise<ProjectionSnapshot> {
    let row: SnapshotRow;
    try {
      const result = await this.pool.query<SnapshotRow>(SNAPSHOT_SQL, [
        stream,
        query.probe,
        query.idempotencyKey ?? null,
        query.causedBy ?? null,
        query.withState,
      ]);
      row = result.rows[0]!;
    } catch (error) {
      throw mapPgError(error, 'projection snapshot');
    }
    const clocks = new Map(row.heads.map((h) => [h.id, h]));
    const heads: HeadRef[] = (row.stream?.heads ?? []).map((id) => {
      const h = clocks.get(id);
      // A head row always exists in a consistent projection; {0,0} only keeps the stamp valid.
      return h
        ? { id, hlc: { wall: Number(h.wall), logical: Number(h.logical) }, origin: h.origin }
        : { id, hlc: { wall: 0, logical: 0 } };
    });
    return {
      exists: row.stream !== null,
      heads,
      version: row.stream?.version ?? 0,
      ...(row.stream?.state === null || row.stream === null ? {} : { state: row.stream.state }),
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
    };
  }
}
