import {
  SCHEMA_UPGRADE_DEPENDENCY,
  type Envelope,
  type EventId,
  type StreamId,
} from '@concord/core';
import { ident, type pg } from '@concord/postgres';
import type { AppliedRef, PendingRow } from '../apply/ApplyTypes.js';
import type { StreamRow, SuffixEvent } from '../apply/foldStreams.js';
import type { GateStore } from '../apply/gatePass.js';
import type { DlqOutboxRow } from '../dlq/dlqRecord.js';

/** What an apply transaction will look up, known from its records before the gate runs. */
export interface PrefetchHint {
  readonly parts: readonly { topic: string; partition: number }[];
  /** The records' ids and their dependencies. */
  readonly ids: readonly EventId[];
  readonly streams: readonly StreamId[];
  readonly buckets: readonly number[];
}

/** One event row to insert into `events`. */
export interface EventInsert {
  readonly envelope: Envelope;
  readonly text: string;
  readonly position: number;
  readonly noop: boolean;
  readonly source: string;
  /** Keep this applied_seq (replay of the stored events); otherwise the identity assigns one. */
  readonly appliedSeq?: string;
}

/** One parked event row. */
export interface PendingInsert {
  readonly id: EventId;
  readonly stream: StreamId;
  readonly text: string;
  readonly missing: readonly EventId[];
  readonly source: string;
  readonly parkedAt: number;
}

/** A stored conflict row. */
export interface ConflictInsert {
  readonly id: string;
  readonly stream: StreamId;
  readonly heads: readonly EventId[];
  readonly policy: string;
  readonly contestedFields: readonly string[];
  readonly details: unknown;
}

/**
 * The store port of the apply path (Postgres: {@link ProjectionStore}; in memory for property
 * tests). Every method is one batched operation inside the caller's transaction.
 */
export interface ApplyStore extends GateStore {
  storedOffsets(
    parts: readonly { topic: string; partition: number }[],
  ): Promise<Map<string, bigint>>;
  /** Moves the offsets and, with `notify`, signals `concord_applied` (one statement). */
  saveOffsets(
    offsets: readonly { topic: string; partition: number; next: bigint }[],
    notify?: string,
  ): Promise<void>;
  streamRows(streams: readonly StreamId[]): Promise<Map<StreamId, StreamRow>>;
  checkpointsAtOrBefore(
    bounds: readonly { stream: StreamId; bound: number }[],
  ): Promise<Map<StreamId, { position: number; state: unknown }>>;
  suffixes(
    froms: readonly { stream: StreamId; from: number }[],
  ): Promise<Map<StreamId, SuffixEvent[]>>;
  takenKeys(
    pairs: readonly { stream: StreamId; key: string }[],
  ): Promise<{ stream: StreamId; key: string; id: EventId; position: number }[]>;
  insertEvents(events: readonly EventInsert[]): Promise<void>;
  moveEvents(moves: readonly { id: EventId; position: number; noop: boolean }[]): Promise<void>;
  replaceCheckpoints(
    froms: readonly { stream: StreamId; from: number }[],
    checkpoints: readonly { stream: StreamId; position: number; state: unknown }[],
  ): Promise<void>;
  upsertStreams(rows: readonly (StreamRow & { category: string })[]): Promise<void>;
  bucketRows(buckets: readonly number[]): Promise<Map<number, { hash: string; streams: number }>>;
  upsertBuckets(rows: readonly { bucket: number; hash: string; streams: number }[]): Promise<void>;
  openConflicts(
    streams: readonly StreamId[],
  ): Promise<{ id: string; stream: string; heads: string[] }[]>;
  streamEvents(
    streams: readonly StreamId[],
  ): Promise<Map<StreamId, { envelope: Envelope; position: number; noop: boolean }[]>>;
  insertConflicts(conflicts: readonly ConflictInsert[]): Promise<number>;
  closeConflicts(
    closings: readonly { id: string; status: string; resolvedBy?: EventId }[],
  ): Promise<void>;
  insertPending(rows: readonly PendingInsert[]): Promise<void>;
  deletePending(ids: readonly EventId[]): Promise<void>;
  updatePendingMissing(
    rows: readonly { id: EventId; missing: readonly EventId[] }[],
  ): Promise<void>;
  insertDlq(rows: readonly DlqOutboxRow[]): Promise<void>;
  upsertBalances(
    rows: readonly { stream: string; balance: string; bounced: number }[],
  ): Promise<void>;
  replaceCartLines(
    carts: readonly StreamId[],
    lines: readonly { stream: string; sku: string; quantity: string }[],
  ): Promise<void>;
  upsertProfiles(rows: readonly { stream: string; doc: unknown }[]): Promise<void>;
  notifyApplied(payload: string): Promise<void>;
  /** Reads ahead what a transaction will look up (optional: a plain store reads on demand). */
  prefetch?(hint: PrefetchHint): Promise<void>;
  /** Sends buffered writes (optional: a plain store writes at once). */
  flush?(): Promise<void>;
}

