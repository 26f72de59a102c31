import type { Envelope, EventId, Hlc, JsonValue, StreamId } from '@concord/core';
import { mapPgError, readSnapshots, type pg, type SnapshotRow } from '@concord/postgres';
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
    let rows: SnapshotRow[];
    try {
      rows = await readSnapshots(
        this.pool,
        batch.map((w) => ({
          stream: w.stream,
          idempotencyKey: w.query.idempotencyKey ?? null,
          causedBy: w.query.causedBy ?? null,
          withState: w.query.withState,
          eventId: w.query.eventId ?? null,
          probe: w.query.probe,
        })),
      );
    } catch (error) {
      for (const w of batch) w.reject(error);
      return;
    }
    batch.forEach((w, index) => {
      const row = rows[index];
      if (row) w.resolve(toSnapshot(row));
      else w.reject(mapPgError(new Error('missing snapshot row'), 'projection snapshot'));
    });
  }
}
