import { ConcordError } from '@concord/core';
import { EventProducer, type Kafka } from '@concord/kafka';
import type { EventLog, LogPosition, LogRecord } from './EventLog.js';

export interface KafkaEventLogOptions {
  /** The region's events topic. */
  readonly topic: string;
  /** Deadline of one produce request (config.kafka.requestTimeoutMs). */
  readonly deadlineMs: number;
}

/**
 * The region's events topic through the group-committing idempotent `EventProducer`
 * (acks=-1, one request in flight). A guard timer a little beyond the producer's own deadline
 * makes sure no request waits longer even while the producer is still (re)connecting: a
 * record no produce request carried yet is withdrawn (a definite BUS_UNAVAILABLE); one that a
 * request carries is OUTCOME_UNKNOWN (docs/decisions/0006-outcome-unknown.md).
 */
export class KafkaEventLog implements EventLog {
  private readonly producer: EventProducer;
  private probe: { at: number; ok: Promise<boolean> } | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: KafkaEventLogOptions,
  ) {
    this.producer = new EventProducer(kafka, { deadlineMs: options.deadlineMs, retries: 2 });
  }

  /** Connects eagerly; a failure is left for the first append to report. */
  async connect(): Promise<void> {
    await this.producer.connect().catch(() => undefined);
  }

  async append(record: LogRecord): Promise<LogPosition | undefined> {
    const guardMs = this.options.deadlineMs + 1000;
    const withdraw = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const guard = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // Withdraws the record if no request carries it yet: then `sent` rejects first,
        // definitely; otherwise the outcome is unknown.
        withdraw.abort();
        setImmediate(() =>
          reject(
            new ConcordError('OUTCOME_UNKNOWN', `no acknowledgement within ${guardMs} ms`, {
              details: { stage: 'in-request', ambiguous: true },
            }),
          ),
        );
      }, guardMs);
    });
    const sent = this.producer.send(
      {
        topic: this.options.topic,
        key: record.stream,
        value: record.value,
        headers: record.headers,
      },
      { signal: withdraw.signal },
    );
    sent.catch(() => undefined); // raced below; a late rejection must not go unhandled
    try {
      return await Promise.race([sent, guard]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Whether the cluster answers a metadata request (cached for a second). */
  ready(): Promise<boolean> {
    const now = Date.now();
    if (this.probe && now - this.probe.at < 1000) return this.probe.ok;
    const ok = this.describe();
    this.probe = { at: now, ok };
    return ok;
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }

  private async describe(): Promise<boolean> {
    const admin = this.kafka.admin({ retry: { retries: 0 } });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), Math.min(this.options.deadlineMs, 2000));
    });
    try {
      return await Promise.race([
        (async () => {
          await admin.connect();
          const cluster = await admin.describeCluster();
          return cluster.brokers.length > 0;
        })().catch(() => false),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
      void admin.disconnect().catch(() => undefined);
    }
  }
}
