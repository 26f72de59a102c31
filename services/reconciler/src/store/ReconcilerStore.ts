import {
  SCHEMA_UPGRADE_DEPENDENCY,
  type EventId,
  type Envelope,
  type StreamId,
} from '@concord/core';
import { inTransaction, mapPgError, PROJECTION_SCHEMA, type pg } from '@concord/postgres';
import type { StreamEventIds } from '../antiEntropy/classifyMissing.js';

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

/** A stored event with where it sits in this region. */
export interface StoredEvent {
  readonly envelope: Envelope;
  readonly foldPos: number;
  readonly appliedSeq: number;
  readonly appliedAt: string;
  readonly source: string;
}

/** One merge this reconciler appended (its audit trail, schema `reconciler`). */
export interface ResolutionRecord {
  readonly conflictId: string;
  readonly stream: StreamId;
  readonly mergeId: EventId;
  readonly policy: string;
  /** `owner`, `failover` or `operator`. */
  readonly role: string;
  readonly duplicate: boolean;
  readonly emittedAt: string;
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

/**
 * Every SQL the reconciler runs. It reads the projection the mirror writes (schema
 * `projection`, never written here) and keeps its own audit trail in schema `reconciler`,
 * created at start-up (no migration: nothing in it is needed to rebuild a projection).
 */
export class ReconcilerStore {
  constructor(readonly pool: pg.Pool) {}

  private async q<R extends pg.QueryResultRow>(
    text: string,
    values: unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(text, values);
    } catch (error) {
      throw mapPgError(error, 'reconciler store');
    }
  }