/**
 * A write whose SQL takes its parameters through `p` (which returns the `$n` placeholder), so
 * several writes can be sent as one statement.
 */
export interface WriteOp {
  /** The table written (writes of one table are never combined with a read of it). */
  readonly table: string;
  readonly sql: (p: (value: unknown) => string) => string;
}

/** Postgres literal of a uuid[] (ids are validated lower-case UUIDs). */
function uuidArrayLiteral(ids: readonly EventId[]): string {
  return `{${ids.join(',')}}`;
}

function acceptedAt(envelope: Envelope): string | null {
  const value = envelope.meta.acceptedAt;
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/**
 * The SQL of the mirror against one projection schema (`projection`, or `projection_next`
 * while replay builds it), bound to one client — usually inside the apply transaction.
 * Every method is one statement; multi-row writes pass arrays through `unnest`, so a
 * transaction costs a fixed number of round trips whatever the number of events.
 */
export class ProjectionStore implements ApplyStore {
  readonly s: string;

  constructor(
    readonly client: pg.ClientBase,
    readonly schema: string,
  ) {
    this.s = ident(schema);
  }

  protected async q<R extends pg.QueryResultRow>(text: string, values?: unknown[]) {
    return this.client.query<R>(text, values);
  }

  /**
   * Takes the apply lock (`pg_advisory_xact_lock`) and reads the projection's generation in one
   * round trip. The generation is read with the statement's snapshot, which may predate a swap
   * committed while this statement waited: it only serves to notice the swap (a transaction
   * later at worst); every later statement sees the swapped schema.
   */
  async lockAndGeneration(lock: number): Promise<number> {
    const { rows } = await this.q<{ generation: string }>(
      `select pg_advisory_xact_lock($1)::text as locked,
              (select generation from ${this.s}.mirror_state) as generation`,
      [lock],
    );
    return Number(rows[0]?.generation ?? 0);
  }

  /** The projection's generation (changes when replay swaps the schema). */
  async generation(): Promise<number> {
    const { rows } = await this.q<{ generation: string }>(
      `select generation from ${this.s}.mirror_state`,
    );
    return Number(rows[0]?.generation ?? 0);
  }

  async storedOffsets(
    parts: readonly { topic: string; partition: number }[],
  ): Promise<Map<string, bigint>> {
    const { rows } = await this.q<{ topic: string; partition: number; next_offset: string }>(
      `select o.topic, o.partition, o.next_offset from ${this.s}.source_offsets o
         join unnest($1::text[], $2::int[]) u(topic, partition)
           on o.topic = u.topic and o.partition = u.partition`,
      [parts.map((p) => p.topic), parts.map((p) => p.partition)],
    );
    return new Map(rows.map((r) => [`${r.topic}:${r.partition}`, BigInt(r.next_offset)]));
  }

  async allOffsets(): Promise<{ topic: string; partition: number; next: bigint }[]> {
    const { rows } = await this.q<{ topic: string; partition: number; next_offset: string }>(
      `select topic, partition, next_offset from ${this.s}.source_offsets order by topic, partition`,
    );
    return rows.map((r) => ({
      topic: r.topic,
      partition: r.partition,
      next: BigInt(r.next_offset),
    }));
  }

  /**
   * Moves the source offsets (never backwards) and, when given, signals `concord_applied` — in
   * one statement.
   */
  async saveOffsets(
    offsets: readonly { topic: string; partition: number; next: bigint }[],
    notify?: string,
  ): Promise<void> {
    const ops: WriteOp[] = [];
    if (offsets.length > 0) {
      ops.push({
        table: 'source_offsets',
        sql: (p) => `insert into ${this.s}.source_offsets (topic, partition, next_offset)
          select * from unnest(${p(offsets.map((o) => o.topic))}::text[],
                               ${p(offsets.map((o) => o.partition))}::int[],
                               ${p(offsets.map((o) => o.next.toString()))}::bigint[])
          on conflict (topic, partition) do update
            set next_offset = greatest(${this.s}.source_offsets.next_offset, excluded.next_offset),
                updated_at = now()`,
      });
    }
    await this.write(ops, notify);
  }

  async appliedAmong(ids: readonly EventId[]): Promise<Map<EventId, AppliedRef>> {
    if (ids.length === 0) return new Map();
    const { rows } = await this.q<{ id: string; stream: string; fold_pos: number }>(
      `select id, stream, fold_pos from ${this.s}.events where id = any($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, { stream: r.stream, position: r.fold_pos }]));
  }

  async pendingWaitingOn(
    ids: readonly EventId[],
    exclude: readonly EventId[],
  ): Promise<PendingRow[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.q<PendingDbRow>(
      `select id, envelope, envelope::text as text, missing, source,
              (extract(epoch from parked_at) * 1000)::float8 as parked_ms
         from ${this.s}.pending
        where missing && $1::uuid[] and not (id = any($2::uuid[]))`,
      [ids, exclude],
    );
    return rows.map(pendingRow);
  }

  async pendingAmongOrWaitingOn(ids: readonly EventId[]): Promise<PendingRow[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.q<PendingDbRow>(
      `select id, envelope, envelope::text as text, missing, source,
              (extract(epoch from parked_at) * 1000)::float8 as parked_ms
         from ${this.s}.pending
        where id = any($1::uuid[]) or missing && $1::uuid[]`,
      [ids],
    );
    return rows.map(pendingRow);
  }

  /** Pending rows whose every missing dependency is applied (the safety sweep). */
  async pendingReady(limit: number): Promise<PendingRow[]> {
    const { rows } = await this.q<PendingDbRow>(
      `select p.id, p.envelope, p.envelope::text as text, p.missing, p.source,
              (extract(epoch from p.parked_at) * 1000)::float8 as parked_ms
         from ${this.s}.pending p
        where not exists (
          select 1 from unnest(p.missing) m(id)
           where not exists (select 1 from ${this.s}.events e where e.id = m.id))
        order by p.parked_at
        limit $1`,
      [limit],
    );
    return rows.map(pendingRow);
  }

  /**
   * The events held for their schema version (parked with SCHEMA_UPGRADE_DEPENDENCY in
   * `missing`), counted by category, type and schema version.
   */
  async heldKinds(): Promise<HeldKind[]> {
    const { rows } = await this.q<{
      category: string;
      type: string;
      version: number;
      n: string;
      oldest_ms: number;
    }>(
      `select ${categorySql('stream')} as category, envelope->>'type' as type,
              ${schemaVersionSql('envelope')} as version, count(*) as n,
              (extract(epoch from min(parked_at)) * 1000)::float8 as oldest_ms
         from ${this.s}.pending
        where missing @> array[$1]::uuid[]
        group by 1, 2, 3
        order by 1, 2, 3`,
      [SCHEMA_UPGRADE_DEPENDENCY],
    );
    return rows.map((r) => ({
      category: r.category,
      type: r.type,
      version: r.version,
      count: Number(r.n),
      oldestParkedAt: r.oldest_ms,
    }));
  }

  /** Held rows of the given (category, type, version) kinds, oldest first. */
  async heldRows(
    kinds: readonly Pick<HeldKind, 'category' | 'type' | 'version'>[],
    limit: number,
  ): Promise<PendingRow[]> {
    if (kinds.length === 0) return [];
    const { rows } = await this.q<PendingDbRow>(
      `select p.id, p.envelope, p.envelope::text as text, p.missing, p.source,
              (extract(epoch from p.parked_at) * 1000)::float8 as parked_ms
         from ${this.s}.pending p
         join unnest($2::text[], $3::text[], $4::int[]) k(category, type, version)
           on ${categorySql('p.stream')} = k.category
          and p.envelope->>'type' = k.type
          and ${schemaVersionSql('p.envelope')} = k.version
        where p.missing @> array[$1]::uuid[]
        order by p.parked_at
        limit $5`,
      [
        SCHEMA_UPGRADE_DEPENDENCY,
        kinds.map((k) => k.category),
        kinds.map((k) => k.type),
        kinds.map((k) => k.version),
        limit,
      ],
    );
    return rows.map(pendingRow);
  }

  async streamRows(streams: readonly StreamId[]): Promise<Map<StreamId, StreamRow>> {
    if (streams.length === 0) return new Map();
    const { rows } = await this.q<{
      stream: string;
      state: unknown;
      heads: string[];
      version: number;
      ids_hash: string;
      state_hash: string;
      bucket: number;
    }>(
      `select stream, state, heads, version, ids_hash, state_hash, bucket
         from ${this.s}.streams where stream = any($1::text[])`,
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

  /** Per stream, the latest checkpoint at a position ≤ its bound. */
  async checkpointsAtOrBefore(
    bounds: readonly { stream: StreamId; bound: number }[],
  ): Promise<Map<StreamId, { position: number; state: unknown }>> {
    if (bounds.length === 0) return new Map();
    const { rows } = await this.q<{ stream: string; fold_pos: number; state: unknown }>(
      `select distinct on (s.stream) s.stream, s.fold_pos, s.state
         from ${this.s}.stream_snapshots s
         join unnest($1::text[], $2::int[]) u(stream, bound)
           on s.stream = u.stream and s.fold_pos <= u.bound
        order by s.stream, s.fold_pos desc`,
      [bounds.map((b) => b.stream), bounds.map((b) => b.bound)],
    );
    return new Map(rows.map((r) => [r.stream, { position: r.fold_pos, state: r.state }]));
  }

  /** Per stream, the stored events at positions ≥ from. */
  async suffixes(
    froms: readonly { stream: StreamId; from: number }[],
  ): Promise<Map<StreamId, SuffixEvent[]>> {
    const result = new Map<StreamId, SuffixEvent[]>();
    if (froms.length === 0) return result;
    const { rows } = await this.q<{
      stream: string;
      envelope: Envelope;
      fold_pos: number;
      idempotency_noop: boolean;
    }>(
      `select e.stream, e.envelope, e.fold_pos, e.idempotency_noop
         from ${this.s}.events e
         join unnest($1::text[], $2::int[]) u(stream, from_pos)
           on e.stream = u.stream and e.fold_pos >= u.from_pos`,
      [froms.map((f) => f.stream), froms.map((f) => f.from)],
    );
    for (const r of rows) {
      const list = result.get(r.stream) ?? [];
      list.push({ envelope: r.envelope, position: r.fold_pos, noop: r.idempotency_noop });
      result.set(r.stream, list);
    }
    return result;
  }

  /** Idempotency keys taken (by a non-no-op event) in the given streams, with the taker's position. */
  async takenKeys(
    pairs: readonly { stream: StreamId; key: string }[],
  ): Promise<{ stream: StreamId; key: string; id: EventId; position: number }[]> {
    if (pairs.length === 0) return [];
    const { rows } = await this.q<{
      stream: string;
      idempotency_key: string;
      id: string;
      fold_pos: number;
    }>(
      `select e.stream, e.idempotency_key, e.id, e.fold_pos
         from ${this.s}.events e
         join unnest($1::text[], $2::text[]) u(stream, key)
           on e.stream = u.stream and e.idempotency_key = u.key
        where not e.idempotency_noop`,
      [pairs.map((p) => p.stream), pairs.map((p) => p.key)],
    );
    return rows.map((r) => ({
      stream: r.stream,
      key: r.idempotency_key,
      id: r.id,
      position: r.fold_pos,
    }));
  }

  /** Inserts events in the given order (which becomes their applied order). */
  async insertEvents(events: readonly EventInsert[]): Promise<void> {
    if (events.length === 0) return;
    const keep = events[0]?.appliedSeq !== undefined;
    const values = [
      events.map((e) => e.envelope.id),
      events.map((e) => e.envelope.stream),
      events.map((e) => e.envelope.type),
      events.map((e) => e.envelope.origin),
      events.map((e) => String(e.envelope.hlc.wall)),
      events.map((e) => String(e.envelope.hlc.logical)),
      events.map((e) => uuidArrayLiteral(e.envelope.parents)),
      events.map((e) => e.envelope.causedBy ?? null),
      events.map((e) => e.envelope.idempotencyKey ?? null),
      events.map((e) => e.noop),
      `[${events.map((e) => e.text).join(',')}]`,
      events.map((e) => e.position),
      events.map((e) => e.source),
      events.map((e) => acceptedAt(e.envelope)),
      ...(keep ? [events.map((e) => e.appliedSeq ?? null)] : []),
    ];
    await this.q(
      `insert into ${this.s}.events
         (id, stream, type, origin, hlc_wall, hlc_logical, parents, caused_by, idempotency_key,
          idempotency_noop, data, envelope, fold_pos, source, accepted_at, applied_at
          ${keep ? ', applied_seq' : ''})
       ${keep ? 'overriding system value' : ''}
       select u.id, u.stream, u.type, u.origin, u.wall, u.logical, u.parents::uuid[], u.caused_by,
              u.ikey, u.noop, e.env -> 'data', e.env, u.pos, u.source, u.accepted, clock_timestamp()
              ${keep ? ', u.seq' : ''}
         from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[],
                     $7::text[], $8::uuid[], $9::text[], $10::bool[], $12::int[],
                     $13::text[], $14::timestamptz[] ${keep ? ', $15::bigint[]' : ''})
              with ordinality
              as u(id, stream, type, origin, wall, logical, parents, caused_by, ikey, noop,
                   pos, source, accepted ${keep ? ', seq' : ''}, ord)
         join jsonb_array_elements($11::jsonb) with ordinality as e(env, ord) on e.ord = u.ord
        order by u.ord`,
      values,
    );
  }

  /** Updates fold positions and no-op flags of stored events (slow path). */
  async moveEvents(
    moves: readonly { id: EventId; position: number; noop: boolean }[],
  ): Promise<void> {
    if (moves.length === 0) return;
    await this.q(
      `update ${this.s}.events e set fold_pos = u.pos, idempotency_noop = u.noop
         from unnest($1::uuid[], $2::int[], $3::bool[]) u(id, pos, noop)
        where e.id = u.id`,
      [moves.map((m) => m.id), moves.map((m) => m.position), moves.map((m) => m.noop)],
    );
  }

  /** Deletes the checkpoints of each stream after `from`, then stores the new ones. */
  async replaceCheckpoints(
    froms: readonly { stream: StreamId; from: number }[],
    checkpoints: readonly { stream: StreamId; position: number; state: unknown }[],
  ): Promise<void> {
    if (froms.length > 0) {
      await this.q(
        `delete from ${this.s}.stream_snapshots s
          using unnest($1::text[], $2::int[]) u(stream, from_pos)
          where s.stream = u.stream and s.fold_pos > u.from_pos`,
        [froms.map((f) => f.stream), froms.map((f) => f.from)],
      );
    }
    if (checkpoints.length > 0) {
      await this.q(
        `insert into ${this.s}.stream_snapshots (stream, fold_pos, state)
         select * from unnest($1::text[], $2::int[], $3::jsonb[])
         on conflict (stream, fold_pos) do update set state = excluded.state`,
        [
          checkpoints.map((c) => c.stream),
          checkpoints.map((c) => c.position),
          checkpoints.map((c) => JSON.stringify(c.state)),
        ],
      );
    }
  }

  async upsertStreams(rows: readonly (StreamRow & { category: string })[]): Promise<void> {
    if (rows.length === 0) return;
    await this.write([
      {
        table: 'streams',
        sql: (p) => `insert into ${this.s}.streams
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
    ]);
  }

  async deleteStreams(streams: readonly StreamId[]): Promise<void> {
    if (streams.length === 0) return;
    await this.q(`delete from ${this.s}.streams where stream = any($1::text[])`, [streams]);
  }

  async bucketRows(
    buckets: readonly number[],
  ): Promise<Map<number, { hash: string; streams: number }>> {
    if (buckets.length === 0) return new Map();
    const { rows } = await this.q<{ bucket: number; hash: string; streams: number }>(
      `select bucket, hash, streams from ${this.s}.digest_buckets where bucket = any($1::smallint[])`,
      [buckets],
    );
    return new Map(rows.map((r) => [r.bucket, { hash: r.hash, streams: r.streams }]));
  }

  async upsertBuckets(
    rows: readonly { bucket: number; hash: string; streams: number }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await this.write([
      {
        table: 'digest_buckets',
        sql: (p) => `insert into ${this.s}.digest_buckets (bucket, hash, streams, updated_at)
         select u.bucket, u.hash, u.streams, now()
           from unnest(${p(rows.map((r) => r.bucket))}::smallint[],
                       ${p(rows.map((r) => r.hash))}::text[],
                       ${p(rows.map((r) => r.streams))}::int[]) u(bucket, hash, streams)
         on conflict (bucket) do update
           set hash = excluded.hash, streams = excluded.streams, updated_at = now()`,
      },
    ]);
  }

  async openConflicts(
    streams: readonly StreamId[],
  ): Promise<{ id: string; stream: string; heads: string[] }[]> {
    if (streams.length === 0) return [];
    const { rows } = await this.q<{ id: string; stream: string; heads: string[] }>(
      `select id, stream, heads from ${this.s}.conflicts
        where stream = any($1::text[]) and status = 'open'`,
      [streams],
    );
    return rows;
  }

  /** Every event of the given streams, in fold order per stream. */
  async streamEvents(
    streams: readonly StreamId[],
  ): Promise<Map<StreamId, { envelope: Envelope; position: number; noop: boolean }[]>> {
    const result = new Map<StreamId, { envelope: Envelope; position: number; noop: boolean }[]>();
    if (streams.length === 0) return result;
    const { rows } = await this.q<{
      stream: string;
      envelope: Envelope;
      fold_pos: number;
      idempotency_noop: boolean;
    }>(
      `select stream, envelope, fold_pos, idempotency_noop from ${this.s}.events
        where stream = any($1::text[]) order by stream, fold_pos`,
      [streams],
    );
    for (const r of rows) {
      const list = result.get(r.stream) ?? [];
      list.push({ envelope: r.envelope, position: r.fold_pos, noop: r.idempotency_noop });
      result.set(r.stream, list);
    }
    return result;
  }

  /** Inserts conflicts not recorded yet; returns how many were new. */
  async insertConflicts(conflicts: readonly ConflictInsert[]): Promise<number> {
    if (conflicts.length === 0) return 0;
    const result = await this.q(
      `insert into ${this.s}.conflicts (id, stream, heads, status, policy, contested_fields, details)
       select u.id, u.stream, u.heads::uuid[], 'open', u.policy, u.fields::text[], u.details
         from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[])
              as u(id, stream, heads, policy, fields, details)
       on conflict (id) do nothing`,
      [
        conflicts.map((c) => c.id),
        conflicts.map((c) => c.stream),
        conflicts.map((c) => uuidArrayLiteral(c.heads)),
        conflicts.map((c) => c.policy),
        conflicts.map((c) => textArrayLiteral(c.contestedFields)),
        conflicts.map((c) => JSON.stringify(c.details)),
      ],
    );
    return result.rowCount ?? 0;
  }

  async closeConflicts(
    closings: readonly { id: string; status: string; resolvedBy?: EventId }[],
  ): Promise<void> {
    if (closings.length === 0) return;
    await this.q(
      `update ${this.s}.conflicts c
          set status = u.status, resolved_at = now(), resolved_by = u.resolved_by
         from unnest($1::uuid[], $2::text[], $3::uuid[]) u(id, status, resolved_by)
        where c.id = u.id and c.status = 'open'`,
      [
        closings.map((c) => c.id),
        closings.map((c) => c.status),
        closings.map((c) => c.resolvedBy ?? null),
      ],
    );
  }

  async insertPending(rows: readonly PendingInsert[]): Promise<void> {
    if (rows.length === 0) return;
    await this.write([
      {
        table: 'pending',
        sql: (
          p,
        ) => `insert into ${this.s}.pending (id, stream, envelope, missing, source, parked_at)
         select u.id, u.stream, u.env, u.missing::uuid[], u.source,
                to_timestamp(u.parked_ms / 1000.0)
           from unnest(${p(rows.map((r) => r.id))}::uuid[], ${p(rows.map((r) => r.stream))}::text[],
                       ${p(rows.map((r) => r.text))}::jsonb[],
                       ${p(rows.map((r) => uuidArrayLiteral(r.missing)))}::text[],
                       ${p(rows.map((r) => r.source))}::text[],
                       ${p(rows.map((r) => r.parkedAt))}::float8[])
                as u(id, stream, env, missing, source, parked_ms)
         on conflict (id) do nothing`,
      },
    ]);
  }

  async deletePending(ids: readonly EventId[]): Promise<void> {
    if (ids.length === 0) return;
    await this.write([
      {
        table: 'pending',
        sql: (p) => `delete from ${this.s}.pending where id = any(${p(ids)}::uuid[])`,
      },
    ]);
  }

  async updatePendingMissing(
    rows: readonly { id: EventId; missing: readonly EventId[] }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await this.write([
      {
        table: 'pending',
        sql: (p) => `update ${this.s}.pending t set missing = u.missing::uuid[]
           from unnest(${p(rows.map((r) => r.id))}::uuid[],
                       ${p(rows.map((r) => uuidArrayLiteral(r.missing)))}::text[]) u(id, missing)
          where t.id = u.id`,
      },
    ]);
  }

  async insertDlq(rows: readonly DlqOutboxRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.write([
      {
        table: 'dlq_outbox',
        sql: (p) => `insert into ${this.s}.dlq_outbox (key, value, headers, reason)
         select * from unnest(${p(rows.map((r) => r.key))}::bytea[],
                              ${p(rows.map((r) => r.value))}::bytea[],
                              ${p(rows.map((r) => JSON.stringify(r.headers)))}::jsonb[],
                              ${p(rows.map((r) => r.reason))}::text[])`,
      },
    ]);
  }

  async upsertBalances(
    rows: readonly { stream: string; balance: string; bounced: number }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await this.write([
      {
        table: 'account_balances',
        sql: (p) => `insert into ${this.s}.account_balances (stream, balance, bounced, updated_at)
         select u.stream, u.balance, u.bounced, now()
           from unnest(${p(rows.map((r) => r.stream))}::text[],
                       ${p(rows.map((r) => r.balance))}::numeric[],
                       ${p(rows.map((r) => r.bounced))}::int[]) u(stream, balance, bounced)
         on conflict (stream) do update
           set balance = excluded.balance, bounced = excluded.bounced, updated_at = now()`,
      },
    ]);
  }

  /**
   * The lines of the given carts become `lines`: lines no longer there are deleted, the others
   * upserted (disjoint rows, so both can run in one statement).
   */
  async replaceCartLines(
    carts: readonly StreamId[],
    lines: readonly { stream: string; sku: string; quantity: string }[],
  ): Promise<void> {
    if (carts.length === 0) return;
    const ops: WriteOp[] = [
      {
        table: 'cart_items',
        sql: (p) => `delete from ${this.s}.cart_items c
          where c.stream = any(${p(carts)}::text[])
            and not exists (
              select 1 from unnest(${p(lines.map((l) => l.stream))}::text[],
                                   ${p(lines.map((l) => l.sku))}::text[]) n(stream, sku)
               where n.stream = c.stream and n.sku = c.sku)`,
      },
    ];
    if (lines.length > 0) {
      ops.push({
        table: 'cart_items',
        sql: (p) => `insert into ${this.s}.cart_items (stream, sku, quantity)
          select * from unnest(${p(lines.map((l) => l.stream))}::text[],
                               ${p(lines.map((l) => l.sku))}::text[],
                               ${p(lines.map((l) => l.quantity))}::bigint[])
          on conflict (stream, sku) do update set quantity = excluded.quantity`,
      });
    }
    await this.write(ops);
  }

  async upsertProfiles(rows: readonly { stream: string; doc: unknown }[]): Promise<void> {
    if (rows.length === 0) return;
    await this.write([
      {
        table: 'profiles',
        sql: (p) => `insert into ${this.s}.profiles (stream, doc, updated_at)
         select u.stream, u.doc, now()
           from unnest(${p(rows.map((r) => r.stream))}::text[],
                       ${p(rows.map((r) => JSON.stringify(r.doc)))}::jsonb[]) u(stream, doc)
         on conflict (stream) do update set doc = excluded.doc, updated_at = now()`,
      },
    ]);
  }

  /** Tells listeners of `concord_applied` (delivered at commit). */
  async notifyApplied(payload: string): Promise<void> {
    await this.write([], payload);
  }

  /**
   * Runs writes as one statement — each a data-modifying CTE, on disjoint rows — followed by an
   * optional `pg_notify('concord_applied', …)` (delivered at commit).
   */
  protected async execute(ops: readonly WriteOp[], notify?: string): Promise<void> {
    if (ops.length === 0 && notify === undefined) return;
    const values: unknown[] = [];
    const p = (value: unknown) => {
      values.push(value);
      return `$${values.length}`;
    };
    if (ops.length === 1 && notify === undefined) {
      await this.q(ops[0]!.sql(p), values);
      return;
    }
    const ctes = ops.map((op, i) => `w${i} as (${op.sql(p)})`);
    const tail =
      notify === undefined ? 'select 1' : `select pg_notify(${p(APPLIED_CHANNEL)}, ${p(notify)})`;
    await this.q(ctes.length > 0 ? `with ${ctes.join(',\n')}\n${tail}` : tail, values);
  }

  /** Where writes go: executed at once here; buffered until `flush` by a TransactionStore. */
  protected async write(ops: readonly WriteOp[], notify?: string): Promise<void> {
    await this.execute(ops, notify);
  }
}

