import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { ConcordClientError, isConcordClientError } from '../errors.js';
import { parseAppliedRecord } from './appliedRecord.js';
import {
  DEFAULT_CHECKPOINT_SCHEMA,
  isSchemaName,
  PostgresCheckpointStore,
  type SqlClient,
  type SqlPool,
} from './checkpointStore.js';
import {
  processRecord,
  type AppliedHandler,
  type InvalidPolicy,
  type PartitionKey,
  type RecordOutcome,
} from './processRecord.js';

/**
 * consumeApplied: a downstream app's reader of a region's applied feed `<ns>.applied.<region>`
 * (docs/client.md, "consumeApplied"; the feed's contract: docs/asyncapi.yaml). Each record's
 * handler runs in one transaction of the app's Postgres together with the checkpoint, so the
 * app sees every applied event once, across crashes, restarts and rebalances.
 */

export interface ConsumeAppliedOptions<C extends SqlClient> {
  /** Brokers of the region's Kafka cluster (kafkajs is then loaded and configured here)… */
  readonly brokers?: readonly string[];
  /** …or a kafkajs `Kafka` of the app (its SASL/TLS settings). */
  readonly kafka?: Kafka;
  /** The region whose applied feed is read. */
  readonly region: string;
  /** The deployment's namespace (topic prefix). Default `concord`. */
  readonly namespace?: string;
  /** Kafka consumer group, and the key of the checkpoints and seen ids. */
  readonly group: string;
  /** Runs once per applied event, inside the transaction (`client`: its connection). */
  readonly handler: AppliedHandler<C>;
  readonly checkpoint: {
    /** The app's `pg` Pool. */
    readonly pool: SqlPool<C>;
    /** Schema of the checkpoint tables. Default `concord_consumer`. */
    readonly schema?: string;
    /** Create the schema and tables when missing. Default true. */
    readonly createTables?: boolean;
  };
  /** A malformed record: reject (`stop`, the default) or record it and move on (`skip`). */
  readonly onInvalid?: InvalidPolicy;
  /** Aborting it stops the consumer; consumeApplied then resolves. */
  readonly signal?: AbortSignal;
  /** Bound on closing the Kafka consumer (its disconnect can hang during a rebalance). Default 10 000. */
  readonly closeTimeoutMs?: number;
  /** kafkajs client id when `brokers` is given. Default `concord-applied-<group>`. */
  readonly clientId?: string;
}

/** What consumeApplied did, when it resolves. */
export interface ConsumeAppliedStats {
  handled: number;
  duplicates: number;
  behind: number;
  invalid: number;
}

const REGION = /^[a-z][a-z0-9-]{0,31}$/;
const NAMESPACE = /^[a-z][a-z0-9-]{0,63}$/;

function invalid(message: string): ConcordClientError {
  return new ConcordClientError('CLIENT_INVALID', `consumeApplied: ${message}`);
}

function checkOptions<C extends SqlClient>(options: ConsumeAppliedOptions<C>): void {
  if ((options.brokers === undefined) === (options.kafka === undefined)) {
    throw invalid('give either brokers or kafka');
  }
  if (options.brokers !== undefined && options.brokers.length === 0) throw invalid('no brokers');
  if (!REGION.test(options.region)) throw invalid(`invalid region ${options.region}`);
  if (!NAMESPACE.test(options.namespace ?? 'concord')) throw invalid('invalid namespace');
  if (options.group.length === 0) throw invalid('empty group');
  if (typeof options.handler !== 'function') throw invalid('handler is not a function');
  if (!isSchemaName(options.checkpoint.schema ?? DEFAULT_CHECKPOINT_SCHEMA)) {
    throw invalid('invalid checkpoint schema name');
  }
  if (options.onInvalid !== undefined && !['stop', 'skip'].includes(options.onInvalid)) {
    throw invalid(`onInvalid must be 'stop' or 'skip'`);
  }
}

/** A kafkajs client for `brokers`; kafkajs is an optional peer dependency, loaded only here. */
async function kafkaFor(brokers: readonly string[], clientId: string): Promise<Kafka> {
  // kafkajs is CommonJS: its exports are the default export of the ES module.
  const kafkajs = (await import('kafkajs')).default;
  return new kafkajs.Kafka({ clientId, brokers: [...brokers], logLevel: kafkajs.logLevel.ERROR });
}

/** The first offset still in the partition (where a group without a checkpoint starts). */
async function lowWatermark(kafka: Kafka, topic: string, partition: number): Promise<string> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.find((o) => o.partition === partition)?.low ?? '0';
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Resolves when `promise` settles or after `ms`, whichever is first. */
async function bounded(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise.catch(() => undefined),
    new Promise((resolve) => (timer = setTimeout(resolve, ms))),
  ]);
  clearTimeout(timer);
}

const STAT: Record<RecordOutcome, keyof ConsumeAppliedStats> = {
  handled: 'handled',
  duplicate: 'duplicates',
  behind: 'behind',
  invalid: 'invalid',
};

