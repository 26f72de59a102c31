import { backoffDelay, sleep } from '@concord/core';
import {
  createConsumer,
  topicOffsets,
  type Batch,
  type Consumer,
  type Kafka,
} from '@concord/kafka';
import type { Logger } from '@concord/telemetry';
import type { Applier } from '../apply/Applier.js';
import type {
  ClassifiedRecord,
  PartitionSubmission,
  SubmissionOutcome,
} from '../apply/ApplyTypes.js';
import type { RawRecord } from './classifyRecords.js';
import type { SourceCluster } from './sources.js';
import { PartitionStates, type PartitionBacklog, type PartitionState } from './partitionStates.js';

export type { PartitionBacklog } from './partitionStates.js';

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

/**
 * One kafkajs consumer for one source cluster (group `<ns>.mirror.<region>`). Each fetched
 * partition batch is parsed and verified here, then queued for the applier; the fetch
 * position moves on at once (pipelining), but Kafka offsets are committed only for what
 * Postgres has committed — and they are only an optimisation: the source offsets stored in
 * Postgres decide (see offsetRule.ts). A batch found to start after the stored offset makes
 * the consumer seek back to it. A cluster that cannot be reached (WAN cut, broker down) only
 * stops this consumer, which keeps retrying; the other sources go on.
 */
export class SourceConsumer {
  private consumer: Consumer | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly partitions = new PartitionStates();
  private readonly commits = new Map<
    string,
    { topic: string; partition: number; offset: string }
  >();
  private inFlight = 0;
  /** True while the consumer is running in its group. */
  running = false;

  constructor(private readonly options: SourceConsumerOptions) {}

  get name(): string {
    return this.options.cluster.name;
  }

  get kafka(): Kafka {
    return this.options.kafka;
  }

  /** Topic → the origin its records come from. */
  get carries(): ReadonlyMap<string, string> {
    return new Map(this.options.cluster.topics.map((t) => [t.topic, t.carries]));
  }

  start(): void {
    this.loop = this.runLoop();
    this.timer = setInterval(() => void this.flushCommits(), this.options.commitIntervalMs ?? 1000);
    this.timer.unref();
  }

  /**
   * Stops fetching (pauses every topic, staying in the group so offsets can still be
   * committed) and waits until no batch is on its way to the applier.
   */
  async quiesce(): Promise<void> {
    this.stopped = true;
    try {
      this.consumer?.pause(this.options.cluster.topics.map((t) => ({ topic: t.topic })));
    } catch {
      // Not running: nothing to pause.
    }
    while (this.inFlight > 0) await sleep(20);
  }

  /** Commits what Postgres has committed, leaves the group and ends the loop. */
  async disconnect(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.flushCommits();
    this.wake?.();
    await this.loop;
  }

