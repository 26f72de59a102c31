/**
 * The reads of the independent digests (docs/semantics.md §8): the reconciler's `LocalDigests`
 * and the mirror's `checkProjection` fold the stored events themselves and check the stored
 * `streams` rows and `digest_buckets` against them. `s` is the quoted schema (`ident(schema)`),
 * as in `mirror/`: the live projection, or `projection_next` while replay builds it.
 */
import type { Envelope, StreamId } from '@concord/core';
import type { Queryable } from './query.js';
import { run } from './mirror/literals.js';

/**
 * One stream as the summary reads it: its stored row (null columns: no row) and its events'
 * count, max and sum of `applied_seq` (null: no event), with an md5 of the stored state.
 */
export interface StreamSummaryRow {
  stream: string;
  version: number | null;
  ids_hash: string | null;
  state_hash: string | null;
  heads: string[] | null;
  state_md5: string | null;
  n: number | null;
  max_seq: string | null;
  sum_seq: string | null;
}

/** The stored digest columns of a `streams` row. */
export interface StreamDigestRow {
  readonly stream: string;
  readonly ids_hash: string;
  readonly state_hash: string;
  readonly heads: string[];
  readonly version: number;
}

/** Makes the current transaction one read-only snapshot (its first statement). */
export async function readOnlySnapshot(db: Queryable): Promise<void> {
  await run(db, 'set transaction isolation level repeatable read, read only');
}

/** Every stream with a row or an event: the row's digest columns and its events' summary. */
export async function streamSummaries(db: Queryable, s: string): Promise<StreamSummaryRow[]> {
  const { rows } = await run<StreamSummaryRow>(
    db,
    `select coalesce(s.stream, e.stream) as stream, s.version, s.ids_hash, s.state_hash,
            s.heads, md5(s.state::text) as state_md5,
            e.n, e.max_seq::text as max_seq, e.sum_seq::text as sum_seq
       from ${s}.streams s
       full join (select stream, count(*)::int as n, max(applied_seq) as max_seq,
                         sum(applied_seq) as sum_seq
                    from ${s}.events group by stream) e on e.stream = s.stream`,
  );
  return rows;
}

/**
 * How many writing statements touched the tables a digest reads (`change_seq`, bumped by a
 * statement trigger on each: docs/reconciler.md). Unchanged between two reads: nothing that a
 * digest reads was written in between.
 */
export async function changeCount(db: Queryable, s: string): Promise<string> {
  const { rows } = await run<{ n: string }>(
    db,
    `select (case when is_called then last_value else 0 end)::text as n from ${s}.change_seq`,
  );
  return rows[0]!.n;
}

/** The stored envelopes of `streams` (every stream when omitted), grouped by stream. */
export async function envelopesByStream(
  db: Queryable,
  s: string,
  streams?: readonly StreamId[],
): Promise<Map<StreamId, Envelope[]>> {
  const { rows } = await run<{ stream: string; envelope: Envelope }>(
    db,
    streams === undefined
      ? `select stream, envelope from ${s}.events order by stream`
      : `select stream, envelope from ${s}.events where stream = any($1::text[])`,
    streams === undefined ? [] : [streams],
  );
  const byStream = new Map<StreamId, Envelope[]>();
  for (const r of rows) {
    const list = byStream.get(r.stream);
    if (list) list.push(r.envelope);
    else byStream.set(r.stream, [r.envelope]);
  }
  return byStream;
}

/** The stored states of `streams` (streams without a row are absent). */
export async function storedStates(
  db: Queryable,
  s: string,
  streams: readonly StreamId[],
): Promise<Map<StreamId, unknown>> {
  const { rows } = await run<{ stream: string; state: unknown }>(
    db,
    `select stream, state from ${s}.streams where stream = any($1::text[])`,
    [streams],
  );
  return new Map(rows.map((r) => [r.stream, r.state]));
}

/** The digest columns of every stored `streams` row. */
export async function streamDigestRows(db: Queryable, s: string): Promise<StreamDigestRow[]> {
  const { rows } = await run<StreamDigestRow>(
    db,
    `select stream, ids_hash, state_hash, heads, version from ${s}.streams`,
  );
  return rows;
}

/** How many events are stored. */
export async function eventCount(db: Queryable, s: string): Promise<number> {
  const { rows } = await run<{ n: string }>(db, `select count(*) as n from ${s}.events`);
  return Number(rows[0]?.n ?? 0);
}
