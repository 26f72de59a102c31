import type { EventId, ReadModel, ReadModelEntry, StreamId } from '@concord/core';
import {
  allOffsets,
  appliedRefs,
  bucketRows,
  checkpointsAtOrBefore,
  closeConflicts,
  deletePendingOps,
  deleteStreams,
  executeWrites,
  foldedEvents,
  generation,
  heldKinds,
  heldRows,
  ident,
  insertConflicts,
  insertDlqOps,
  insertEvents,
  insertPendingOps,
  lockAndGeneration,
  moveEvents,
  openConflictsOf,
  pendingAmongOrWaitingOn,
  pendingReady,
  pendingWaitingOn,
  replaceCheckpoints,
  saveOffsetsOps,
  storedOffsets,
  streamRows,
  suffixes,
  takenKeys,
  updatePendingMissingOps,
  upsertBucketsOps,
  upsertStreamsOps,
  type ApplyStore,
  type ConflictInsert,
  type HeldKind,
  type PendingInsert,
  type EventInsert,
  type pg,
  type WriteOp,
} from '@concord/postgres';
import type { AppliedRef, PendingRow } from '../apply/ApplyTypes.js';
import type { StreamRow, SuffixEvent } from '../apply/foldStreams.js';
import type { DlqOutboxRow } from '../dlq/dlqRecord.js';

export {
  APPLIED_CHANNEL,
  type ApplyStore,
  type ConflictInsert,
  type EventInsert,
  type HeldKind,
  type PendingInsert,
  type PrefetchHint,
  type WriteOp,
} from '@concord/postgres';

/**
 * The mirror's store on one projection schema (`projection`, or `projection_next` while replay
 * builds it), bound to one client — usually inside the apply transaction. Every method is one
 * statement of `@concord/postgres`'s `projection/mirror/` (docs/architecture.md); multi-row
 * writes pass arrays through `unnest`, so a transaction costs a fixed number of round trips
 * whatever the number of events.
 */
export class ProjectionStore implements ApplyStore {
  /** The quoted schema name. */
  readonly s: string;

  constructor(
    readonly client: pg.ClientBase,
    readonly schema: string,
  ) {
    this.s = ident(schema);
  }

  /** Takes the apply lock and reads the projection's generation in one round trip. */
  lockAndGeneration(lock: number): Promise<number> {
    return lockAndGeneration(this.client, this.s, lock);
  }

  /** The projection's generation (changes when replay swaps the schema). */
  generation(): Promise<number> {
    return generation(this.client, this.s);
  }

  storedOffsets(parts: readonly { topic: string; partition: number }[]) {
    return storedOffsets(this.client, this.s, parts);
  }

  allOffsets(): Promise<{ topic: string; partition: number; next: bigint }[]> {
    return allOffsets(this.client, this.s);
  }

  /**
   * Moves the source offsets (never backwards) and, when given, signals `concord_applied` — in
   * one statement.
   */
  async saveOffsets(
    offsets: readonly { topic: string; partition: number; next: bigint }[],
    notify?: string,
  ): Promise<void> {
    await this.write(saveOffsetsOps(this.s, offsets), notify);
  }

  appliedAmong(ids: readonly EventId[]): Promise<Map<EventId, AppliedRef>> {
    return appliedRefs(this.client, this.s, ids);
  }

  pendingWaitingOn(ids: readonly EventId[], exclude: readonly EventId[]): Promise<PendingRow[]> {
    return pendingWaitingOn(this.client, this.s, ids, exclude);
  }

  pendingAmongOrWaitingOn(ids: readonly EventId[]): Promise<PendingRow[]> {
    return pendingAmongOrWaitingOn(this.client, this.s, ids);
  }

  /** Pending rows whose every missing dependency is applied (the safety sweep). */
  pendingReady(limit: number): Promise<PendingRow[]> {
    return pendingReady(this.client, this.s, limit);
  }

  /** The events held for their schema version, counted by category, type and version. */
  heldKinds(): Promise<HeldKind[]> {
    return heldKinds(this.client, this.s);
  }

  /** Held rows of the given (category, type, version) kinds, oldest first. */
  heldRows(
    kinds: readonly Pick<HeldKind, 'category' | 'type' | 'version'>[],
    limit: number,
  ): Promise<PendingRow[]> {
    return heldRows(this.client, this.s, kinds, limit);
  }

  streamRows(streams: readonly StreamId[]): Promise<Map<StreamId, StreamRow>> {
    return streamRows(this.client, this.s, streams);
  }

