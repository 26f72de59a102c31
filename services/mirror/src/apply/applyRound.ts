import {
  bucketOf,
  dependenciesOf,
  formatSourcePosition,
  type EventId,
  type StreamId,
} from '@concord/core';
import { decideOffsets } from '../consume/offsetRule.js';
import { dlqOutboxRow, type DlqOutboxRow } from '../dlq/dlqRecord.js';
import type { ApplyStore, PrefetchHint } from '../store/ProjectionStore.js';
import {
  candidateOf,
  type Candidate,
  type PartitionSubmission,
  type SubmissionOutcome,
} from './ApplyTypes.js';
import { applyEvents, type ApplyEventsOptions, type ApplyEventsResult } from './applyEvents.js';

export interface RoundOptions extends ApplyEventsOptions {
  /** Signal the applied streams on `concord_applied` (default true). */
  readonly notify?: boolean;
}

export interface RoundResult extends ApplyEventsResult {
  /** One per submission, in order. */
  readonly outcomes: readonly SubmissionOutcome[];
  /** Every DLQ row written (rejected records and refused events). */
  readonly dlqRows: readonly DlqOutboxRow[];
  /** Records skipped because they were below the stored source offset. */
  readonly redelivered: number;
}

/** Largest NOTIFY payload we send (Postgres refuses 8000 bytes and more). */
const MAX_NOTIFY_BYTES = 7900;

/**
 * The payload on `concord_applied`: `{"region", "count", "streams"}` — the streams that
 * received events in the transaction, or `null` when they do not fit (then any waiter should
 * look again).
 */
export function notifyPayload(region: string, count: number, streams: readonly StreamId[]): string {
  const full = JSON.stringify({ region, count, streams: [...new Set(streams)].sort() });
  return Buffer.byteLength(full) <= MAX_NOTIFY_BYTES
    ? full
    : JSON.stringify({ region, count, streams: null });
}

/**
 * The body of one apply transaction, called with the apply lock held: settle every
 * submission against the stored source offsets (offset rule), apply the new valid events,
 * write the DLQ rows of the rejected records and move the source offsets — all in the
 * caller's transaction, so either everything of a record is stored or nothing is.
 */
export async function applyRound(
  store: ApplyStore,
  submissions: readonly PartitionSubmission[],
  options: RoundOptions,
): Promise<RoundResult> {
  const parts = new Map<string, { topic: string; partition: number }>();
  for (const s of submissions) parts.set(`${s.topic}:${s.partition}`, s);
  if (store.prefetch) await store.prefetch(prefetchHint(submissions));
  const stored = await store.storedOffsets([...parts.values()]);
  const next = new Map(stored);
  const outcomes: SubmissionOutcome[] = [];
  const candidates: Candidate[] = [];
  const dlqRows: DlqOutboxRow[] = [];
  const moved = new Map<string, { topic: string; partition: number; next: bigint }>();
  let redelivered = 0;
  for (const submission of submissions) {
    const key = `${submission.topic}:${submission.partition}`;
    const decision = decideOffsets(next.get(key), submission);
    if (decision.kind === 'gap') {
      outcomes.push({ kind: 'gap', stored: decision.stored });
      continue;
    }
    for (const record of submission.records) {
      if (record.offset < decision.from) {
        redelivered++;
        continue;
      }
      if (record.kind === 'event') {
        candidates.push(
          candidateOf(
            record.envelope,
            formatSourcePosition({
              topic: submission.topic,
              partition: submission.partition,
              offset: record.offset,
            }),
            record.text,
          ),
        );
      } else {
        dlqRows.push(
          dlqOutboxRow({
            rejection: record.rejection,
            region: options.region,
            topic: submission.topic,
            partition: submission.partition,
            offset: record.offset,
            key: record.key,
            value: record.value,
            headers: record.headers,
          }),
        );
      }
    }
    next.set(key, decision.next);
    moved.set(key, {
      topic: submission.topic,
      partition: submission.partition,
      next: decision.next,
    });
    outcomes.push(
      decision.gap
        ? { kind: 'applied', next: decision.next, gap: decision.gap }
        : { kind: 'applied', next: decision.next },
    );
  }
  const result = await applyEvents(store, candidates, options);
  dlqRows.push(...result.dlq);
  await store.insertDlq(dlqRows);
  await store.saveOffsets(
    [...moved.values()],
    options.notify !== false && result.applied.length > 0
      ? notifyPayload(options.region, result.applied.length, result.touchedStreams)
      : undefined,
  );
  await store.flush?.();
  return { ...result, outcomes, dlqRows, redelivered };
}

/** Everything a round over these submissions may look up (a superset is fine). */
export function prefetchHint(submissions: readonly PartitionSubmission[]): PrefetchHint {
  const parts = new Map<string, { topic: string; partition: number }>();
  const ids = new Set<EventId>();
  const streams = new Set<StreamId>();
  for (const s of submissions) {
    parts.set(`${s.topic}:${s.partition}`, { topic: s.topic, partition: s.partition });
    for (const r of s.records) {
      if (r.kind !== 'event') continue;
      ids.add(r.envelope.id);
      for (const dep of dependenciesOf(r.envelope)) ids.add(dep);
      streams.add(r.envelope.stream);
    }
  }
  return {
    parts: [...parts.values()],
    ids: [...ids],
    streams: [...streams],
    buckets: [...new Set([...streams].map(bucketOf))],
  };
}
