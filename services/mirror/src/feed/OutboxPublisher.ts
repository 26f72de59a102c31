import { backoffDelay, runLoop, sleep, type Loop } from '@concord/core';
import type { EventProducer, OutgoingRecord } from '@concord/kafka';
import { ident, inTransaction, type pg } from '@concord/postgres';
import type { Logger } from '@concord/telemetry';
import { FEED_LOCK, LIVE_SCHEMA } from '../store/locks.js';

/** Header names of an applied-feed record (documented in docs/mirror.md). */
export const FEED_HEADERS = {
  appliedSeq: 'concord-applied-seq',
  region: 'concord-region',
  id: 'id',
  origin: 'origin',
  type: 'type',
  stream: 'stream',
  traceparent: 'traceparent',
} as const;

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

/** What the feed needs of an applied event (read straight from the events table). */
export interface FeedRow {
  readonly appliedSeq: string;
  readonly id: string;
  readonly stream: string;
  readonly origin: string;
  readonly type: string;
  readonly traceparent: string | null;
  /** The envelope as JSON text (signed content; verifiable after canonicalization). */
  readonly envelope: string;
}

/** The applied-feed record of an applied event. */
export function feedRecord(topic: string, region: string, row: FeedRow): OutgoingRecord {
  const headers: Record<string, string> = {
    [FEED_HEADERS.appliedSeq]: row.appliedSeq,
    [FEED_HEADERS.region]: region,
    [FEED_HEADERS.id]: row.id,
    [FEED_HEADERS.origin]: row.origin,
    [FEED_HEADERS.type]: row.type,
    [FEED_HEADERS.stream]: row.stream,
  };
  if (row.traceparent !== null) headers[FEED_HEADERS.traceparent] = row.traceparent;
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
    return inTransaction(this.pool, async (client) => {
      await client.query('select pg_advisory_xact_lock($1)', [FEED_LOCK]);
      const position = await client.query<{ published_seq: string }>(
        `select published_seq from ${s}.feed_position where feed = 'applied' for update`,
      );
      const from = position.rows[0]?.published_seq ?? '0';
      const events = await client.query<FeedRow>(
        `select applied_seq as "appliedSeq", id, stream, origin, type,
                envelope -> 'meta' ->> 'traceparent' as traceparent, envelope::text as envelope
           from ${s}.events
          where applied_seq > $1 order by applied_seq limit $2`,
        [from, limit],
      );
      const dlq = await client.query<{
        seq: string;
        key: Buffer | null;
        value: Buffer | null;
        headers: Record<string, string>;
      }>(`select seq, key, value, headers from ${s}.dlq_outbox order by seq limit 100`);
      const sends: Promise<void>[] = [];
      for (const row of events.rows) {
        sends.push(
          this.producer.send(feedRecord(this.options.appliedTopic, this.options.region, row)),
        );
      }
      for (const row of dlq.rows) {
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
      const last = events.rows.at(-1);
      if (last) {
        await client.query(
          `update ${s}.feed_position set published_seq = $1, updated_at = now() where feed = 'applied'`,
          [last.appliedSeq],
        );
      }
      if (dlq.rows.length > 0) {
        await client.query(`delete from ${s}.dlq_outbox where seq = any($1::bigint[])`, [
          dlq.rows.map((r) => r.seq),
        ]);
      }
      this.published += events.rows.length;
      this.dlqPublished += dlq.rows.length;
      return events.rows.length === limit || dlq.rows.length === 100;
    });
  }
}
