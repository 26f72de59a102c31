/** `streams`: each stream's folded state, heads, version and digest hashes. */
import type { StreamId } from '@concord/core';
import type { Queryable } from '../query.js';
import type { StreamStateRow, WriteOp } from './applyStore.js';
import { run, uuidArrayLiteral } from './literals.js';

/** The stored rows of `streams` (heads sorted). */
export async function streamRows(
  db: Queryable,
  s: string,
  streams: readonly StreamId[],
): Promise<Map<StreamId, StreamStateRow>> {
  if (streams.length === 0) return new Map();
  const { rows } = await run<{
    stream: string;
    state: unknown;
    heads: string[];
    version: number;
    ids_hash: string;
    state_hash: string;
    bucket: number;
  }>(
    db,
    `select stream, state, heads, version, ids_hash, state_hash, bucket
         from ${s}.streams where stream = any($1::text[])`,
    [streams],
  );
  return new Map(
    rows.map((r) => [
      r.stream,
      {
        stream: r.stream,
        state: r.state,
        heads: [...r.heads].sort(),
        version: r.version,
        idsHash: r.ids_hash,
        stateHash: r.state_hash,
        bucket: r.bucket,
      },
    ]),
  );
}

/** The write storing `rows` (inserted or updated); none for no rows. */
export function upsertStreamsOps(
  s: string,
  rows: readonly (StreamStateRow & { category: string })[],
): WriteOp[] {
  if (rows.length === 0) return [];
  return [
    {
      table: 'streams',
      sql: (p) => `insert into ${s}.streams
           (stream, category, state, heads, version, ids_hash, state_hash, bucket, updated_at)
         select u.stream, u.category, u.state, u.heads::uuid[], u.version, u.ids_hash,
                u.state_hash, u.bucket, now()
           from unnest(${p(rows.map((r) => r.stream))}::text[],
                       ${p(rows.map((r) => r.category))}::text[],
                       ${p(rows.map((r) => JSON.stringify(r.state)))}::jsonb[],
                       ${p(rows.map((r) => uuidArrayLiteral(r.heads)))}::text[],
                       ${p(rows.map((r) => r.version))}::int[],
                       ${p(rows.map((r) => r.idsHash))}::text[],
                       ${p(rows.map((r) => r.stateHash))}::text[],
                       ${p(rows.map((r) => r.bucket))}::smallint[])
                as u(stream, category, state, heads, version, ids_hash, state_hash, bucket)
         on conflict (stream) do update set
           state = excluded.state, heads = excluded.heads, version = excluded.version,
           ids_hash = excluded.ids_hash, state_hash = excluded.state_hash, updated_at = now()`,
    },
  ];
}

/** Deletes the rows of `streams` (a recompute that emptied them). */
export async function deleteStreams(
  db: Queryable,
  s: string,
  streams: readonly StreamId[],
): Promise<void> {
  if (streams.length === 0) return;
  await run(db, `delete from ${s}.streams where stream = any($1::text[])`, [streams]);
}
