/**
 * Reads of the projection's conflicts table (`<schema>.conflicts`, written by the mirror's
 * apply transaction): what the reconciler resolves, lists and reports.
 */
import type { EventId, StreamId } from '@concord/core';
import { PROJECTION_SCHEMA } from '../migrate.js';
import { query, type Queryable } from './query.js';

/** A conflict row of `projection.conflicts`. */
export interface ConflictRow {
  readonly id: string;
  readonly stream: StreamId;
  /** Sorted. */
  readonly heads: EventId[];
  readonly status: 'open' | 'resolved' | 'superseded';
  readonly policy: string;
  readonly contestedFields: string[];
  readonly details: Record<string, unknown>;
  readonly detectedAt: string;
  readonly resolvedAt: string | null;
  readonly resolvedBy: EventId | null;
}

const P = PROJECTION_SCHEMA;

interface ConflictDbRow {
  id: string;
  stream: string;
  heads: string[];
  status: ConflictRow['status'];
  policy: string;
  contested_fields: string[];
  details: Record<string, unknown>;
  detected_at: Date;
  resolved_at: Date | null;
  resolved_by: string | null;
}

function toConflict(r: ConflictDbRow): ConflictRow {
  return {
    id: r.id,
    stream: r.stream,
    heads: [...r.heads].sort(),
    status: r.status,
    policy: r.policy,
    contestedFields: r.contested_fields,
    details: r.details,
    detectedAt: r.detected_at.toISOString(),
    resolvedAt: r.resolved_at?.toISOString() ?? null,
    resolvedBy: r.resolved_by,
  };
}

const CONFLICT_COLUMNS =
  'id, stream, heads, status, policy, contested_fields, details, detected_at, resolved_at, resolved_by';

/** Open conflicts, oldest first. */
export async function openConflicts(
  db: Queryable,

  limit: number,
): Promise<{ id: string; stream: StreamId; heads: EventId[] }[]> {
  const { rows } = await query<{ id: string; stream: string; heads: string[] }>(
    db,
    `select id, stream, heads from ${P}.conflicts where status = 'open'
      order by detected_at, id limit $1`,
    [limit],
  );
  return rows.map((r) => ({ id: r.id, stream: r.stream, heads: [...r.heads].sort() }));
}

export async function conflictById(db: Queryable, id: string): Promise<ConflictRow | undefined> {
  const { rows } = await query<ConflictDbRow>(
    db,
    `select ${CONFLICT_COLUMNS} from ${P}.conflicts where id = $1`,
    [id],
  );
  return rows[0] ? toConflict(rows[0]) : undefined;
}

/** Conflicts, newest first, paged by `(detected_at, id)` after `cursor`. */
export async function listConflicts(
  db: Queryable,
  filter: {
    status?: string | undefined;
    stream?: string | undefined;
    limit: number;
    cursor?: { detectedAt: string; id: string } | undefined;
  },
): Promise<ConflictRow[]> {
  const where: string[] = [];
  const values: unknown[] = [];
  if (filter.status) {
    values.push(filter.status);
    where.push(`status = $${values.length}`);
  }
  if (filter.stream) {
    values.push(filter.stream);
    where.push(`stream = $${values.length}`);
  }
  if (filter.cursor) {
    values.push(filter.cursor.detectedAt, filter.cursor.id);
    where.push(`(detected_at, id) < ($${values.length - 1}::timestamptz, $${values.length}::uuid)`);
  }
  values.push(filter.limit);
  const { rows } = await query<ConflictDbRow>(
    db,
    `select ${CONFLICT_COLUMNS} from ${P}.conflicts
      ${where.length ? `where ${where.join(' and ')}` : ''}
      order by detected_at desc, id desc limit $${values.length}`,
    values,
  );
  return rows.map(toConflict);
}

/** The conflict's status and its stream's current heads, read together. */
export async function conflictAndHeads(
  db: Queryable,

  id: string,
): Promise<{ status: string; stream: StreamId; heads: EventId[] | null } | undefined> {
  const { rows } = await query<{ status: string; stream: string; heads: string[] | null }>(
    db,
    `select c.status, c.stream, s.heads from ${P}.conflicts c
       left join ${P}.streams s on s.stream = c.stream
      where c.id = $1`,
    [id],
  );
  const r = rows[0];
  return r
    ? { status: r.status, stream: r.stream, heads: r.heads ? [...r.heads].sort() : null }
    : undefined;
}

/** Conflicts detected in this region during the last `seconds`. */
export async function conflictsDetectedWithin(db: Queryable, seconds: number): Promise<number> {
  const { rows } = await query<{ n: number }>(
    db,
    `select count(*)::int as n from ${P}.conflicts
      where detected_at > now() - make_interval(secs => $1)`,
    [seconds],
  );
  return rows[0]?.n ?? 0;
}

/**
 * Conflicts detected in the last minute, and the average per minute over the hour before it
 * (undefined unless this region has events older than that hour: nothing to compare with).
 */
export async function conflictRate(
  db: Queryable,
): Promise<{ lastMinute: number; baselinePerMinute: number | undefined }> {
  const { rows } = await query<{ last: number; hour: number; old: boolean }>(
    db,
    `select count(*) filter (where detected_at > now() - interval '1 minute')::int as last,
            count(*) filter (where detected_at <= now() - interval '1 minute'
                               and detected_at > now() - interval '61 minutes')::int as hour,
            exists (select 1 from ${P}.events
                     where applied_at < now() - interval '61 minutes') as old
       from ${P}.conflicts where detected_at > now() - interval '61 minutes'`,
  );
  const r = rows[0];
  return {
    lastMinute: r?.last ?? 0,
    baselinePerMinute: r?.old ? r.hour / 60 : undefined,
  };
}

export async function openConflictCount(db: Queryable): Promise<number> {
  const { rows } = await query<{ n: number }>(
    db,
    `select count(*)::int as n from ${P}.conflicts where status = 'open'`,
  );
  return rows[0]?.n ?? 0;
}
