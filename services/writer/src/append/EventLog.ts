import type { StreamId } from '@concord/core';

/** Where the log of record holds an appended record: its partition and offset. */
export interface LogPosition {
  readonly partition: number;
  readonly offset: number;
}

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
 * (acks=all), with its position when the log told it (session tokens cover it by position:
 * docs/writer.md, "Sessions"), and rejects with BUS_UNAVAILABLE otherwise
 * (`details.ambiguous` when it may still land).
 */
export interface EventLog {
  append(record: LogRecord): Promise<LogPosition | undefined>;
  /** True when the log can take appends now (readiness). */
  ready(): Promise<boolean>;
  /** Flushes what is queued and disconnects. */
  close(): Promise<void>;
}
