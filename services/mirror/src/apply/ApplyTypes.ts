import type { Envelope, ErrorCode, EventId, StreamId } from '@concord/core';
import type { IHeaders } from '@concord/kafka';

/** Why a record or an event is refused: a stable code and, where known, the field. */
export interface Rejection {
  readonly code: ErrorCode;
  readonly message: string;
  /** Dotted path of the failing envelope field (`$` for the whole record). */
  readonly field?: string;
  /** Finer reason, e.g. `bad-signature`, `signer-not-origin`, `parent-in-other-stream`. */
  readonly reason?: string;
  /** The SQLSTATE of the Postgres error that refused the event (APPLY_REFUSED). */
  readonly sqlstate?: string;
}

/** A record of a source partition, after parsing and signature verification. */
export type ClassifiedRecord =
  | {
      readonly kind: 'event';
      readonly offset: bigint;
      readonly envelope: Envelope;
      /** The record value as received (UTF-8 JSON). */
      readonly text: string;
    }
  | {
      readonly kind: 'invalid';
      readonly offset: bigint;
      readonly rejection: Rejection;
      readonly key: Buffer | null;
      readonly value: Buffer | null;
      readonly headers: IHeaders | undefined;
    };

/**
 * The classified records of one fetch of one source partition. `fetchedOffset` is where the
 * fetch started: together with the stored source offset it tells whether the batch covers
 * the partition without a gap (see offsetRule.ts).
 */
export interface PartitionSubmission {
  readonly topic: string;
  readonly partition: number;
  readonly fetchedOffset: bigint;
  /** Offset of the last record of the fetch (the next offset to read is lastOffset + 1). */
  readonly lastOffset: bigint;
  /**
   * The partition's log-start offset as read from the broker after a refused gap: a batch
   * that starts after the stored offset is accepted only when the stored offset is below it
   * (those records are gone: retention). See offsetRule.ts.
   */
  readonly logStartOffset?: bigint;
  /** In offset order. */
  readonly records: readonly ClassifiedRecord[];
}

/** What an apply transaction did with one submission. */
export type SubmissionOutcome =
  /** Applied (or skipped as already applied) up to `next` (exclusive), stored in Postgres. */
  | {
      readonly kind: 'applied';
      readonly next: bigint;
      /** Set when `[gap.from, gap.to)` was accepted as gone from the log (offsetRule.ts). */
      readonly gap?: { readonly from: bigint; readonly to: bigint };
    }
  /** Starts after the stored offset: nothing applied; read again from `stored`. */
  | { readonly kind: 'gap'; readonly stored: bigint };

/** An event on its way through the gate: what the gate reads, plus where it came from. */
export interface Candidate {
  readonly id: EventId;
  readonly parents: readonly EventId[];
  readonly causedBy?: EventId;
  readonly stream: StreamId;
  readonly envelope: Envelope;
  /** `<topic>:<partition>@<offset>` (or the pending row's source). */
  readonly source: string;
  /** The serialized envelope to store (the record value as received, when there is one). */
  readonly text: string;
  /** Set when the candidate was restored from a pending row. */
  readonly parkedAt?: number;
  /** Replay of the stored events keeps each event's applied_seq. */
  readonly appliedSeq?: string;
}

/** An applied event as the gate and the fold need it. */
export interface AppliedRef {
  readonly stream: StreamId;
  readonly position: number;
}

/** A row of `projection.pending`. */
export interface PendingRow {
  readonly id: EventId;
  readonly envelope: Envelope;
  readonly text: string;
  readonly missing: readonly EventId[];
  readonly parkedAt: number;
  readonly source: string;
}

/** The candidate of an envelope. */
export function candidateOf(
  envelope: Envelope,
  source: string,
  text: string,
  parkedAt?: number,
): Candidate {
  return {
    id: envelope.id,
    parents: envelope.parents,
    ...(envelope.causedBy === undefined ? {} : { causedBy: envelope.causedBy }),
    stream: envelope.stream,
    envelope,
    source,
    text,
    ...(parkedAt === undefined ? {} : { parkedAt }),
  };
}
