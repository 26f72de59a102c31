import type { PartitionSubmission, SubmissionOutcome } from './ApplyTypes.js';

/**
 * Halves of a round for isolating a bad record (docs/mirror.md, "Bad records"): the first half
 * of the submissions, or — for a single submission — its first records, so that the second
 * half starts exactly where the first one ends (the offset rule then applies it after the
 * first commits, and refuses it as a gap when the first was one). Undefined when there is
 * nothing to split (one submission of at most one record).
 */
export function splitSubmissions(
  submissions: readonly PartitionSubmission[],
): [PartitionSubmission[], PartitionSubmission[]] | undefined {
  if (submissions.length > 1) {
    const mid = Math.ceil(submissions.length / 2);
    return [submissions.slice(0, mid), submissions.slice(mid)];
  }
  const only = submissions[0];
  if (!only || only.records.length < 2) return undefined;
  const mid = Math.floor(only.records.length / 2);
  const head = only.records.slice(0, mid);
  const lastOffset = head[head.length - 1]!.offset;
  const { logStartOffset: _, ...rest } = only;
  return [
    [{ ...only, records: head, lastOffset }],
    [{ ...rest, fetchedOffset: lastOffset + 1n, records: only.records.slice(mid) }],
  ];
}

/** The outcomes of the original submissions, from those of the two halves. */
export function joinOutcomes(
  original: readonly PartitionSubmission[],
  before: readonly SubmissionOutcome[],
  after: readonly SubmissionOutcome[],
): SubmissionOutcome[] {
  if (before.length + after.length === original.length) return [...before, ...after];
  // One submission, split: a gap before means nothing was applied (read again from there).
  const first = before[0]!;
  return [first.kind === 'gap' ? first : after[0]!];
}