/** A kind of held event: what this region's code could not interpret, and how many. */
export interface HeldKind {
  readonly category: string;
  readonly type: string;
  readonly version: number;
  readonly count: number;
  /** ms since the epoch. */
  readonly oldestParkedAt: number;
}

/** `streamCategory(stream)` in SQL: the text before the first `-` or `:`. */
const categorySql = (stream: string) => `substring(${stream} from '^[^:-]*')`;
/**
 * `schemaVersionOf(envelope)` in SQL; for a merge, its resolver version (`data.resolver`,
 * absent: 1) — what a held merge waits for (docs/decisions/0007-merge-validation.md).
 */
const schemaVersionSql = (envelope: string) =>
  `(case when ${envelope}->>'type' = 'concord.merge'
         then case when ${envelope}->'data'->>'resolver' ~ '^[0-9]{1,7}$'
                   then (${envelope}->'data'->>'resolver')::int else 1 end
         else coalesce((${envelope}->'meta'->>'schemaVersion')::int, 1) end)`;

/** The Postgres NOTIFY channel the mirror signals applied events on (docs/mirror.md). */
export const APPLIED_CHANNEL = 'concord_applied';

interface PendingDbRow {
  id: string;
  envelope: Envelope;
  text: string;
  missing: string[];
  source: string;
  parked_ms: number;
}

function pendingRow(r: PendingDbRow): PendingRow {
  return {
    id: r.id,
    envelope: r.envelope,
    text: r.text,
    missing: r.missing,
    parkedAt: r.parked_ms,
    source: r.source,
  };
}

/** Postgres literal of a text[] (each element quoted and escaped). */
function textArrayLiteral(items: readonly string[]): string {
  return `{${items.map((i) => `"${i.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}
