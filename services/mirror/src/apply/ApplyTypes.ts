import type { Envelope, ErrorCode } from '@concord/core';

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

/** A record's headers as the consumer hands them over (the shape of kafkajs' `IHeaders`). */
export interface RecordHeaders {
  [key: string]: Buffer | string | (Buffer | string)[] | undefined;
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
      readonly headers: RecordHeaders | undefined;
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

/** The gate's candidates, applied refs and pending rows are core's (packages/core/src/gate/). */
export { candidateOf, type AppliedRef, type Candidate, type PendingRow } from '@concord/core';
