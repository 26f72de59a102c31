import type { Admin, Consumer, IHeaders, Kafka } from 'kafkajs';
import { mapKafkaError } from './kafkaErrors.js';

export interface ConsumerOptions {
  groupId: string;
  /** Group session timeout in ms: how long a dead member keeps its partitions. Default 10 000. */
  sessionTimeoutMs?: number;
  /** Heartbeat interval in ms (sent between fetches). Default 1000. */
  heartbeatIntervalMs?: number;
  /** How long the coordinator waits for members to rejoin during a rebalance, in ms. Default 20 000. */
  rebalanceTimeoutMs?: number;
  /** Bytes fetched per partition per request, at most. Default 1 MiB. */
  maxBytesPerPartition?: number;
  /**
   * Bytes per fetch response, at most. Default 16 MiB (a single record larger than this is
   * still returned whole by the broker, KIP-74).
   */
  maxBytes?: number;
  /**
   * Longest a fetch waits for data, in ms. It adds no latency (the broker answers as soon as
   * `minBytes` are there); it is how often an idle consumer asks. Default 1000 (3 000 with a
   * 3 000 ms heartbeat made a second instance of a busy group wait over a minute for its share in
   * services/mirror/src/rebalance.int.spec.ts; not understood yet, docs/performance.md).
   */
  maxWaitTimeMs?: number;
  /**
   * Bytes a fetch waits for (up to `maxWaitTimeMs`) before the broker answers. Default 1: answer
   * as soon as anything is there (lowest latency); more gathers larger batches.
   */
  minBytes?: number;
}

/**
 * A kafkajs consumer with Concord's defaults: short session timeout (a killed process gives
 * its partitions away within seconds), no topic auto-creation, large fetches, and restart
 * after any crash (a consumer that reads a remote region must survive a long WAN cut).
 */
export function createConsumer(kafka: Kafka, options: ConsumerOptions): Consumer {
  return kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: options.sessionTimeoutMs ?? 10_000,
    heartbeatInterval: options.heartbeatIntervalMs ?? 1000,
    rebalanceTimeout: options.rebalanceTimeoutMs ?? 20_000,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 1024 * 1024,
    maxBytes: options.maxBytes ?? 16 * 1024 * 1024,
    maxWaitTimeInMs: options.maxWaitTimeMs ?? 1000,
    minBytes: options.minBytes ?? 1,
    allowAutoTopicCreation: false,
    retry: {
      retries: 8,
      initialRetryTime: 300,
      maxRetryTime: 5000,
      restartOnFailure: async () => true,
    },
  });
}

/** The UTF-8 value of a Kafka header (the first one when repeated), or undefined. */
export function headerValue(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined || first === null) return undefined;
  return typeof first === 'string' ? first : first.toString('utf8');
}

/** Low and high watermarks of every partition of a topic. */
export interface PartitionOffsets {
  readonly partition: number;
  /** First offset still in the log. */
  readonly low: bigint;
  /** Offset the next record will get (end of the log). */
  readonly high: bigint;
}

/** The watermarks of `topic`'s partitions, sorted by partition (a fresh admin client per call). */
export async function topicOffsets(kafka: Kafka, topic: string): Promise<PartitionOffsets[]> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    return await adminTopicOffsets(admin, topic);
  } catch (error) {
    throw mapKafkaError(error, `topicOffsets ${topic}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** The watermarks of `topic`'s partitions through a connected admin client the caller keeps. */
export async function adminTopicOffsets(admin: Admin, topic: string): Promise<PartitionOffsets[]> {
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets
      .map((o) => ({ partition: o.partition, low: BigInt(o.low), high: BigInt(o.high) }))
      .sort((a, b) => a.partition - b.partition);
  } catch (error) {
    throw mapKafkaError(error, `topicOffsets ${topic}`);
  }
}
