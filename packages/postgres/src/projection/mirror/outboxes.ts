/**
 * The outboxes (docs/mirror.md): `dlq_outbox`, refused records on their way to the DLQ topic,
 * and the applied feed — the events in `applied_seq` order from `feed_position`.
 */
import type { Queryable } from '../query.js';
import type { DlqInsert, WriteOp } from './applyStore.js';
import { run } from './literals.js';

/** What the feed needs of an applied event (read straight from the events table). */
export interface FeedRow {
  readonly appliedSeq: string;
  readonly id: string;
  readonly stream: string;
  readonly origin: string;
  readonly type: string;
  readonly traceparent: string | null;
  /** The envelope as JSON text (signed content; verifiable after canonicalization). */
  readonly envelope: string;
}

/** A queued `dlq_outbox` row. */
export interface DlqOutboxRow {
  readonly seq: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, string>;
}

/** The write queuing DLQ records; none for no rows. */
export function insertDlqOps(s: string, rows: readonly DlqInsert[]): WriteOp[] {
  if (rows.length === 0) return [];
  return [
    {
      table: 'dlq_outbox',
      sql: (p) => `insert into ${s}.dlq_outbox (key, value, headers, reason)
         select * from unnest(${p(rows.map((r) => r.key))}::bytea[],
                              ${p(rows.map((r) => r.value))}::bytea[],
                              ${p(rows.map((r) => JSON.stringify(r.headers)))}::jsonb[],
                              ${p(rows.map((r) => r.reason))}::text[])`,
    },
  ];
}

/** The applied feed's published position, its row locked until the transaction ends. */
export async function lockFeedPosition(db: Queryable, s: string): Promise<string> {
  const { rows } = await run<{ published_seq: string }>(
    db,
    `select published_seq from ${s}.feed_position where feed = 'applied' for update`,
  );
  return rows[0]?.published_seq ?? '0';
}

/** Up to `limit` applied events after `from`, in `applied_seq` order. */
export async function feedRowsAfter(
  db: Queryable,
  s: string,
  from: string,
  limit: number,
): Promise<FeedRow[]> {
  const { rows } = await run<FeedRow>(
    db,
    `select applied_seq as "appliedSeq", id, stream, origin, type,
            envelope -> 'meta' ->> 'traceparent' as traceparent, envelope::text as envelope
       from ${s}.events
      where applied_seq > $1 order by applied_seq limit $2`,
    [from, limit],
  );
  return rows;
}

/** Moves the applied feed's published position to `seq`. */
export async function savePublishedSeq(db: Queryable, s: string, seq: string): Promise<void> {
  await run(
    db,
    `update ${s}.feed_position set published_seq = $1, updated_at = now() where feed = 'applied'`,
    [seq],
  );
}

/** The first `limit` queued DLQ records, oldest first. */
export async function dlqOutboxRows(
  db: Queryable,
  s: string,
  limit: number,
): Promise<DlqOutboxRow[]> {
  const { rows } = await run<DlqOutboxRow>(
    db,
    `select seq, key, value, headers from ${s}.dlq_outbox order by seq limit $1`,
    [limit],
  );
  return rows;
}

/** Deletes the published DLQ records `seqs`. */
export async function deleteDlqRows(
  db: Queryable,
  s: string,
  seqs: readonly string[],
): Promise<void> {
  if (seqs.length === 0) return;
  await run(db, `delete from ${s}.dlq_outbox where seq = any($1::bigint[])`, [seqs]);
}