  /** Per stream, the latest checkpoint at a position ≤ its bound. */
  checkpointsAtOrBefore(bounds: readonly { stream: StreamId; bound: number }[]) {
    return checkpointsAtOrBefore(this.client, this.s, bounds);
  }

  /** Per stream, the stored events at positions ≥ from. */
  suffixes(
    froms: readonly { stream: StreamId; from: number }[],
  ): Promise<Map<StreamId, SuffixEvent[]>> {
    return suffixes(this.client, this.s, froms);
  }

  /** Idempotency keys taken (by a non-no-op event) in the given streams, with the taker's position. */
  takenKeys(pairs: readonly { stream: StreamId; key: string }[]) {
    return takenKeys(this.client, this.s, pairs);
  }

  /** Inserts events in the given order (which becomes their applied order). */
  async insertEvents(events: readonly EventInsert[]): Promise<void> {
    await insertEvents(this.client, this.s, events);
  }

  /** Updates fold positions and no-op flags of stored events (slow path). */
  async moveEvents(
    moves: readonly { id: EventId; position: number; noop: boolean }[],
  ): Promise<void> {
    await moveEvents(this.client, this.s, moves);
  }

  /** Deletes the checkpoints of each stream after `from`, then stores the new ones. */
  async replaceCheckpoints(
    froms: readonly { stream: StreamId; from: number }[],
    checkpoints: readonly { stream: StreamId; position: number; state: unknown }[],
  ): Promise<void> {
    await replaceCheckpoints(this.client, this.s, froms, checkpoints);
  }

  async upsertStreams(rows: readonly (StreamRow & { category: string })[]): Promise<void> {
    await this.writeSome(upsertStreamsOps(this.s, rows));
  }

  async deleteStreams(streams: readonly StreamId[]): Promise<void> {
    await deleteStreams(this.client, this.s, streams);
  }

  bucketRows(buckets: readonly number[]): Promise<Map<number, { hash: string; streams: number }>> {
    return bucketRows(this.client, this.s, buckets);
  }

  async upsertBuckets(
    rows: readonly { bucket: number; hash: string; streams: number }[],
  ): Promise<void> {
    await this.writeSome(upsertBucketsOps(this.s, rows));
  }

  openConflicts(
    streams: readonly StreamId[],
  ): Promise<{ id: string; stream: string; heads: string[] }[]> {
    return openConflictsOf(this.client, this.s, streams);
  }

  /** Every event of the given streams, in fold order per stream. */
  streamEvents(streams: readonly StreamId[]): Promise<Map<StreamId, SuffixEvent[]>> {
    return foldedEvents(this.client, this.s, streams);
  }

  /** Inserts conflicts not recorded yet; returns how many were new. */
  insertConflicts(conflicts: readonly ConflictInsert[]): Promise<number> {
    return insertConflicts(this.client, this.s, conflicts);
  }

  async closeConflicts(
    closings: readonly { id: string; status: string; resolvedBy?: EventId }[],
  ): Promise<void> {
    await closeConflicts(this.client, this.s, closings);
  }

  async insertPending(rows: readonly PendingInsert[]): Promise<void> {
    await this.writeSome(insertPendingOps(this.s, rows));
  }

  async deletePending(ids: readonly EventId[]): Promise<void> {
    await this.writeSome(deletePendingOps(this.s, ids));
  }

  async updatePendingMissing(
    rows: readonly { id: EventId; missing: readonly EventId[] }[],
  ): Promise<void> {
    await this.writeSome(updatePendingMissingOps(this.s, rows));
  }

  async insertDlq(rows: readonly DlqOutboxRow[]): Promise<void> {
    await this.writeSome(insertDlqOps(this.s, rows));
  }

  /** The read model's writes for `entries` (docs/mirror.md, "Read models"). */
  async writeReadModel(model: ReadModel, entries: readonly ReadModelEntry[]): Promise<void> {
    await this.writeSome(model.writes(this.s, entries));
  }

  /** Tells listeners of `concord_applied` (delivered at commit). */
  async notifyApplied(payload: string): Promise<void> {
    await this.write([], payload);
  }

  /** Runs writes as one statement, then the optional notification (executeWrites). */
  protected async execute(ops: readonly WriteOp[], notify?: string): Promise<void> {
    await executeWrites(this.client, ops, notify);
  }

  /** Where writes go: executed at once here; buffered until `flush` by a TransactionStore. */
  protected async write(ops: readonly WriteOp[], notify?: string): Promise<void> {
    await this.execute(ops, notify);
  }

  /** `write` of a method's ops, skipped when it has none (nothing to write). */
  private async writeSome(ops: readonly WriteOp[]): Promise<void> {
    if (ops.length > 0) await this.write(ops);
  }
}
