import type { Envelope, EventId, JsonValue, StreamId } from '@concord/core';
import { mapPgError, type pg } from '@concord/postgres';

/** An open conflict of a stream, as recorded by this region's mirror. */
export interface OpenConflict {
  readonly id: string;
  readonly heads: readonly EventId[];
  readonly policy: string;
  readonly contestedFields: readonly string[];
  readonly detectedAt: string;
}

/** A stream as this region's projection has it. */
export interface StreamView {
  readonly stream: StreamId;
  readonly state: JsonValue;
  readonly heads: readonly EventId[];
  readonly version: number;
  readonly openConflicts: readonly OpenConflict[];
  /** Events of the stream parked by the causal gate (waiting for dependencies). */
  readonly pending: number;
}

/** A page of a stream's applied events in fold order. */
export interface EventsPage {
  readonly stream: StreamId;
  readonly version: number;
  readonly from: number;
  /** Envelopes at fold positions `from`, `from + 1`, … */
  readonly events: readonly Envelope[];
  /** The position to ask for next, or null at the end of the stream. */
  readonly next: number | null;
}

/** Port: the read side of the projection. */
export interface ProjectionReader {
  stream(stream: StreamId): Promise<StreamView | undefined>;
  events(stream: StreamId, from: number, limit: number): Promise<EventsPage | undefined>;
  /** Which of `ids` are applied in this region. */
  applied(ids: readonly EventId[]): Promise<Set<EventId>>;
}

interface StreamRow {
  state: JsonValue;
  heads: string[];
  version: number;
  open_conflicts: OpenConflict[];
  pending: number;
}

const STREAM_SQL = `
  select s.state, s.heads::text[] as heads, s.version,
    coalesce((
      select json_agg(json_build_object(
        'id', c.id, 'heads', c.heads, 'policy', c.policy,
        'contestedFields', c.contested_fields, 'detectedAt', c.detected_at
      ) order by c.detected_at, c.id)
      from projection.conflicts c where c.stream = s.stream and c.status = 'open'
    ), '[]'::json) as open_conflicts,
    (select count(*)::int from projection.pending p where p.stream = s.stream) as pending
  from projection.streams s where s.stream = $1`;

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

/** Reads of the regional projection (Postgres). */
export class PostgresProjectionReader implements ProjectionReader {
  constructor(private readonly pool: pg.Pool) {}

  async stream(stream: StreamId): Promise<StreamView | undefined> {
    const row = await this.one<StreamRow>(STREAM_SQL, [stream]);
    if (!row) return undefined;
    return {
      stream,
      state: row.state,
      heads: [...row.heads].sort(),
      version: row.version,
      openConflicts: row.open_conflicts.map((c) => ({
        ...c,
        heads: [...c.heads].sort(),
        detectedAt: new Date(c.detectedAt).toISOString(),
      })),
      pending: row.pending,
    };
  }

  async events(stream: StreamId, from: number, limit: number): Promise<EventsPage | undefined> {
    const row = await this.one<{ version: number; events: Envelope[] }>(EVENTS_SQL, [
      stream,
      from,
      limit,
    ]);
    if (!row) return undefined;
    const end = from + row.events.length;
    return {
      stream,
      version: row.version,
      from,
      events: row.events,
      next: row.events.length === limit && end < row.version ? end : null,
    };
  }

  async applied(ids: readonly EventId[]): Promise<Set<EventId>> {
    if (ids.length === 0) return new Set();
    try {
      const { rows } = await this.pool.query<{ id: string }>(
        'select id::text as id from projection.events where id = any($1::uuid[])',
        [ids],
      );
      return new Set(rows.map((r) => r.id));
    } catch (error) {
      throw mapPgError(error, 'projection read');
    }
  }

  private async one<T extends pg.QueryResultRow>(
    sql: string,
    params: unknown[],
  ): Promise<T | undefined> {
    try {
      const { rows } = await this.pool.query<T>(sql, params);
      return rows[0];
    } catch (error) {
      throw mapPgError(error, 'projection read');
    }
  }
}
