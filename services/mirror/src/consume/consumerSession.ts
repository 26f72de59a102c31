import { createConsumer, type Consumer, type EachBatchPayload } from '@concord/kafka';
import type { SourceConsumerOptions } from './sourceConsumerTypes.js';

/*
 * One session of a source cluster's kafkajs consumer (docs/mirror.md): create, join the group,
 * consume until the consumer crashes for good or the mirror stops, then leave. SourceConsumer
 * runs sessions one after the other in its `runLoop` (the back-off between them is the loop's).
 */

export type ConsumerSessionOptions = Pick<
  SourceConsumerOptions,
  | 'cluster'
  | 'groupId'
  | 'kafka'
  | 'logger'
  | 'partitionsConsumedConcurrently'
  | 'fetchMinBytes'
  | 'fetchMaxWaitMs'
>;

export interface ConsumerSessionHooks {
  /** The session's consumer, as soon as it exists (seeks and commits go to it). */
  readonly onConsumer: (consumer: Consumer) => void;
  /** A new assignment (after every group join). */
  readonly onAssigned: (
    consumer: Consumer,
    assignment: Readonly<Record<string, readonly number[]>>,
  ) => void;
  readonly eachBatch: (payload: EachBatchPayload) => Promise<void>;
  /** True once the consumer runs in its group, false when the session ends. */
  readonly onRunning: (running: boolean) => void;
  /** Before the consumer leaves (commits what Postgres has committed). */
  readonly beforeLeave: () => Promise<void>;
}

/**
 * Runs one consumer session; resolves when it ended (a crash kafkajs does not restart, or
 * `signal` aborted), rejects when the cluster could not be joined. Either way the consumer
 * has left by then.
 */
export async function consumerSession(
  options: ConsumerSessionOptions,
  hooks: ConsumerSessionHooks,
  signal: AbortSignal,
): Promise<void> {
  const { cluster, logger } = options;
  const consumer = createConsumer(options.kafka, {
    groupId: options.groupId,
    ...(options.fetchMinBytes === undefined ? {} : { minBytes: options.fetchMinBytes }),
    ...(options.fetchMaxWaitMs === undefined ? {} : { maxWaitTimeMs: options.fetchMaxWaitMs }),
  });
  hooks.onConsumer(consumer);
  let stop: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => {
    stop = resolve;
    signal.addEventListener('abort', stop, { once: true });
    if (signal.aborted) resolve();
    consumer.on(consumer.events.CRASH, (event) => {
      logger.warn(
        { cluster: cluster.name, err: event.payload.error, restart: event.payload.restart },
        'source consumer crashed',
      );
      if (!event.payload.restart) resolve();
    });
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      const assignment = event.payload.memberAssignment;
      logger.info({ cluster: cluster.name, assignment }, 'source partitions assigned');
      hooks.onAssigned(consumer, assignment);
    });
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: cluster.topics.map((t) => t.topic), fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 8,
      eachBatch: hooks.eachBatch,
    });
    hooks.onRunning(true);
    logger.info({ cluster: cluster.name, topics: cluster.topics }, 'consuming source');
    await ended;
  } finally {
    signal.removeEventListener('abort', stop);
    hooks.onRunning(false);
    await hooks.beforeLeave();
    await consumer.disconnect().catch(() => undefined);
  }
}