/**
 * Reads `<namespace>.applied.<region>` with consumer group `group` until `signal` aborts
 * (then resolves with what it did) or a record cannot be handled (then rejects with a
 * ConcordClientError: `APPLIED_RECORD_INVALID`, `APPLIED_HANDLER_FAILED`, `APPLIED_FEED_GAP`
 * or `APPLIED_CONSUMER_FAILED`). A signal aborted before the start resolves without connecting.
 */
export async function consumeApplied<C extends SqlClient>(
  options: ConsumeAppliedOptions<C>,
): Promise<ConsumeAppliedStats> {
  checkOptions(options);
  const stats: ConsumeAppliedStats = { handled: 0, duplicates: 0, behind: 0, invalid: 0 };
  const { signal } = options;
  if (signal?.aborted) return stats;
  const store = new PostgresCheckpointStore(
    options.checkpoint.pool,
    options.checkpoint.schema ?? DEFAULT_CHECKPOINT_SCHEMA,
  );
  const topic = `${options.namespace ?? 'concord'}.applied.${options.region}`;
  const failed = (message: string, cause: unknown) =>
    isConcordClientError(cause)
      ? cause
      : new ConcordClientError('APPLIED_CONSUMER_FAILED', `consumeApplied: ${message}`, { cause });
  try {
    if (options.checkpoint.createTables !== false) await store.createTables();
  } catch (error) {
    throw failed('cannot create the checkpoint tables', error);
  }
  if (signal?.aborted) return stats;
  const kafka =
    options.kafka ??
    (await kafkaFor(options.brokers ?? [], options.clientId ?? `concord-applied-${options.group}`));
  if (signal?.aborted) return stats;
  const consumer: Consumer = kafka.consumer({ groupId: options.group, maxWaitTimeInMs: 500 });
  const keyOf = (partition: number): PartitionKey => ({ group: options.group, topic, partition });

  let closing = false;
  let fatal: unknown;
  let settle: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (settle = resolve));
  let inFlight: Promise<unknown> = Promise.resolve();

  const close = (error?: unknown) => {
    // The first cause wins; errors while closing (an abort stops connect, run) are not causes.
    if (closing) return;
    if (error !== undefined) fatal = error;
    closing = true;
    const timeoutMs = options.closeTimeoutMs ?? 10_000;
    void bounded(Promise.allSettled([inFlight, consumer.disconnect()]), timeoutMs).finally(settle);
  };
  const onAbort = () => close();
  signal?.addEventListener('abort', onAbort, { once: true });

  // On every assignment (start, rebalance), each partition seeks to its stored checkpoint
  // before any of its records is handled; records fetched before the seek are stale.
  const positions = new Map<number, Promise<void>>();
  const position = (partition: number): Promise<void> => {
    const ready = (async () => {
      const next = await store.load(keyOf(partition));
      const low = await lowWatermark(kafka, topic, partition);
      if (next !== null && next < BigInt(low)) {
        // Retention removed records the group never handled: say so rather than skip them.
        throw new ConcordClientError(
          'APPLIED_FEED_GAP',
          `the checkpoint ${topic}/${partition}@${next} is before the feed's first record ${low}`,
          { details: { topic, partition, checkpoint: next.toString(), lowWatermark: low } },
        );
      }
      consumer.seek({ topic, partition, offset: next?.toString() ?? low });
    })();
    ready.catch((error: unknown) => close(failed('cannot seek to the checkpoint', error)));
    positions.set(partition, ready);
    return ready;
  };
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    positions.clear();
    for (const partition of event.payload.memberAssignment[topic] ?? []) void position(partition);
  });
  consumer.on(consumer.events.CRASH, (event) => {
    if (!event.payload.restart) close(failed('the Kafka consumer crashed', event.payload.error));
  });

  const eachBatch = async ({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload) => {
    try {
      await (positions.get(batch.partition) ?? position(batch.partition));
      for (const message of batch.messages) {
        if (closing || !isRunning() || isStale()) return;
        const parsed = parseAppliedRecord(
          { ...message, topic: batch.topic, partition: batch.partition },
          options.region,
        );
        const outcome = processRecord(
          store,
          keyOf(batch.partition),
          BigInt(message.offset),
          parsed,
          options.handler,
          options.onInvalid ?? 'stop',
        );
        inFlight = outcome;
        stats[STAT[await outcome]] += 1;
        resolveOffset(message.offset);
        await heartbeat();
      }
    } catch (error) {
      // Not thrown to kafkajs (it would retry): the consumer closes and consumeApplied rejects.
      close(failed('handling a record failed', error));
    }
  };

  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch });
  } catch (error) {
    close(failed('cannot start the Kafka consumer', error));
  }
  await done;
  signal?.removeEventListener('abort', onAbort);
  if (fatal !== undefined) throw fatal;
  return stats;
}
