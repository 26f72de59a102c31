/** Reads of the projection's events and pending tables for the reconciler. */
import {
  SCHEMA_UPGRADE_DEPENDENCY,
  type Envelope,
  type EventId,
  type StreamId,
} from '@concord/core';
import { PROJECTION_SCHEMA } from '../migrate.js';
import { query, type Queryable } from './query.js';

/** A stored event with where it sits in this region. */
export interface StoredEvent {
  readonly envelope: Envelope;
  readonly foldPos: number;
  readonly appliedSeq: number;
  readonly appliedAt: string;
  readonly source: string;
}

/** Per stream: what this region applied (with its source), parked and held. */
export interface StreamEventIds {
  /** Applied events, each with where this region's mirror read it (`topic:partition@offset`). */
  readonly events: { readonly id: EventId; readonly source: string | null }[];
  /** Events parked by this region's causal gate (received, waiting for a dependency). */
  readonly pending: EventId[];
  /** Among `pending`, the events held for their schema version. */
  readonly held: EventId[];
}

const P = PROJECTION_SCHEMA;

/** Every applied event of a stream, in fold order. */
export async function streamEvents(db: Queryable, stream: StreamId): Promise<StoredEvent[]> {
  const { rows } = await query<{
    envelope: Envelope;
    fold_pos: number;
    applied_seq: string;
    applied_at: Date;
    source: string;
  }>(
    db,
    `select envelope, fold_pos, applied_seq, applied_at, source from ${P}.events
      where stream = $1 order by fold_pos, id`,
    [stream],
  );
  return rows.map((r) => ({
    envelope: r.envelope,
    foldPos: r.fold_pos,
    appliedSeq: Number(r.applied_seq),
    appliedAt: r.applied_at.toISOString(),
    source: r.source,
  }));
}

/** The ids among `ids` that are applied here. */
export async function appliedAmong(db: Queryable, ids: readonly EventId[]): Promise<Set<EventId>> {
  if (ids.length === 0) return new Set();
  const { rows } = await query<{ id: string }>(
    db,
    `select id from ${P}.events where id = any($1::uuid[])`,
    [ids],
  );
  return new Set(rows.map((r) => r.id));
}

/** The stored signed envelopes of `ids` (those applied here). */
export async function envelopesOf(db: Queryable, ids: readonly EventId[]): Promise<Envelope[]> {
  if (ids.length === 0) return [];
  const { rows } = await query<{ envelope: Envelope }>(
    db,
    `select envelope from ${P}.events where id = any($1::uuid[]) order by applied_seq`,
    [ids],
  );
  return rows.map((r) => r.envelope);
}

/**
 * Per stream, the applied ids with their source, the parked ids, and among those the ids held
 * for their schema version (this region's code cannot interpret them yet) — in ONE statement,
 * so an event moving from pending to applied meanwhile is never seen in neither.
 */
export async function streamEventIds(
  db: Queryable,
  streams: readonly StreamId[],
): Promise<Map<StreamId, StreamEventIds>> {
  const result = new Map<
    StreamId,
    { events: { id: EventId; source: string | null }[]; pending: EventId[]; held: EventId[] }
  >();
  for (const stream of streams) result.set(stream, { events: [], pending: [], held: [] });
  if (streams.length === 0) return result;
  const { rows } = await query<{
    kind: 'e' | 'p' | 'h';
    stream: string;
    id: string;
    source: string | null;
  }>(
    db,
    `select 'e' as kind, stream, id::text, source from ${P}.events where stream = any($1::text[])
     union all
     select case when missing @> array[$2]::uuid[] then 'h' else 'p' end as kind, stream,
            id::text, null
       from ${P}.pending where stream = any($1::text[])
     order by 3`,
    [streams, SCHEMA_UPGRADE_DEPENDENCY],
  );
  for (const r of rows) {
    const entry = result.get(r.stream);
    if (!entry) continue;
    if (r.kind === 'e') entry.events.push({ id: r.id, source: r.source });
    else {
      entry.pending.push(r.id);
      if (r.kind === 'h') entry.held.push(r.id);
    }
  }
  return result;
}

/**
 * The newest accept time (ms) of a client write (not a merge: merges are the convergence
 * itself) among the events of `streams`.
 */
export async function lastWriteAt(
  db: Queryable,
  streams: readonly StreamId[],
): Promise<number | undefined> {
  if (streams.length === 0) return undefined;
  const { rows } = await query<{ at: Date | null }>(
    db,
    `select max(accepted_at) as at from ${P}.events
      where stream = any($1::text[]) and type <> 'concord.merge'`,
    [streams],
  );
  return rows[0]?.at?.getTime();
}
