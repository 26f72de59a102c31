import type { EventId, RegionId, StreamId, UnsignedEnvelope } from '@concord/core';

/** A write the client saw acknowledged (2xx) by the writer of `region`. */
export interface AckedWrite {
  readonly region: RegionId;
  readonly stream: StreamId;
  readonly eventId: EventId;
  /** The workload's unique value (also its idempotency key), so loss and duplication are checkable. */
  readonly value: string;
  /** Wall time of the acknowledgement, ms since epoch. */
  readonly at: number;
}

/**
 * A write that failed (non-2xx or no answer); `ambiguous` when it may still have landed
 * (503 OUTCOME_UNKNOWN, a 5xx that does not say, no answer). A write with `ambiguous: false`
 * was reported definitely failed: its value must be applied nowhere.
 */
export interface FailedWrite {
  readonly region: RegionId;
  readonly stream: StreamId;
  readonly value: string;
  readonly at: number;
  readonly code: string;
  readonly ambiguous: boolean;
}

/** One row of a region's applied log (its projection's events in applied order). */
export interface AppliedEvent {
  readonly eventId: EventId;
  readonly stream: StreamId;
  readonly type: string;
  readonly origin: RegionId;
  readonly parents: readonly EventId[];
  readonly causedBy?: EventId;
  /** Position in the region's applied order. */
  readonly appliedSeq: number;
  /**
   * The projection's flag: the event's idempotency key was taken earlier in fold order. Shown
   * in reports only; the checker decides no-ops by its own fold of `events`.
   */
  readonly idempotencyNoop: boolean;
  readonly idempotencyKey?: string;
  /** The workload value carried in `data.value`, if any. */
  readonly value?: string;
  /** Hash of the fields the fold reads (type, data, parents, origin, hlc), to compare copies. */
  readonly contentHash?: string;
  /** When the origin's writer accepted it and when this region applied it (ms since epoch). */
  readonly acceptedAt?: number;
  readonly appliedAt?: number;
}

/** Per-stream digests: as the projection stores them, or as recomputed independently. */
export interface StreamDigestRow {
  readonly stream: StreamId;
  readonly eventSetHash: string;
  readonly stateHash: string;
  readonly heads?: readonly EventId[];
}

export interface ConflictRow {
  readonly id: string;
  readonly stream: StreamId;
  readonly heads: readonly EventId[];
  readonly status: string;
  readonly resolvedBy?: EventId;
  /** ms since epoch. */
  readonly detectedAt?: number;
  readonly resolvedAt?: number;
}

/** Everything observed in one region after the drain. */
export interface RegionObservation {
  readonly region: RegionId;
  readonly applied: readonly AppliedEvent[];
  /**
   * The stored events themselves (`projection.events.envelope`), which the checker folds on
   * its own for effects, heads and invariants.
   */
  readonly events: readonly UnsignedEnvelope[];
  /**
   * The region's applied feed (`<ns>.applied.<region>`) as read back, in feed order (at-least-
   * once: an id may repeat); undefined when not read.
   */
  readonly feed?: readonly UnsignedEnvelope[];
  /** What the projection says (streams table). */
  readonly streams: readonly StreamDigestRow[];
  /** Folded again from the region's stored events, independently of the projection. */
  readonly recomputed: readonly StreamDigestRow[];
  readonly conflicts: readonly ConflictRow[];
  /** The `account_balances` read model, compared with the checker's fold. */
  readonly balances: readonly { readonly stream: StreamId; readonly balance: number }[];
}

/** One record of an origin's events topic: the id, stream and workload value it carries. */
export interface TopicRecord {
  readonly eventId: EventId;
  readonly stream: StreamId;
  readonly value?: string;
}

/** The complete history a chaos run hands to the checker. */
export interface History {
  readonly acked: readonly AckedWrite[];
  readonly failed: readonly FailedWrite[];
  readonly regions: readonly RegionObservation[];
  /** Event ids found in each origin region's events topic (the log of record). */
  readonly topics: readonly {
    readonly origin: RegionId;
    readonly eventIds: readonly EventId[];
    /** The same records with their streams and workload values (when read). */
    readonly records?: readonly TopicRecord[];
  }[];
}
