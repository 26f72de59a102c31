import type { Envelope, EventId, ReadModel, ReadModelEntry, StreamId } from '@concord/core';
import type { AppliedRef, PendingRow } from '../apply/ApplyTypes.js';
import type { StreamRow, SuffixEvent } from '../apply/foldStreams.js';
import type { DlqOutboxRow } from '../dlq/dlqRecord.js';
import type {
  ApplyStore,
  ConflictInsert,
  EventInsert,
  PendingInsert,
} from '../store/ProjectionStore.js';

/** JSON round trip, as jsonb does: the store never shares objects with its callers. */
function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

export interface MemoryEvent {
  envelope: Envelope;
  stream: StreamId;
  position: number;
  noop: boolean;
  seq: number;
  source: string;
}

export interface MemoryConflict {
  id: string;
  stream: StreamId;
  heads: string[];
  status: string;
  policy: string;
  contestedFields: string[];
  resolvedBy: EventId | undefined;
}

/**
 * The projection in memory, with the semantics of the Postgres statements of
 * ProjectionStore: the port double that lets property tests drive the real apply path.
 */
export class InMemoryProjectionStore implements ApplyStore {
  readonly events = new Map<EventId, MemoryEvent>();
  readonly streams = new Map<StreamId, StreamRow & { category: string }>();
  readonly snapshots = new Map<StreamId, Map<number, unknown>>();
  readonly pending = new Map<EventId, PendingRow & { stream: StreamId }>();
  readonly conflicts = new Map<string, MemoryConflict>();
  readonly buckets = new Map<number, { hash: string; streams: number }>();
  readonly offsets = new Map<string, bigint>();
  readonly dlq: DlqOutboxRow[] = [];
  /** The content of each read model by name: the row of each stream written. */
  readonly readModels = new Map<string, Map<StreamId, unknown>>();
  readonly notifications: string[] = [];
  private seq = 0;

  async appliedAmong(ids: readonly EventId[]): Promise<Map<EventId, AppliedRef>> {
    const found = new Map<EventId, AppliedRef>();
    for (const id of ids) {
      const e = this.events.get(id);
      if (e) found.set(id, { stream: e.stream, position: e.position });
    }
    return found;
  }

  async pendingWaitingOn(
    ids: readonly EventId[],
    exclude: readonly EventId[],
  ): Promise<PendingRow[]> {
    const wanted = new Set(ids);
    const skip = new Set(exclude);
    return [...this.pending.values()]
      .filter((p) => !skip.has(p.id) && p.missing.some((m) => wanted.has(m)))
      .map((p) => clone(p));
  }

  async pendingAmongOrWaitingOn(ids: readonly EventId[]): Promise<PendingRow[]> {
    const wanted = new Set(ids);
    return [...this.pending.values()]
      .filter((p) => wanted.has(p.id) || p.missing.some((m) => wanted.has(m)))
      .map((p) => clone(p));
  }

  async storedOffsets(parts: readonly { topic: string; partition: number }[]) {
    const found = new Map<string, bigint>();
    for (const p of parts) {
      const key = `${p.topic}:${p.partition}`;
      const o = this.offsets.get(key);
      if (o !== undefined) found.set(key, o);
    }
    return found;
  }

  async saveOffsets(
    offsets: readonly { topic: string; partition: number; next: bigint }[],
    notify?: string,
  ) {
    if (notify !== undefined) this.notifications.push(notify);
    for (const o of offsets) {
      const key = `${o.topic}:${o.partition}`;
      const current = this.offsets.get(key);
      this.offsets.set(key, current !== undefined && current > o.next ? current : o.next);
    }
  }

  async streamRows(streams: readonly StreamId[]) {
    const found = new Map<StreamId, StreamRow>();
    for (const s of streams) {
      const row = this.streams.get(s);
      if (row) found.set(s, clone(row));
    }
    return found;
  }

  async checkpointsAtOrBefore(bounds: readonly { stream: StreamId; bound: number }[]) {
    const found = new Map<StreamId, { position: number; state: unknown }>();
    for (const { stream, bound } of bounds) {
      let best: number | undefined;
      for (const position of this.snapshots.get(stream)?.keys() ?? []) {
        if (position <= bound && (best === undefined || position > best)) best = position;
      }
      if (best !== undefined)
        found.set(stream, { position: best, state: clone(this.snapshots.get(stream)!.get(best)) });
    }
    return found;
  }

  async suffixes(froms: readonly { stream: StreamId; from: number }[]) {
    const found = new Map<StreamId, SuffixEvent[]>();
    for (const { stream, from } of froms) {
      found.set(
        stream,
        [...this.events.values()]
          .filter((e) => e.stream === stream && e.position >= from)
          .map((e) => ({ envelope: clone(e.envelope), position: e.position, noop: e.noop })),
      );
    }
    return found;
  }

  async takenKeys(pairs: readonly { stream: StreamId; key: string }[]) {
    const wanted = new Set(pairs.map((p) => `${p.stream}\u0001${p.key}`));
    return [...this.events.values()]
      .filter(
        (e) =>
          !e.noop &&
          e.envelope.idempotencyKey !== undefined &&
          wanted.has(`${e.stream}\u0001${e.envelope.idempotencyKey}`),
      )
      .map((e) => ({
        stream: e.stream,
        key: e.envelope.idempotencyKey!,
        id: e.envelope.id,
        position: e.position,
      }));
  }

