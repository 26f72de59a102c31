/**
 * The store port of the mirror's apply path and the rows it passes (docs/mirror.md): the
 * Postgres implementation is the mirror's `ProjectionStore`, composed of this folder's
 * statements; an in-memory one serves the property tests.
 */
import type { Envelope, EventId, ReadModel, ReadModelEntry, StreamId } from '@concord/core';

/** The Postgres NOTIFY channel the mirror signals applied events on (docs/mirror.md). */
export const APPLIED_CHANNEL = 'concord_applied';

/*
 * The gate's and the fold's rows are core's (packages/core/src/gate, fold): one definition,
 * which this port's Postgres statements read and write.
 */
export type {
  AppliedRef,
  PendingRow,
  StreamFoldRow as StreamStateRow,
  SuffixEvent,
} from '@concord/core';
import type {
  AppliedRef,
  PendingRow,
  StreamFoldRow as StreamStateRow,
  SuffixEvent,
} from '@concord/core';

/** A row of `dlq_outbox` (published to the DLQ topic by the outbox publisher). */
export interface DlqInsert {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, string>;
  /** The metric label of `concord_dlq_total{reason}`: the rejection code. */
  readonly reason: string;
}

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

/** A kind of held event: what this region's code could not interpret, and how many. */
export interface HeldKind {
  readonly category: string;
  readonly type: string;
  readonly version: number;
  readonly count: number;
  /** ms since the epoch. */
  readonly oldestParkedAt: number;
}

/**
 * A write whose SQL takes its parameters through `p` (which returns the `$n` placeholder), so
 * several writes can be sent as one statement: core's `SqlWrite`, which read models return too.
 */
export type { SqlWrite as WriteOp } from '@concord/core';

/**
 * The store port of the apply path (Postgres: the mirror's `ProjectionStore`; in memory for
 * property tests). Every method is one batched operation inside the caller's transaction.
 */
export interface ApplyStore {
  /** The applied events among `ids`, with their stream and fold position. */
  appliedAmong(ids: readonly EventId[]): Promise<ReadonlyMap<EventId, AppliedRef>>;
  /**
   * In one look-up: the parked rows whose id is among `ids` or whose `missing` overlaps `ids`
   * (the parked duplicates of a batch and the rows its events may unpark).
   */
  pendingAmongOrWaitingOn(ids: readonly EventId[]): Promise<PendingRow[]>;
  /** Parked rows whose `missing` overlaps `ids`, except the rows in `exclude`. */
  pendingWaitingOn(ids: readonly EventId[], exclude: readonly EventId[]): Promise<PendingRow[]>;
  storedOffsets(
    parts: readonly { topic: string; partition: number }[],
  ): Promise<Map<string, bigint>>;
  /** Moves the offsets and, with `notify`, signals `concord_applied` (one statement). */
  saveOffsets(
    offsets: readonly { topic: string; partition: number; next: bigint }[],
    notify?: string,
  ): Promise<void>;
  streamRows(streams: readonly StreamId[]): Promise<Map<StreamId, StreamStateRow>>;
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
  upsertStreams(rows: readonly (StreamStateRow & { category: string })[]): Promise<void>;
  bucketRows(buckets: readonly number[]): Promise<Map<number, { hash: string; streams: number }>>;
  upsertBuckets(rows: readonly { bucket: number; hash: string; streams: number }[]): Promise<void>;
  openConflicts(
    streams: readonly StreamId[],
  ): Promise<{ id: string; stream: string; heads: string[] }[]>;
  streamEvents(streams: readonly StreamId[]): Promise<Map<StreamId, SuffixEvent[]>>;
  insertConflicts(conflicts: readonly ConflictInsert[]): Promise<number>;
  closeConflicts(
    closings: readonly { id: string; status: string; resolvedBy?: EventId }[],
  ): Promise<void>;
  insertPending(rows: readonly PendingInsert[]): Promise<void>;
  deletePending(ids: readonly EventId[]): Promise<void>;
  updatePendingMissing(
    rows: readonly { id: EventId; missing: readonly EventId[] }[],
  ): Promise<void>;
  insertDlq(rows: readonly DlqInsert[]): Promise<void>;
  /** Makes the content of each stream of `entries` in the read model `model` its row. */
  writeReadModel(model: ReadModel, entries: readonly ReadModelEntry[]): Promise<void>;
  notifyApplied(payload: string): Promise<void>;
  /** Reads ahead what a transaction will look up (optional: a plain store reads on demand). */
  prefetch?(hint: PrefetchHint): Promise<void>;
  /** Sends buffered writes (optional: a plain store writes at once). */
  flush?(): Promise<void>;
}
