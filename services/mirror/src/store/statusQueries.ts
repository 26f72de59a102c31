import { SCHEMA_UPGRADE_DEPENDENCY, type EventId } from '@concord/core';
import {
  heldKinds,
  ident,
  outboxStatusRow,
  overduePendingRows,
  pendingHeadRow,
  type HeldKind,
  type pg,
} from '@concord/postgres';

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
  const head = await pendingHeadRow(client, s, alertSeconds);
  const overdueCount = Number(head?.overdue ?? 0);
  const overdue =
    overdueCount === 0
      ? []
      : (await overduePendingRows(client, s, alertSeconds)).map((r) => ({
          id: r.id,
          stream: r.stream,
          missing: r.missing,
          reason: parkReason(r.missing),
          parkedAt: r.parked_at.toISOString(),
          source: r.source,
        }));
  const oldest = head?.oldest;
  const count = Number(head?.n ?? 0);
  const kinds = count === 0 ? [] : await heldKinds(client, s);
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
  const r = await outboxStatusRow(client, s);
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
