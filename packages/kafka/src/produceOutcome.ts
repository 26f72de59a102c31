import { ConcordError } from '@concord/core';
import { describeThrown, mapKafkaError } from './kafkaErrors.js';

/**
 * How far a record got before its produce failed (docs/decisions/0006-outcome-unknown.md):
 * - `queued`: still waiting in the producer's queue, withdrawn before any batch took it;
 * - `connecting`: in a batch whose producer never connected, so no produce request was built;
 * - `in-request`: handed to kafkajs `sendBatch`, so a Produce request may have been written.
 */
export type ProduceStage = 'queued' | 'connecting' | 'in-request';

/** What the failure proves about the record. */
export interface ProduceFailure {
  /** `definite`: the record is in no log and never will be; `unknown`: it may be, or may become. */
  readonly outcome: 'definite' | 'unknown';
  /** Every kafkajs error name / broker error type found along the error's causes. */
  readonly chain: readonly string[];
  /** Attempts kafkajs reported (`retryCount + 1` of KafkaJSNumberOfRetriesExceeded), if any. */
  readonly attempts?: number;
}

interface KafkajsLike {
  name?: unknown;
  type?: unknown;
  cause?: unknown;
  originalError?: unknown;
  retryCount?: unknown;
}

const MAX_DEPTH = 8;

/** The error and its causes (`cause`, `originalError`), outermost first, without cycles. */
function causes(error: unknown): KafkajsLike[] {
  const out: KafkajsLike[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && out.length < MAX_DEPTH) {
    const e = queue.shift();
    if (typeof e !== 'object' || e === null || out.includes(e as KafkajsLike)) continue;
    const x = e as KafkajsLike;
    out.push(x);
    queue.push(x.cause, x.originalError);
  }
  return out;
}

/**
 * Classifies a failed produce. Pure: it reads only the error and the stage.
 *
 * Only a failure before any Produce request could have been written is definite. Once kafkajs
 * has the batch, no error it raises proves the broker never appended it: it retries inside
 * `sendBatch` (producer `retry.retries`) and reports only the last attempt's error, so a
 * refused connection or a `NOT_LEADER_OR_FOLLOWER` may follow an attempt that timed out after
 * the leader appended; `REQUEST_TIMED_OUT`, `NETWORK_EXCEPTION`, `NOT_ENOUGH_REPLICAS_AFTER_APPEND`,
 * a closed connection (`KafkaJSConnectionClosedError`, or `KafkaJSConnectionError` for a reset
 * socket, which also rejects requests in flight) and a request timeout
 * (`KafkaJSRequestTimeoutError`) all leave the record possibly in the log; and one request
 * carries several partitions, where a broker error for one says nothing of the others.
 */
export function classifyProduceFailure(error: unknown, stage: ProduceStage): ProduceFailure {
  const chain: string[] = [];
  let attempts: number | undefined;
  for (const e of causes(error)) {
    for (const label of [e.name, e.type]) {
      if (typeof label === 'string' && label !== 'Error' && !chain.includes(label)) {
        chain.push(label);
      }
    }
    if (attempts === undefined && typeof e.retryCount === 'number') attempts = e.retryCount + 1;
  }
  return {
    outcome: stage === 'in-request' ? 'unknown' : 'definite',
    chain,
    ...(attempts === undefined ? {} : { attempts }),
  };
}

/**
 * The ConcordError a failed produce answers: `OUTCOME_UNKNOWN` (503, retriable with the same
 * idempotency key) when the record may be in the log, otherwise what `mapKafkaError` says
 * (`BUS_UNAVAILABLE`, `UNAUTHORIZED`, `FORBIDDEN`…) with `details.ambiguous: false`.
 */
export function produceError(
  error: unknown,
  stage: ProduceStage,
  context = 'produce',
): ConcordError {
  const failure = classifyProduceFailure(error, stage);
  const details = {
    stage,
    ...(failure.chain.length > 0 ? { kafkaError: failure.chain.join(' < ') } : {}),
    ...(failure.attempts === undefined ? {} : { attempts: failure.attempts }),
  };
  const message = error instanceof Error ? error.message : describeThrown(error);
  if (failure.outcome === 'unknown') {
    return new ConcordError(
      'OUTCOME_UNKNOWN',
      `${context}: the record may have been written (${message}); retry with the same idempotency key`,
      { cause: error, details: { ...details, ambiguous: true } },
    );
  }
  const mapped = mapKafkaError(error, context);
  // Whatever else it says, nothing was sent: the bus is unavailable, and retrying may help.
  const bus = mapped.code === 'INTERNAL' || mapped.code === 'OUTCOME_UNKNOWN';
  return new ConcordError(bus ? 'BUS_UNAVAILABLE' : mapped.code, mapped.message, {
    cause: error,
    retriable: bus ? true : mapped.retriable,
    details: { ...mapped.details, ...details, ambiguous: false },
  });
}
