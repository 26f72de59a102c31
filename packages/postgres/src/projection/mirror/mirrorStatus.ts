/**
 * The mirror's status reads (`GET /v1/status`, docs/mirror.md "HTTP"): the parked events at a
 * glance and where the outboxes stand.
 */
import type { Queryable } from '../query.js';
import { run } from './literals.js';

/** The parked events: how many, the oldest one's age (s), how many older than `alertSeconds`. */
export async function pendingHeadRow(
  db: Queryable,
  s: string,
  alertSeconds: number,
): Promise<{ n: string; oldest: number | null; overdue: string } | undefined> {
  const { rows } = await run<{ n: string; oldest: number | null; overdue: string }>(
    db,
    `select count(*) as n,
            extract(epoch from (now() - min(parked_at)))::float8 as oldest,
            count(*) filter (where parked_at < now() - make_interval(secs => $1)) as overdue
       from ${s}.pending`,
    [alertSeconds],
  );
  return rows[0];
}

/** The (at most 20) events parked longer than `alertSeconds`, oldest first. */
export async function overduePendingRows(
  db: Queryable,
  s: string,
  alertSeconds: number,
): Promise<{ id: string; stream: string; missing: string[]; parked_at: Date; source: string }[]> {
  const { rows } = await run<{
    id: string;
    stream: string;
    missing: string[];
    parked_at: Date;
    source: string;
  }>(
    db,
    `select id, stream, missing, parked_at, source from ${s}.pending
              where parked_at < now() - make_interval(secs => $1)
              order by parked_at limit 20`,
    [alertSeconds],
  );
  return rows;
}

/** The newest applied_seq, the feed's published one, the DLQ backlog, open conflicts, generation. */
export async function outboxStatusRow(
  db: Queryable,
  s: string,
): Promise<{
  applied: string | null;
  published: string | null;
  dlq: string;
  conflicts: string;
  generation: string | null;
}> {
  const { rows } = await run<{
    applied: string | null;
    published: string | null;
    dlq: string;
    conflicts: string;
    generation: string | null;
  }>(
    db,
    `select (select max(applied_seq) from ${s}.events) as applied,
            (select published_seq from ${s}.feed_position where feed = 'applied') as published,
            (select count(*) from ${s}.dlq_outbox) as dlq,
            (select count(*) from ${s}.conflicts where status = 'open') as conflicts,
            (select generation from ${s}.mirror_state) as generation`,
  );
  return rows[0]!;
}