  async insertEvents(events: readonly EventInsert[]) {
    for (const e of events) {
      if (this.events.has(e.envelope.id)) throw new Error(`duplicate key ${e.envelope.id}`);
      this.events.set(e.envelope.id, {
        envelope: clone(e.envelope),
        stream: e.envelope.stream,
        position: e.position,
        noop: e.noop,
        seq: e.appliedSeq === undefined ? ++this.seq : Number(e.appliedSeq),
        source: e.source,
      });
    }
  }

  async moveEvents(moves: readonly { id: EventId; position: number; noop: boolean }[]) {
    for (const m of moves) {
      const e = this.events.get(m.id)!;
      e.position = m.position;
      e.noop = m.noop;
    }
  }

  async replaceCheckpoints(
    froms: readonly { stream: StreamId; from: number }[],
    checkpoints: readonly { stream: StreamId; position: number; state: unknown }[],
  ) {
    for (const { stream, from } of froms) {
      const map = this.snapshots.get(stream);
      for (const position of [...(map?.keys() ?? [])]) if (position > from) map!.delete(position);
    }
    for (const c of checkpoints) {
      const map = this.snapshots.get(c.stream) ?? new Map<number, unknown>();
      map.set(c.position, clone(c.state));
      this.snapshots.set(c.stream, map);
    }
  }

  async upsertStreams(rows: readonly (StreamRow & { category: string })[]) {
    for (const r of rows) this.streams.set(r.stream, clone({ ...r, heads: [...r.heads] }));
  }

  async bucketRows(buckets: readonly number[]) {
    const found = new Map<number, { hash: string; streams: number }>();
    for (const b of buckets) {
      const row = this.buckets.get(b);
      if (row) found.set(b, { ...row });
    }
    return found;
  }

  async upsertBuckets(rows: readonly { bucket: number; hash: string; streams: number }[]) {
    for (const r of rows) this.buckets.set(r.bucket, { hash: r.hash, streams: r.streams });
  }

  async openConflicts(streams: readonly StreamId[]) {
    const wanted = new Set(streams);
    return [...this.conflicts.values()]
      .filter((c) => wanted.has(c.stream) && c.status === 'open')
      .map((c) => ({ id: c.id, stream: c.stream, heads: [...c.heads] }));
  }

  async streamEvents(streams: readonly StreamId[]) {
    const found = new Map<StreamId, { envelope: Envelope; position: number; noop: boolean }[]>();
    for (const stream of streams) {
      const list = [...this.events.values()]
        .filter((e) => e.stream === stream)
        .sort((a, b) => a.position - b.position)
        .map((e) => ({ envelope: clone(e.envelope), position: e.position, noop: e.noop }));
      if (list.length > 0) found.set(stream, list);
    }
    return found;
  }

  async insertConflicts(conflicts: readonly ConflictInsert[]) {
    let inserted = 0;
    for (const c of conflicts) {
      if (this.conflicts.has(c.id)) continue;
      inserted++;
      this.conflicts.set(c.id, {
        id: c.id,
        stream: c.stream,
        heads: [...c.heads],
        status: 'open',
        policy: c.policy,
        contestedFields: [...c.contestedFields],
        resolvedBy: undefined,
      });
    }
    return inserted;
  }

  async closeConflicts(closings: readonly { id: string; status: string; resolvedBy?: EventId }[]) {
    for (const c of closings) {
      const row = this.conflicts.get(c.id);
      if (row?.status !== 'open') continue;
      row.status = c.status;
      row.resolvedBy = c.resolvedBy;
    }
  }

  async insertPending(rows: readonly PendingInsert[]) {
    for (const r of rows) {
      if (this.pending.has(r.id)) continue;
      const envelope = JSON.parse(r.text) as Envelope;
      this.pending.set(r.id, {
        id: r.id,
        stream: r.stream,
        envelope,
        text: r.text,
        missing: [...r.missing],
        parkedAt: r.parkedAt,
        source: r.source,
      });
    }
  }

  async deletePending(ids: readonly EventId[]) {
    for (const id of ids) this.pending.delete(id);
  }

  async updatePendingMissing(rows: readonly { id: EventId; missing: readonly EventId[] }[]) {
    for (const r of rows) {
      const row = this.pending.get(r.id);
      if (row) this.pending.set(r.id, { ...row, missing: [...r.missing] });
    }
  }

  async insertDlq(rows: readonly DlqOutboxRow[]) {
    this.dlq.push(...rows);
  }

  async writeReadModel(model: ReadModel, entries: readonly ReadModelEntry[]) {
    let rows = this.readModels.get(model.name);
    if (rows === undefined) this.readModels.set(model.name, (rows = new Map()));
    for (const e of entries) rows.set(e.stream, clone(e.row));
  }

  /** The rows of the read model `name`, by stream (empty before its first write). */
  readModel<R>(name: string): ReadonlyMap<StreamId, R> {
    return (this.readModels.get(name) ?? new Map()) as ReadonlyMap<StreamId, R>;
  }

  async notifyApplied(payload: string) {
    this.notifications.push(payload);
  }

  /** Applied events in applied order. */
  appliedOrder(): MemoryEvent[] {
    return [...this.events.values()].sort((a, b) => a.seq - b.seq);
  }
}
