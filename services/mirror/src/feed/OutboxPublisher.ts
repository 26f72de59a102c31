import { backoffDelay, runLoop, sleep, type Loop } from '@concord/core';
import type { EventProducer, OutgoingRecord } from '@concord/kafka';
import { APPLIED_HEADERS } from '@concord/client';
import {
  deleteDlqRows,
  dlqOutboxRows,
  feedRowsAfter,
  ident,
  inTransaction,
  lockFeedPosition,
  savePublishedSeq,
  type FeedRow,
  type pg,
} from '@concord/postgres';
import type { Logger } from '@concord/telemetry';
import { FEED_LOCK, LIVE_SCHEMA } from '../store/locks.js';

/** The partition of the applied topic that carries the feed: one partition, one total order. */
export const FEED_PARTITION = 0;

export interface OutboxPublisherOptions {
  readonly region: string;
  readonly appliedTopic: string;
  readonly dlqTopic: string;
  readonly logger: Logger;
  /** Events per produce round. Default 2000. */
  readonly batchSize?: number;
  /**
   * How often to look for work without being woken, in ms. Every commit of this process wakes
   * the publisher; this fallback only covers rows another process committed. Default 10 000.
   */
  readonly pollMs?: number;
  /**
   * Shortest time between two rounds, in ms: under a steady stream of small apply
   * transactions, rounds gather several of them. Default 25.
   */
  readonly minIntervalMs?: number;
}

/** DLQ records per round. */
const DLQ_BATCH = 100;

/** The applied-feed record of an applied event (headers: docs/asyncapi.yaml, message `applied`). */
export function feedRecord(topic: string, region: string, row: FeedRow): OutgoingRecord {
  const headers: Record<string, string> = {
    [APPLIED_HEADERS.appliedSeq]: row.appliedSeq,
    [APPLIED_HEADERS.region]: region,
    [APPLIED_HEADERS.id]: row.id,
    [APPLIED_HEADERS.origin]: row.origin,
    [APPLIED_HEADERS.type]: row.type,
    [APPLIED_HEADERS.stream]: row.stream,
  };
  if (row.traceparent !== null) headers[APPLIED_HEADERS.traceparent] = row.traceparent;
  return { topic, key: row.stream, value: row.envelope, headers, partition: FEED_PARTITION };
}

/**
 * Publishes the outboxes of the projection: the applied events in `applied_seq` order to
 * `<ns>.applied.<region>` (position in `feed_position`), and the rejected records of
 * `dlq_outbox` to `<ns>.dlq.<region>`. Each round runs in one transaction under an advisory
 * lock (one publisher per region, whatever the number of mirror instances): read from the
 * position, produce, wait for the acknowledgement, move the position, commit. A crash between
 * the acknowledgement and the commit publishes those records again: at-least-once, with the
 * event id for downstream dedupe, never a gap.
 */
export class OutboxPublisher {
  private readonly stopping = new AbortController();
  private loop: Loop | undefined;
  private lastRound = 0;
  published = 0;
  dlqPublished = 0;
  lastError: string | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly producer: EventProducer,
    private readonly options: OutboxPublisherOptions,
  ) {}

  start(): void {
    this.loop = runLoop({
      name: 'outbox',
      signal: this.stopping.signal,
      round: (signal) => this.paced(signal),
      onError: (error, failures) => {
        this.lastError = (error as Error).message;
        this.options.logger[failures <= 3 ? 'warn' : 'debug'](
          { err: error, failures },
          'outbox publishing failed; retrying',
        );
        return backoffDelay(failures, { initialDelayMs: 200, maxDelayMs: 5000 });
      },
    });
  }

  /** Something was committed: publish it soon. */
  wake(): void {
    this.loop?.wake();
  }

  /** Publishes what is there (best effort, bounded), then stops. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop?.done;
  }

  /** A round no sooner than `minIntervalMs` after the last; the delay to the next one. */
  private async paced(signal: AbortSignal): Promise<number> {
    const wait = this.lastRound + (this.options.minIntervalMs ?? 25) - Date.now();
    if (wait > 0) await sleep(wait, signal);
    this.lastRound = Date.now();
    const more = await this.round();
    this.lastError = undefined;
    return more ? 0 : (this.options.pollMs ?? 10_000);
  }

  /** One publishing round; true when it published something (there may be more). */
  async round(): Promise<boolean> {
    const s = ident(LIVE_SCHEMA);
    const limit = this.options.batchSize ?? 2000;
    return inTransaction(
      this.pool,
      async (client) => {
        const from = await lockFeedPosition(client, s);
        const events = await feedRowsAfter(client, s, from, limit);
        const dlq = await dlqOutboxRows(client, s, DLQ_BATCH);
        const sends: Promise<unknown>[] = [];
        for (const row of events) {
          sends.push(
            this.producer.send(feedRecord(this.options.appliedTopic, this.options.region, row)),
          );
        }
        for (const row of dlq) {
          sends.push(
            this.producer.send({
              topic: this.options.dlqTopic,
              key: row.key,
              value: row.value ?? Buffer.alloc(0),
              headers: row.headers,
            }),
          );
        }
        await Promise.all(sends);
        const last = events.at(-1);
        if (last) await savePublishedSeq(client, s, last.appliedSeq);
        await deleteDlqRows(
          client,
          s,
          dlq.map((r) => r.seq),
        );
        this.published += events.length;
        this.dlqPublished += dlq.length;
        return events.length === limit || dlq.length === DLQ_BATCH;
      },
      { lock: FEED_LOCK },
    );
  }
}
