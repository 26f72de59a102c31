import type { Envelope, EventId, RegionId, StreamId } from '@concord/core';
import {
  appliedAmong,
  appliedPositions,
  readEventsPage,
  readStreamView,
  readStreamViews,
  type AppliedPositionQuery,
  type pg,
  type StreamConflictRow,
  type StreamRow,
} from '@concord/postgres';
import { markKey, type AppliedMark } from './AppliedWaiter.js';

/**
 * A stream as this region's projection has it: the read port's row (`StreamRow`, open conflicts
 * as `StreamConflictRow`) with typed ids, sorted heads and `detectedAt` in ISO 8601. `pending`
 * counts the stream's events parked by the causal gate (waiting for dependencies).
 */
export interface StreamView extends Readonly<Pick<StreamRow, 'state' | 'version' | 'pending'>> {
  readonly stream: StreamId;
  readonly heads: readonly EventId[];
  readonly openConflicts: readonly StreamConflictRow[];
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
  /** The views of those of `streams` this region knows, by stream (one consistent read). */
  streams(streams: readonly StreamId[]): Promise<Map<StreamId, StreamView>>;
  events(stream: StreamId, from: number, limit: number): Promise<EventsPage | undefined>;
  /** The keys (`markKey`) of those of `marks` applied in this region. */
  applied(marks: readonly AppliedMark[]): Promise<Set<string>>;
}

/** Reads of the regional projection (Postgres). */
export class PostgresProjectionReader implements ProjectionReader {
  /**
   * @param positionTopic the topic this region's mirror reads `origin`'s events from, when it
   *   is the origin's own events topic (whose offsets session positions name); undefined when
   *   it reads a copy with other offsets (an `mm2` deployment): such a position never counts
   *   as applied.
   */
  constructor(
    private readonly pool: pg.Pool,
    private readonly positionTopic: (origin: RegionId) => string | undefined = () => undefined,
  ) {}

  async stream(stream: StreamId): Promise<StreamView | undefined> {
    const row = await readStreamView(this.pool, stream);
    return row ? toView(stream, row) : undefined;
  }

  async streams(streams: readonly StreamId[]): Promise<Map<StreamId, StreamView>> {
    const rows = await readStreamViews(this.pool, streams);
    return new Map([...rows].map(([stream, row]) => [stream, toView(stream, row)]));
  }

  async events(stream: StreamId, from: number, limit: number): Promise<EventsPage | undefined> {
    const row = await readEventsPage(this.pool, stream, from, limit);
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

  async applied(marks: readonly AppliedMark[]): Promise<Set<string>> {
    const ids: EventId[] = [];
    const positions: AppliedPositionQuery[] = [];
    for (const m of marks) {
      if (m.kind === 'event') ids.push(m.id);
      else {
        const topic = this.positionTopic(m.origin);
        if (topic !== undefined) positions.push({ key: markKey(m), topic, ...m });
      }
    }
    const [applied, through] = await Promise.all([
      appliedAmong(this.pool, ids),
      appliedPositions(this.pool, positions),
    ]);
    return new Set([...applied, ...through]);
  }
}

function toView(stream: StreamId, row: StreamRow): StreamView {
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
