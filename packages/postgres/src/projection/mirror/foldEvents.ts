/** What the gate and the fold read of `events` and `stream_snapshots`. */
import type { Envelope, EventId, StreamId } from '@concord/core';
import type { Queryable } from '../query.js';
import type { AppliedRef, SuffixEvent } from './applyStore.js';
import { run } from './literals.js';

/** The applied events among `ids`, with their stream and fold position. */
export async function appliedRefs(
  db: Queryable,
  s: string,
  ids: readonly EventId[],
): Promise<Map<EventId, AppliedRef>> {
  if (ids.length === 0) return new Map();
  const { rows } = await run<{ id: string; stream: string; fold_pos: number }>(
    db,
    `select id, stream, fold_pos from ${s}.events where id = any($1::uuid[])`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id, { stream: r.stream, position: r.fold_pos }]));
}

/** Per stream, the latest checkpoint at a position ≤ its bound. */
export async function checkpointsAtOrBefore(
  db: Queryable,
  s: string,
  bounds: readonly { stream: StreamId; bound: number }[],
): Promise<Map<StreamId, { position: number; state: unknown }>> {
  if (bounds.length === 0) return new Map();
  const { rows } = await run<{ stream: string; fold_pos: number; state: unknown }>(
    db,
    `select distinct on (s.stream) s.stream, s.fold_pos, s.state
         from ${s}.stream_snapshots s
         join unnest($1::text[], $2::int[]) u(stream, bound)
           on s.stream = u.stream and s.fold_pos <= u.bound
        order by s.stream, s.fold_pos desc`,
    [bounds.map((b) => b.stream), bounds.map((b) => b.bound)],
  );
  return new Map(rows.map((r) => [r.stream, { position: r.fold_pos, state: r.state }]));
}

/**
 * Per stream, the stored events at positions ≥ from, in fold order: the fold's suffixes, and
 * (from 0) every event of a stream for the conflict lifecycle (`foldedEvents`).
 */
export async function suffixes(
  db: Queryable,
  s: string,
  froms: readonly { stream: StreamId; from: number }[],
): Promise<Map<StreamId, SuffixEvent[]>> {
  const result = new Map<StreamId, SuffixEvent[]>();
  if (froms.length === 0) return result;
  const { rows } = await run<{
    stream: string;
    envelope: Envelope;
    fold_pos: number;
    idempotency_noop: boolean;
  }>(
    db,
    `select e.stream, e.envelope, e.fold_pos, e.idempotency_noop
         from ${s}.events e
         join unnest($1::text[], $2::int[]) u(stream, from_pos)
           on e.stream = u.stream and e.fold_pos >= u.from_pos
        order by e.stream, e.fold_pos`,
    [froms.map((f) => f.stream), froms.map((f) => f.from)],
  );
  for (const r of rows) {
    const list = result.get(r.stream) ?? [];
    list.push({ envelope: r.envelope, position: r.fold_pos, noop: r.idempotency_noop });
    result.set(r.stream, list);
  }
  return result;
}

/** Idempotency keys taken (by a non-no-op event) in the given streams, with the taker's position. */
export async function takenKeys(
  db: Queryable,
  s: string,
  pairs: readonly { stream: StreamId; key: string }[],
): Promise<{ stream: StreamId; key: string; id: EventId; position: number }[]> {
  if (pairs.length === 0) return [];
  const { rows } = await run<{
    stream: string;
    idempotency_key: string;
    id: string;
    fold_pos: number;
  }>(
    db,
    `select e.stream, e.idempotency_key, e.id, e.fold_pos
         from ${s}.events e
         join unnest($1::text[], $2::text[]) u(stream, key)
           on e.stream = u.stream and e.idempotency_key = u.key
        where not e.idempotency_noop`,
    [pairs.map((p) => p.stream), pairs.map((p) => p.key)],
  );
  return rows.map((r) => ({
    stream: r.stream,
    key: r.idempotency_key,
    id: r.id,
    position: r.fold_pos,
  }));
}
