import type { StreamId } from '@concord/core';

/** One envelope on its way to the region's events topic. */
export interface LogRecord {
  /** Kafka key: the stream, so one stream stays in one partition. */
  readonly stream: StreamId;
  /** The serialized envelope (canonical JSON). */
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Port: the log of record (Kafka). `append` resolves only once the record is durable
 * (acks=all) and rejects with BUS_UNAVAILABLE otherwise (`details.ambiguous` when it may still
 * land).
 */
export interface EventLog {
  append(record: LogRecord): Promise<void>;
  /** True when the log can take appends now (readiness). */
  ready(): Promise<boolean>;
  /** Flushes what is queued and disconnects. */
  close(): Promise<void>;
}
