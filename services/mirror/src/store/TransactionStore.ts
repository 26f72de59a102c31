import type { EventId, StreamId } from '@concord/core';
import { prefetchRows, type pg } from '@concord/postgres';
import type { AppliedRef, PendingRow } from '../apply/ApplyTypes.js';
import type { StreamRow } from '../apply/foldStreams.js';
import { ProjectionStore, type PrefetchHint, type WriteOp } from './ProjectionStore.js';

/**
 * The store of one apply transaction, built to keep round trips few (each one is a context
 * switch to Postgres and back; with small transactions they are most of the cost):
 * - `prefetch` reads, in one statement, everything the transaction will look up — stored
 *   offsets, applied ids among the records and their dependencies, the parked rows they
 *   concern, stream rows and bucket roll-ups — and answers those look-ups from it;
 * - writes of the tables nothing reads again in the transaction (streams, buckets, read models,
 *   pending, DLQ, offsets and the notification) are buffered and sent as one statement by
 *   `flush` (before commit); a read of a table with buffered writes flushes first.
 * It must be used after the apply lock is taken, so what it reads is what the transaction sees.
 */
export class TransactionStore extends ProjectionStore {
  private generationRead: number | undefined;
  private readonly known = {
    offsets: undefined as Map<string, bigint> | undefined,
    offsetParts: new Set<string>(),
    applied: undefined as Map<EventId, AppliedRef> | undefined,
    appliedIds: new Set<EventId>(),
    pending: undefined as PendingRow[] | undefined,
    pendingIds: new Set<EventId>(),
    streams: undefined as Map<StreamId, StreamRow> | undefined,
    streamNames: new Set<StreamId>(),
    buckets: undefined as Map<number, { hash: string; streams: number }> | undefined,
    bucketIds: new Set<number>(),
  };
  private buffered: WriteOp[] = [];
  private notifyPayload: string | undefined;

  constructor(client: pg.ClientBase, schema: string) {
    super(client, schema);
  }

  /** The generation read by the prefetch (undefined before it). */
  get generationSeen(): number | undefined {
    return this.generationRead;
  }

  async prefetch(hint: PrefetchHint): Promise<void> {
    const r = await prefetchRows(this.client, this.s, hint);
    this.generationRead = r.generation;
    const k = this.known;
    k.offsets = r.offsets;
    k.offsetParts = new Set(hint.parts.map((p) => `${p.topic}:${p.partition}`));
    k.applied = r.applied;
    k.appliedIds = new Set(hint.ids);
    k.pending = r.pending;
    k.pendingIds = new Set(hint.ids);
    k.streams = r.streams;
    k.streamNames = new Set(hint.streams);
    k.buckets = r.buckets;
    k.bucketIds = new Set(hint.buckets);
  }

  override async storedOffsets(parts: readonly { topic: string; partition: number }[]) {
    await this.flushIfWritten('source_offsets');
    const k = this.known;
    const missing = parts.filter((p) => !k.offsetParts.has(`${p.topic}:${p.partition}`));
    if (!k.offsets || missing.length > 0) return super.storedOffsets(parts);
    const found = new Map<string, bigint>();
    for (const p of parts) {
      const v = k.offsets.get(`${p.topic}:${p.partition}`);
      if (v !== undefined) found.set(`${p.topic}:${p.partition}`, v);
    }
    return found;
  }

  override async appliedAmong(ids: readonly EventId[]) {
    const k = this.known;
    if (!k.applied) return super.appliedAmong(ids);
    const found = new Map<EventId, AppliedRef>();
    const rest: EventId[] = [];
    for (const id of ids) {
      if (!k.appliedIds.has(id)) rest.push(id);
      else {
        const ref = k.applied.get(id);
        if (ref) found.set(id, ref);
      }
    }
    if (rest.length > 0) for (const [id, ref] of await super.appliedAmong(rest)) found.set(id, ref);
    return found;
  }

  override async pendingAmongOrWaitingOn(ids: readonly EventId[]) {
    await this.flushIfWritten('pending');
    const k = this.known;
    if (!k.pending || !ids.every((id) => k.pendingIds.has(id))) {
      return super.pendingAmongOrWaitingOn(ids);
    }
    const wanted = new Set(ids);
    return k.pending.filter((row) => wanted.has(row.id) || row.missing.some((m) => wanted.has(m)));
  }

  override async pendingWaitingOn(ids: readonly EventId[], exclude: readonly EventId[]) {
    await this.flushIfWritten('pending');
    return super.pendingWaitingOn(ids, exclude);
  }

  override async streamRows(streams: readonly StreamId[]) {
    await this.flushIfWritten('streams');
    const k = this.known;
    if (!k.streams || !streams.every((s) => k.streamNames.has(s))) return super.streamRows(streams);
    const found = new Map<StreamId, StreamRow>();
    for (const s of streams) {
      const row = k.streams.get(s);
      if (row) found.set(s, row);
    }
    return found;
  }

  override async bucketRows(buckets: readonly number[]) {
    await this.flushIfWritten('digest_buckets');
    const k = this.known;
    if (!k.buckets || !buckets.every((b) => k.bucketIds.has(b))) return super.bucketRows(buckets);
    const found = new Map<number, { hash: string; streams: number }>();
    for (const b of buckets) {
      const row = k.buckets.get(b);
      if (row) found.set(b, row);
    }
    return found;
  }

  override async insertEvents(events: Parameters<ProjectionStore['insertEvents']>[0]) {
    this.known.applied = undefined; // positions and ids change from here on
    await super.insertEvents(events);
  }

  override async moveEvents(moves: Parameters<ProjectionStore['moveEvents']>[0]) {
    this.known.applied = undefined;
    await super.moveEvents(moves);
  }

  /**
   * Buffers writes. Two writes of one table could touch the same row twice in one statement, so
   * a second write of a table flushes the first — except `pending`, whose inserts (new ids),
   * deletes (unparked rows) and updates (rows still waiting) are disjoint by construction.
   */
  protected override async write(ops: readonly WriteOp[], notify?: string): Promise<void> {
    const tables = new Set(ops.map((op) => op.table));
    if (this.buffered.some((op) => op.table !== 'pending' && tables.has(op.table)))
      await this.flush();
    this.buffered.push(...ops);
    if (notify !== undefined) this.notifyPayload = notify;
    const k = this.known;
    if (tables.has('source_offsets')) k.offsets = undefined;
    if (tables.has('pending')) k.pending = undefined;
    if (tables.has('streams')) k.streams = undefined;
    if (tables.has('digest_buckets')) k.buckets = undefined;
  }

  /** Sends the buffered writes (and the notification) as one statement. */
  async flush(): Promise<void> {
    const ops = this.buffered;
    const notify = this.notifyPayload;
    this.buffered = [];
    this.notifyPayload = undefined;
    await this.execute(ops, notify);
  }

  private async flushIfWritten(table: string): Promise<void> {
    if (this.buffered.some((op) => op.table === table)) await this.flush();
  }
}
