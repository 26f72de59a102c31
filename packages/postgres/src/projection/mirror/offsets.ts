/** `source_offsets`: where the mirror reads each source partition next. */
import type { Queryable } from '../query.js';
import type { WriteOp } from './applyStore.js';
import { run } from './literals.js';

/** The stored next offsets of `parts`, keyed `topic:partition`. */
export async function storedOffsets(
  db: Queryable,
  s: string,
  parts: readonly { topic: string; partition: number }[],
): Promise<Map<string, bigint>> {
  const { rows } = await run<{ topic: string; partition: number; next_offset: string }>(
    db,
    `select o.topic, o.partition, o.next_offset from ${s}.source_offsets o
         join unnest($1::text[], $2::int[]) u(topic, partition)
           on o.topic = u.topic and o.partition = u.partition`,
    [parts.map((p) => p.topic), parts.map((p) => p.partition)],
  );
  return new Map(rows.map((r) => [`${r.topic}:${r.partition}`, BigInt(r.next_offset)]));
}

/** Every stored offset, by topic and partition. */
export async function allOffsets(
  db: Queryable,
  s: string,
): Promise<{ topic: string; partition: number; next: bigint }[]> {
  const { rows } = await run<{ topic: string; partition: number; next_offset: string }>(
    db,
    `select topic, partition, next_offset from ${s}.source_offsets order by topic, partition`,
  );
  return rows.map((r) => ({
    topic: r.topic,
    partition: r.partition,
    next: BigInt(r.next_offset),
  }));
}

/** The write moving the source offsets (never backwards); none for no offsets. */
export function saveOffsetsOps(
  s: string,
  offsets: readonly { topic: string; partition: number; next: bigint }[],
): WriteOp[] {
  if (offsets.length === 0) return [];
  return [
    {
      table: 'source_offsets',
      sql: (p) => `insert into ${s}.source_offsets (topic, partition, next_offset)
          select * from unnest(${p(offsets.map((o) => o.topic))}::text[],
                               ${p(offsets.map((o) => o.partition))}::int[],
                               ${p(offsets.map((o) => o.next.toString()))}::bigint[])
          on conflict (topic, partition) do update
            set next_offset = greatest(${s}.source_offsets.next_offset, excluded.next_offset),
                updated_at = now()`,
    },
  ];
}