  private async runLoop(): Promise<void> {
    const { cluster, logger } = this.options;
    let attempt = 0;
    while (!this.stopped) {
      const consumer = createConsumer(this.options.kafka, {
        groupId: this.options.groupId,
        ...(this.options.fetchMinBytes === undefined
          ? {}
          : { minBytes: this.options.fetchMinBytes }),
        ...(this.options.fetchMaxWaitMs === undefined
          ? {}
          : { maxWaitTimeMs: this.options.fetchMaxWaitMs }),
      });
      this.consumer = consumer;
      const ended = new Promise<void>((resolve) => {
        this.wake = resolve;
        consumer.on(consumer.events.CRASH, (event) => {
          logger.warn(
            { cluster: cluster.name, err: event.payload.error, restart: event.payload.restart },
            'source consumer crashed',
          );
          if (!event.payload.restart) resolve();
        });
        consumer.on(consumer.events.GROUP_JOIN, (event) => {
          // New assignment: forget gap bookkeeping (outcomes of older fetches become stale)
          // and start each partition at its stored offset.
          this.partitions.clear();
          const assignment = event.payload.memberAssignment;
          logger.info({ cluster: cluster.name, assignment }, 'source partitions assigned');
          void this.seekToStored(consumer, assignment);
        });
      });
      try {
        await consumer.connect();
        await consumer.subscribe({
          topics: cluster.topics.map((t) => t.topic),
          fromBeginning: true,
        });
        await consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 8,
          eachBatch: (payload) =>
            this.onBatch(payload.batch, payload.resolveOffset, payload.heartbeat, payload.isStale),
        });
        this.running = true;
        attempt = 0;
        logger.info({ cluster: cluster.name, topics: cluster.topics }, 'consuming source');
        await ended;
      } catch (error) {
        attempt++;
        logger[attempt <= 3 ? 'warn' : 'debug'](
          { cluster: cluster.name, err: error, attempt },
          'source not available; retrying',
        );
      }
      this.running = false;
      await this.flushCommits();
      await consumer.disconnect().catch(() => undefined);
      if (!this.stopped) {
        await Promise.race([
          sleep(backoffDelay(attempt, { initialDelayMs: 500, maxDelayMs: 10_000 })),
          new Promise<void>((resolve) => (this.wake = resolve)),
        ]);
      }
    }
  }

  private async onBatch(
    batch: Batch,
    resolveOffset: (offset: string) => void,
    heartbeat: () => Promise<void>,
    isStale: () => boolean,
  ): Promise<void> {
    // A batch fetched before a seek: the fetch starts again at the seek target.
    if (this.stopped || isStale()) return;
    this.inFlight++;
    try {
      await this.handOver(batch, resolveOffset, heartbeat, isStale);
    } finally {
      this.inFlight--;
    }
  }

  private async handOver(
    batch: Batch,
    resolveOffset: (offset: string) => void,
    heartbeat: () => Promise<void>,
    isStale: () => boolean,
  ): Promise<void> {
    const key = `${batch.topic}:${batch.partition}`;
    const state = this.partitions.get(key);
    // The epoch of the fetch, not of the hand-over: a seek during classification makes the
    // outcome of this batch stale.
    const epoch = state.epoch;
    const receivedAt = Date.now();
    const hwm = BigInt(batch.highWatermark);
    if (state.logEnd === undefined || hwm > state.logEnd) state.logEnd = hwm;
    const records = await this.options.classify(batch.messages);
    this.options.onReceived?.(records, receivedAt);
    if (isStale() || epoch !== state.epoch) return;
    const fetched = (batch as Batch & { fetchedOffset?: string }).fetchedOffset;
    const submission: PartitionSubmission = {
      topic: batch.topic,
      partition: batch.partition,
      fetchedOffset: BigInt(fetched ?? batch.firstOffset() ?? batch.lastOffset()),
      lastOffset: BigInt(batch.lastOffset()),
      ...(state.logStart === undefined ? {} : { logStartOffset: state.logStart }),
      records,
    };
    const first = batch.messages[0];
    if (first) state.unapplied.push({ last: submission.lastOffset, at: Number(first.timestamp) });
    await this.options.applier.waitForRoom(heartbeat);
    this.options.applier.submit(submission).then(
      (outcome) => this.settle(key, epoch, submission, outcome),
      (error: unknown) =>
        this.options.logger.debug({ err: error, topic: batch.topic }, 'submission dropped'),
    );
    resolveOffset(batch.lastOffset());
  }

  private settle(
    key: string,
    epoch: number,
    submission: PartitionSubmission,
    outcome: SubmissionOutcome,
  ): void {
    const state = this.partitions.get(key);
    const { topic, partition } = submission;
    if (outcome.kind === 'applied') {
      this.partitions.noteApplied(state, outcome.next);
      if (outcome.gap) {
        state.logStart = undefined;
        this.options.logger.warn(
          {
            topic,
            partition,
            from: String(outcome.gap.from),
            to: String(outcome.gap.to),
            records: String(outcome.gap.to - outcome.gap.from),
          },
          'source records below the log-start offset are gone from the log (retention): accepting the gap',
        );
        this.options.onGapAccepted?.({ topic, partition, ...outcome.gap });
      }
      this.commits.set(key, { topic, partition, offset: outcome.next.toString() });
      if (epoch === state.epoch && outcome.next > submission.lastOffset + 1n) {
        // Another instance got further: skip what it applied.
        this.seek(state, topic, partition, outcome.next);
      }
      return;
    }
    this.partitions.noteApplied(state, outcome.stored);
    if (epoch !== state.epoch || state.probing) return;
    this.options.logger.info(
      {
        topic,
        partition,
        stored: String(outcome.stored),
        fetched: String(submission.fetchedOffset),
      },
      'fetch started after the stored source offset: seeking back',
    );
    void this.seekBack(state, topic, partition, outcome.stored);
  }

  /**
   * Seeks back to the stored offset — or, when the stored offset is below the partition's
   * log-start offset (the records are gone), to the log start, remembering it so the offset
   * rule accepts exactly that hole. Nothing else ever makes a hole acceptable.
   */
  private async seekBack(
    state: PartitionState,
    topic: string,
    partition: number,
    stored: bigint,
  ): Promise<void> {
    state.probing = true;
    let target = stored;
    try {
      const low = (await topicOffsets(this.options.kafka, topic)).find(
        (o) => o.partition === partition,
      )?.low;
      state.logStart = low !== undefined && stored < low ? low : undefined;
      if (state.logStart !== undefined) target = state.logStart;
    } catch (error) {
      // Seek back to the stored offset: the next refusal reads the log start again.
      this.options.logger.debug({ err: error, topic, partition }, 'could not read log start');
    } finally {
      state.probing = false;
    }
    this.seek(state, topic, partition, target);
  }

  /** Per assigned partition: what is applied and the oldest fetched record that is not. */
  backlog(): PartitionBacklog[] {
    return this.partitions.backlog();
  }

  private async seekToStored(
    consumer: Consumer,
    assignment: Readonly<Record<string, readonly number[]>>,
  ): Promise<void> {
    if (!this.options.storedOffsets) return;
    const parts = Object.entries(assignment).flatMap(([topic, partitions]) =>
      partitions.map((partition) => ({ topic, partition })),
    );
    try {
      const stored = await this.options.storedOffsets(parts);
      if (consumer !== this.consumer) return;
      for (const { topic, partition } of parts) {
        const offset = stored.get(`${topic}:${partition}`);
        const state = this.partitions.get(`${topic}:${partition}`);
        state.applied = offset ?? 0n;
        if (offset !== undefined) this.seek(state, topic, partition, offset);
      }
    } catch (error) {
      // The offset rule repairs the position on the first batch anyway.
      this.options.logger.debug({ err: error }, 'could not read stored offsets on assignment');
    }
  }

  private seek(state: PartitionState, topic: string, partition: number, offset: bigint): void {
    this.partitions.bumpEpoch(state);
    try {
      this.consumer?.seek({ topic, partition, offset: offset.toString() });
    } catch (error) {
      this.options.logger.debug({ err: error, topic, partition }, 'seek refused');
    }
  }

  private async flushCommits(): Promise<void> {
    if (this.commits.size === 0 || !this.consumer) return;
    const offsets = [...this.commits.values()];
    this.commits.clear();
    try {
      await this.consumer.commitOffsets(offsets);
    } catch (error) {
      // Only an optimisation: Postgres holds the positions that count.
      this.options.logger.debug({ err: error }, 'Kafka offset commit failed');
    }
  }
}
