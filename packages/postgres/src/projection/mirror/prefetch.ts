/**
 * The read-ahead of one apply transaction: in one statement, everything it will look up
 * (docs/mirror.md, "What one transaction contains").
 */
import type { Envelope, EventId, StreamId } from '@concord/core';
import type { Queryable } from '../query.js';
import type { AppliedRef, PendingRow, PrefetchHint, StreamStateRow } from './applyStore.js';
import { run } from './literals.js';

interface PrefetchRow {
  generation: string | null;
  offsets: [string, number, string][];
  applied: [string, string, number][];
  pending: [string, Envelope, string[], string, number][];
  streams: [string, unknown, string[], number, string, string, number][];
  buckets: [number, string, number][];
}

/** What {@link prefetchRows} read: the rows found among what the hint asked for. */
export interface Prefetched {
  readonly generation: number;
  /** Keyed `topic:partition`. */
  readonly offsets: Map<string, bigint>;
  readonly applied: Map<EventId, AppliedRef>;
  readonly pending: PendingRow[];
  readonly streams: Map<StreamId, StreamStateRow>;
  readonly buckets: Map<number, { hash: string; streams: number }>;
}

/**
 * The generation, the stored offsets of the hint's partitions, the applied events among its
 * ids, the parked rows among or waiting on them, its stream rows and bucket roll-ups.
 */
export async function prefetchRows(
  db: Queryable,
  s: string,
  hint: PrefetchHint,
): Promise<Prefetched> {
  const { rows } = await run<PrefetchRow>(
    db,
    `select
         (select generation from ${s}.mirror_state) as generation,
         (select coalesce(json_agg(json_build_array(o.topic, o.partition, o.next_offset::text)), '[]')
            from ${s}.source_offsets o
            join unnest($1::text[], $2::int[]) u(topic, partition)
              on o.topic = u.topic and o.partition = u.partition) as offsets,
         (select coalesce(json_agg(json_build_array(e.id, e.stream, e.fold_pos)), '[]')
            from ${s}.events e where e.id = any($3::uuid[])) as applied,
         (select coalesce(json_agg(json_build_array(p.id, p.envelope, p.missing, p.source,
                                                    extract(epoch from p.parked_at) * 1000)), '[]')
            from ${s}.pending p where p.id = any($3::uuid[]) or p.missing && $3::uuid[]) as pending,
         (select coalesce(json_agg(json_build_array(t.stream, t.state, t.heads, t.version,
                                                    t.ids_hash, t.state_hash, t.bucket)), '[]')
            from ${s}.streams t where t.stream = any($4::text[])) as streams,
         (select coalesce(json_agg(json_build_array(b.bucket, b.hash, b.streams)), '[]')
            from ${s}.digest_buckets b where b.bucket = any($5::smallint[])) as buckets`,
    [
      hint.parts.map((p) => p.topic),
      hint.parts.map((p) => p.partition),
      hint.ids,
      hint.streams,
      hint.buckets,
    ],
  );
  const r = rows[0]!;
  return {
    generation: Number(r.generation ?? 0),
    offsets: new Map(
      r.offsets.map(([topic, partition, next]) => [`${topic}:${partition}`, BigInt(next)]),
    ),
    applied: new Map(r.applied.map(([id, stream, position]) => [id, { stream, position }])),
    pending: r.pending.map(([id, envelope, missing, source, parkedMs]) => ({
      id,
      envelope,
      text: JSON.stringify(envelope),
      missing,
      source,
      parkedAt: Number(parkedMs),
    })),
    streams: new Map(
      r.streams.map(([stream, state, heads, version, idsHash, stateHash, bucket]) => [
        stream,
        { stream, state, heads: [...heads].sort(), version, idsHash, stateHash, bucket },
      ]),
    ),
    buckets: new Map(r.buckets.map(([bucket, hash, streams]) => [bucket, { hash, streams }])),
  };
}
