import { SCHEMA_UPGRADE_DEPENDENCY, type EventId } from '@concord/core';
import { ident, type pg } from '@concord/postgres';
import { ProjectionStore, type HeldKind } from './ProjectionStore.js';

/** The parked events at a glance. */
export interface PendingSummary {
  readonly count: number;
  readonly oldestSeconds: number | undefined;
  /** Parked longer than the alert threshold (oldest first, at most 20). */
  readonly overdue: readonly {
    id: EventId;
    stream: string;
    missing: EventId[];
    /** `dependency`: waits for events; `schema-version`: this code cannot interpret it. */
    reason: ParkReason;
    parkedAt: string;
    source: string;
  }[];
  readonly overdueCount: number;
  /**
   * The parked events held for their schema version (included in `count`): what this region's
   * code cannot interpret yet, by category, type and version. Empty outside a rollout.
   */
  readonly schema: {
    readonly count: number;
    readonly kinds: readonly (Omit<HeldKind, 'oldestParkedAt'> & { oldestParkedAt: string })[];
  };
}

/** Why an event is parked. */
export type ParkReason = 'dependency' | 'schema-version';

export function parkReason(missing: readonly EventId[]): ParkReason {
  return missing.includes(SCHEMA_UPGRADE_DEPENDENCY) ? 'schema-version' : 'dependency';
}

export async function pendingSummary(
  client: pg.ClientBase,
  schema: string,
  alertSeconds: number,
): Promise<PendingSummary> {
  const s = ident(schema);
  const head = await client.query<{ n: string; oldest: number | null; overdue: string }>(
    `select count(*) as n,
            extract(epoch from (now() - min(parked_at)))::float8 as oldest,
            count(*) filter (where parked_at < now() - make_interval(secs => $1)) as overdue
       from ${s}.pending`,
    [alertSeconds],
  );
  const overdueCount = Number(head.rows[0]?.overdue ?? 0);
  const overdue =
    overdueCount === 0
      ? []
      : (
          await client.query<{
            id: string;
            stream: string;
            missing: string[];
            parked_at: Date;
            source: string;
          }>(
            `select id, stream, missing, parked_at, source from ${s}.pending
              where parked_at < now() - make_interval(secs => $1)
              order by parked_at limit 20`,
            [alertSeconds],
          )
        ).rows.map((r) => ({
          id: r.id,
          stream: r.stream,
          missing: r.missing,
          reason: parkReason(r.missing),
          parkedAt: r.parked_at.toISOString(),
          source: r.source,
        }));
  const oldest = head.rows[0]?.oldest;
  const count = Number(head.rows[0]?.n ?? 0);
  const kinds = count === 0 ? [] : await new ProjectionStore(client, schema).heldKinds();
  return {
    count,
    oldestSeconds: oldest === null || oldest === undefined ? undefined : Math.max(0, oldest),
    overdue,
    overdueCount,
    schema: {
      count: kinds.reduce((n, k) => n + k.count, 0),
      kinds: kinds.map((k) => ({ ...k, oldestParkedAt: new Date(k.oldestParkedAt).toISOString() })),
    },
  };
}

/** Where the outboxes stand. */
export interface OutboxSummary {
  readonly appliedSeq: number;
  readonly publishedSeq: number;
  readonly feedBacklog: number;
  readonly dlqBacklog: number;
  readonly openConflicts: number;
  readonly generation: number;
}

export async function outboxSummary(client: pg.ClientBase, schema: string): Promise<OutboxSummary> {
  const s = ident(schema);
  const { rows } = await client.query<{
    applied: string | null;
    published: string | null;
    dlq: string;
    conflicts: string;
    generation: string | null;
  }>(
    `select (select max(applied_seq) from ${s}.events) as applied,
            (select published_seq from ${s}.feed_position where feed = 'applied') as published,
            (select count(*) from ${s}.dlq_outbox) as dlq,
            (select count(*) from ${s}.conflicts where status = 'open') as conflicts,
            (select generation from ${s}.mirror_state) as generation`,
  );
  const r = rows[0]!;
  const applied = Number(r.applied ?? 0);
  const published = Number(r.published ?? 0);
  return {
    appliedSeq: applied,
    publishedSeq: published,
    feedBacklog: Math.max(0, applied - published),
    dlqBacklog: Number(r.dlq),
    openConflicts: Number(r.conflicts),
    generation: Number(r.generation ?? 0),
  };
}