  /** Creates schema `reconciler` and its table if missing (idempotent, safe to race). */
  async ensureOwnSchema(): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query('select pg_advisory_xact_lock(7461203002)');
      await client.query('create schema if not exists reconciler');
      await client.query(`create table if not exists reconciler.resolutions (
        conflict_id uuid not null,
        merge_id uuid not null,
        stream text not null,
        policy text not null,
        role text not null,
        duplicate boolean not null,
        emitted_at timestamptz not null default now(),
        primary key (conflict_id, merge_id)
      )`);
    });
  }

  /** True when the projection schema exists (the mirror migrated the database). */
  async ping(): Promise<boolean> {
    const { rows } = await this.q<{ ok: boolean }>(
      `select to_regclass('${P}.conflicts') is not null as ok`,
    );
    return rows[0]?.ok === true;
  }

  /** Open conflicts, oldest first. */
  async openConflicts(
    limit: number,
  ): Promise<{ id: string; stream: StreamId; heads: EventId[] }[]> {
    const { rows } = await this.q<{ id: string; stream: string; heads: string[] }>(
      `select id, stream, heads from ${P}.conflicts where status = 'open'
        order by detected_at, id limit $1`,
      [limit],
    );
    return rows.map((r) => ({ id: r.id, stream: r.stream, heads: [...r.heads].sort() }));
  }

  async conflict(id: string): Promise<ConflictRow | undefined> {
    const { rows } = await this.q<ConflictDbRow>(
      `select ${CONFLICT_COLUMNS} from ${P}.conflicts where id = $1`,
      [id],
    );
    return rows[0] ? toConflict(rows[0]) : undefined;
  }

  /** Conflicts, newest first, paged by `(detected_at, id)` after `cursor`. */
  async listConflicts(filter: {
    status?: string | undefined;
    stream?: string | undefined;
    limit: number;
    cursor?: { detectedAt: string; id: string } | undefined;
  }): Promise<ConflictRow[]> {
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
      where.push(
        `(detected_at, id) < ($${values.length - 1}::timestamptz, $${values.length}::uuid)`,
      );
    }
    values.push(filter.limit);
    const { rows } = await this.q<ConflictDbRow>(
      `select ${CONFLICT_COLUMNS} from ${P}.conflicts
        ${where.length ? `where ${where.join(' and ')}` : ''}
        order by detected_at desc, id desc limit $${values.length}`,
      values,
    );
    return rows.map(toConflict);
  }

  /** The conflict's status and its stream's current heads, read together. */
  async conflictAndHeads(
    id: string,
  ): Promise<{ status: string; stream: StreamId; heads: EventId[] | null } | undefined> {
    const { rows } = await this.q<{ status: string; stream: string; heads: string[] | null }>(
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

  /** Every applied event of a stream, in fold order. */
  async streamEvents(stream: StreamId): Promise<StoredEvent[]> {
    const { rows } = await this.q<{
      envelope: Envelope;
      fold_pos: number;
      applied_seq: string;
      applied_at: Date;
      source: string;
    }>(
      `select envelope, fold_pos, applied_seq, applied_at, source from ${P}.events
        where stream = $1 order by fold_pos, id`,
      [stream],
    );
    return rows.map((r) => ({
      envelope: r.envelope,
      foldPos: r.fold_pos,
      appliedSeq: Number(r.applied_seq),
      appliedAt: r.applied_at.toISOString(),
      source: r.source,
    }));
  }

  /** The ids among `ids` that are applied here. */
  async appliedAmong(ids: readonly EventId[]): Promise<Set<EventId>> {
    if (ids.length === 0) return new Set();
    const { rows } = await this.q<{ id: string }>(
      `select id from ${P}.events where id = any($1::uuid[])`,
      [ids],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** The stored signed envelopes of `ids` (those applied here). */
  async envelopes(ids: readonly EventId[]): Promise<Envelope[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.q<{ envelope: Envelope }>(
      `select envelope from ${P}.events where id = any($1::uuid[]) order by applied_seq`,
      [ids],
    );
    return rows.map((r) => r.envelope);
  }

  /**
   * Per stream, the applied ids with their source, the parked ids, and among those the ids held
   * for their schema version (this region's code cannot interpret them yet) — in ONE statement,
   * so an event moving from pending to applied meanwhile is never seen in neither.
   */
  async streamIds(streams: readonly StreamId[]): Promise<Map<StreamId, StreamEventIds>> {
    const result = new Map<
      StreamId,
      { events: { id: EventId; source: string | null }[]; pending: EventId[]; held: EventId[] }
    >();
    for (const stream of streams) result.set(stream, { events: [], pending: [], held: [] });
    if (streams.length === 0) return result;
    const { rows } = await this.q<{
      kind: 'e' | 'p' | 'h';
      stream: string;
      id: string;
      source: string | null;
    }>(
      `select 'e' as kind, stream, id::text, source from ${P}.events where stream = any($1::text[])
       union all
       select case when missing @> array[$2]::uuid[] then 'h' else 'p' end as kind, stream,
              id::text, null
         from ${P}.pending where stream = any($1::text[])
       order by 3`,
      [streams, SCHEMA_UPGRADE_DEPENDENCY],
    );
    for (const r of rows) {
      const entry = result.get(r.stream);
      if (!entry) continue;
      if (r.kind === 'e') entry.events.push({ id: r.id, source: r.source });
      else {
        entry.pending.push(r.id);
        if (r.kind === 'h') entry.held.push(r.id);
      }
    }
    return result;
  }

  /** Conflicts detected in this region during the last `seconds`. */
  async conflictsDetectedWithin(seconds: number): Promise<number> {
    const { rows } = await this.q<{ n: number }>(
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
  async conflictRate(): Promise<{ lastMinute: number; baselinePerMinute: number | undefined }> {
    const { rows } = await this.q<{ last: number; hour: number; old: boolean }>(
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

  async openConflictCount(): Promise<number> {
    const { rows } = await this.q<{ n: number }>(
      `select count(*)::int as n from ${P}.conflicts where status = 'open'`,
    );
    return rows[0]?.n ?? 0;
  }

  /** Per origin: replication lag of the events applied in the last minute, and the newest one. */
  async lagByOrigin(): Promise<
    {
      origin: string;
      events: number;
      lagP50: number | null;
      lagMax: number | null;
      lastAppliedAgo: number;
    }[]
  > {
    const { rows } = await this.q<{
      origin: string;
      events: number;
      p50: number | null;
      max: number | null;
      ago: number;
    }>(
      `with recent as (
         select origin, extract(epoch from (applied_at - accepted_at))::float8 as lag
           from ${P}.events where applied_at > now() - interval '60 seconds')
       select o.origin,
              (select count(*)::int from recent r where r.origin = o.origin) as events,
              (select percentile_cont(0.5) within group (order by lag) from recent r
                where r.origin = o.origin and lag is not null) as p50,
              (select max(lag) from recent r where r.origin = o.origin) as max,
              extract(epoch from (now() - o.last))::float8 as ago
         from (select origin, max(applied_at) as last from ${P}.events group by origin) o
        order by o.origin`,
    );
    return rows.map((r) => ({
      origin: r.origin,
      events: r.events,
      lagP50: r.p50,
      lagMax: r.max,
      lastAppliedAgo: r.ago,
    }));
  }

  /** Parked events: how many, and how long the oldest waits. */
  async pendingSummary(): Promise<{ count: number; oldestSeconds: number | null }> {
    const { rows } = await this.q<{ n: number; oldest: number | null }>(
      `select count(*)::int as n,
              extract(epoch from (now() - min(parked_at)))::float8 as oldest
         from ${P}.pending`,
    );
    return { count: rows[0]?.n ?? 0, oldestSeconds: rows[0]?.oldest ?? null };
  }

  /**
   * The newest accept time (ms) of a client write (not a merge: merges are the convergence
   * itself) among the events of `streams`.
   */
  async lastWriteAt(streams: readonly StreamId[]): Promise<number | undefined> {
    if (streams.length === 0) return undefined;
    const { rows } = await this.q<{ at: Date | null }>(
      `select max(accepted_at) as at from ${P}.events
        where stream = any($1::text[]) and type <> 'concord.merge'`,
      [streams],
    );
    return rows[0]?.at?.getTime();
  }

  /** The region's write fence as stored (`concord.fence`, written by the writers). */
  async fence(): Promise<{ fenced: boolean; reason: string | null; updatedAt: string | null }> {
    const { rows } = await this.q<{ fenced: boolean; reason: string | null; updated_at: Date }>(
      `select fenced, reason, updated_at from concord.fence where singleton`,
    );
    const r = rows[0];
    return r
      ? { fenced: r.fenced, reason: r.reason, updatedAt: r.updated_at.toISOString() }
      : { fenced: false, reason: null, updatedAt: null };
  }

  async recordResolution(record: Omit<ResolutionRecord, 'emittedAt'>): Promise<void> {
    await this.q(
      `insert into reconciler.resolutions (conflict_id, merge_id, stream, policy, role, duplicate)
       values ($1, $2, $3, $4, $5, $6) on conflict do nothing`,
      [
        record.conflictId,
        record.mergeId,
        record.stream,
        record.policy,
        record.role,
        record.duplicate,
      ],
    );
  }

  async resolutions(conflictId: string): Promise<ResolutionRecord[]> {
    const { rows } = await this.q<{
      conflict_id: string;
      merge_id: string;
      stream: string;
      policy: string;
      role: string;
      duplicate: boolean;
      emitted_at: Date;
    }>(
      `select conflict_id, merge_id, stream, policy, role, duplicate, emitted_at
         from reconciler.resolutions where conflict_id = $1 order by emitted_at`,
      [conflictId],
    );
    return rows.map((r) => ({
      conflictId: r.conflict_id,
      mergeId: r.merge_id,
      stream: r.stream,
      policy: r.policy,
      role: r.role,
      duplicate: r.duplicate,
      emittedAt: r.emitted_at.toISOString(),
    }));
  }
}
