/** `digest_buckets`: the roll-up of the stream digests per bucket. */
import type { Queryable } from '../query.js';
import type { WriteOp } from './applyStore.js';
import { run } from './literals.js';

/** The stored roll-ups of `buckets`. */
export async function bucketRows(
  db: Queryable,
  s: string,
  buckets: readonly number[],
): Promise<Map<number, { hash: string; streams: number }>> {
  if (buckets.length === 0) return new Map();
  const { rows } = await run<{ bucket: number; hash: string; streams: number }>(
    db,
    `select bucket, hash, streams from ${s}.digest_buckets where bucket = any($1::smallint[])`,
    [buckets],
  );
  return new Map(rows.map((r) => [r.bucket, { hash: r.hash, streams: r.streams }]));
}

/** Every non-empty bucket's stored roll-up, in bucket order. */
export async function nonEmptyBuckets(
  db: Queryable,
  s: string,
): Promise<{ bucket: number; hash: string; streams: number }[]> {
  const { rows } = await run<{ bucket: number; hash: string; streams: number }>(
    db,
    `select bucket, hash, streams from ${s}.digest_buckets where streams > 0 order by bucket`,
  );
  return rows;
}

/** The write storing the roll-ups `rows`; none for no rows. */
export function upsertBucketsOps(
  s: string,
  rows: readonly { bucket: number; hash: string; streams: number }[],
): WriteOp[] {
  if (rows.length === 0) return [];
  return [
    {
      table: 'digest_buckets',
      sql: (p) => `insert into ${s}.digest_buckets (bucket, hash, streams, updated_at)
         select u.bucket, u.hash, u.streams, now()
           from unnest(${p(rows.map((r) => r.bucket))}::smallint[],
                       ${p(rows.map((r) => r.hash))}::text[],
                       ${p(rows.map((r) => r.streams))}::int[]) u(bucket, hash, streams)
         on conflict (bucket) do update
           set hash = excluded.hash, streams = excluded.streams, updated_at = now()`,
    },
  ];
}
