import type { PartitionSubmission } from '../apply/ApplyTypes.js';

/** What to do with one fetched batch, given the source offset stored in Postgres. */
export type OffsetDecision =
  /** Apply the records at offsets ≥ `from` (older ones are already applied) and store `next`. */
  | { readonly kind: 'apply'; readonly from: bigint; readonly next: bigint }
  /** The batch starts after the stored offset: records in between were never seen. Re-read. */
  | { readonly kind: 'gap'; readonly stored: bigint };

/**
 * The offset rule. The source offsets stored in Postgres, in the same transaction as the
 * events they cover, are the truth; Kafka's committed offsets only save re-reading.
 *
 * - A batch fetched from at or before the stored offset `S` covers the partition from `S` on
 *   without a hole: its records below `S` are already applied (skipped), the rest are new.
 * - A batch fetched from after `S` (a consumer positioned by a Kafka commit that is ahead of
 *   Postgres, e.g. after the projection was rebuilt or another instance's commit) would skip
 *   `[S, fetchedOffset)`: refuse it and seek back to `S` — unless `acceptGap` says those
 *   offsets are gone from the log (retention), which the consumer decides after seeking to
 *   `S` did not bring them back.
 * - No stored offset means nothing of the partition was applied: `S` = 0.
 */
export function decideOffsets(
  stored: bigint | undefined,
  submission: Pick<PartitionSubmission, 'fetchedOffset' | 'lastOffset' | 'acceptGap'>,
): OffsetDecision {
  const s = stored ?? 0n;
  if (submission.fetchedOffset > s && submission.acceptGap !== true) {
    return { kind: 'gap', stored: s };
  }
  const end = submission.lastOffset + 1n;
  return { kind: 'apply', from: s, next: end > s ? end : s };
}
