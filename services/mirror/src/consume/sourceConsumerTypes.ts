/** The options of a source consumer and what it reports (docs/mirror.md). */
import type { Kafka } from '@concord/kafka';
import type { Logger } from '@concord/telemetry';
import type { Applier } from '../apply/Applier.js';
import type { ClassifiedRecord } from '../apply/ApplyTypes.js';
import type { RawRecord } from './classifyRecords.js';
import type { SourceCluster } from './sources.js';

export interface SourceConsumerOptions {
  readonly cluster: SourceCluster;
  readonly groupId: string;
  readonly kafka: Kafka;
  readonly applier: Applier;
  /** Parses and verifies the records of one fetch (a VerifierPool, or classifyRecords). */
  readonly classify: (records: readonly RawRecord[]) => Promise<ClassifiedRecord[]>;
  readonly logger: Logger;
  /** Partition batches classified and queued at once. Default 8. */
  readonly partitionsConsumedConcurrently?: number;
  /** How often committed source offsets are also committed to Kafka, in ms. Default 1000. */
  readonly commitIntervalMs?: number;
  /**
   * The stored next offsets of partitions (Postgres): on assignment the consumer seeks there,
   * so it neither re-reads what is applied nor starts after it.
   */
  readonly storedOffsets?: (
    parts: readonly { topic: string; partition: number }[],
  ) => Promise<ReadonlyMap<string, bigint>>;
  /** Fetch shaping (see createConsumer): bytes to wait for, and for how long at most. */
  readonly fetchMinBytes?: number;
  readonly fetchMaxWaitMs?: number;
  /** Told of the records of every fetch and when they were received (clock skew). */
  readonly onReceived?: (records: readonly ClassifiedRecord[], receivedAt: number) => void;
  /** Told of every accepted offset gap (records gone from the log: retention). */
  readonly onGapAccepted?: (gap: AcceptedGap) => void;
}

/** `[from, to)` of `topic`/`partition` accepted as gone from the log (offsetRule.ts). */
export interface AcceptedGap {
  readonly topic: string;
  readonly partition: number;
  readonly from: bigint;
  readonly to: bigint;
}
