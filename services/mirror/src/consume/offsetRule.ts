import type { PartitionSubmission } from '../apply/ApplyTypes.js';

/** What to do with one fetched batch, given the source offset stored in Postgres. */
export type OffsetDecision =
  /**
   * Apply the records at offsets ≥ `from` (older ones are already applied) and store `next`.
   * `gap` is set when `[gap.from, gap.to)` is accepted as gone from the log (retention).
   */
  | {
      readonly kind: 'apply';
      readonly from: bigint;
      readonly next: bigint;
      readonly gap?: { readonly from: bigint; readonly to: bigint };
    }
  /** The batch starts after the stored offset: records in between were never seen. Re-read. */
  | { readonly kind: 'gap'; readonly stored: bigint };

/**
 * The offset rule. The source offsets stored in Postgres, in the same transaction as the
 * events they cover, are the truth; Kafka's committed offsets only save re-reading.
 *
 * - A batch fetched from at or before the stored offset `S` covers the partition from `S` on
 *   without a hole: its records below `S` are already applied (skipped), the rest are new.
 * - A batch fetched from after `S` (a consumer positioned by a Kafka commit that is ahead of
 *   Postgres, a batch fetched before a seek, another instance's commit) would skip
 *   `[S, fetchedOffset)`: refuse it and seek back to `S`.
 * - The only hole accepted is one that is really gone: `S` is below the partition's log-start
 *   offset `L` (retention, deleteRecords), read from the broker after the refusal, and the
 *   batch starts at or before `L` — so what is skipped is exactly `[S, fetchedOffset)` ⊆
 *   `[S, L)`, records no reader can fetch any more. A batch starting after `L` is refused
 *   even then. (docs/mirror.md, "Offsets".)
 * - No stored offset means nothing of the partition was applied: `S` = 0.
 */
export function decideOffsets(
  stored: bigint | undefined,
  submission: Pick<PartitionSubmission, 'fetchedOffset' | 'lastOffset' | 'logStartOffset'>,
): OffsetDecision {
  const s = stored ?? 0n;
  const end = submission.lastOffset + 1n;
  const next = end > s ? end : s;
  if (submission.fetchedOffset <= s) return { kind: 'apply', from: s, next };
  const logStart = submission.logStartOffset;
  if (logStart !== undefined && s < logStart && submission.fetchedOffset <= logStart) {
    return { kind: 'apply', from: s, next, gap: { from: s, to: submission.fetchedOffset } };
  }
  return { kind: 'gap', stored: s };
}
