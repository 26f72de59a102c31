import { backoffDelay, runLoop, sleep, type Loop } from '@concord/core';
import { topicOffsets, type Batch, type Consumer, type Kafka } from '@concord/kafka';
import type { PartitionSubmission, SubmissionOutcome } from '../apply/ApplyTypes.js';
import { consumerSession } from './consumerSession.js';
import type { SourceConsumerOptions } from './sourceConsumerTypes.js';
import { PartitionStates, type PartitionBacklog, type PartitionState } from './partitionStates.js';

export type { PartitionBacklog } from './partitionStates.js';
export type { AcceptedGap, SourceConsumerOptions } from './sourceConsumerTypes.js';

/** The pause before the next consumer session, after `failures` failed ones in a row. */
function reconnectDelay(failures: number): number {
  return backoffDelay(failures, { initialDelayMs: 500, maxDelayMs: 10_000 });
}

/**
 * One kafkajs consumer for one source cluster (group `<ns>.mirror.<region>`). Each fetched
 * partition batch is parsed and verified here, then queued for the applier; the fetch
 * position moves on at once (pipelining), but Kafka offsets are committed only for what
 * Postgres has committed — and they are only an optimisation: the source offsets stored in
 * Postgres decide (see offsetRule.ts). A batch found to start after the stored offset makes
 * the consumer seek back to it. A cluster that cannot be reached (WAN cut, broker down) only
 * stops this consumer, which keeps retrying (its sessions run in a `runLoop`, the one runtime
 * of loops, docs/architecture.md); the other sources go on.
 */
export class SourceConsumer {
  private consumer: Consumer | undefined;
  private stopped = false;
  private loop: Loop | undefined;
  private readonly stopping = new AbortController();
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
    this.loop = runLoop({
      name: `source ${this.name}`,
      signal: this.stopping.signal,
      round: (signal) => this.session(signal),
      onError: (error, failures) => {
        this.options.logger[failures <= 3 ? 'warn' : 'debug'](
          { cluster: this.name, err: error, attempt: failures },
          'source not available; retrying',
        );
        return reconnectDelay(failures);
      },
    });
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
    this.stopping.abort();
    await this.loop?.done;
  }

  /** One round of the loop: a consumer session; the next one follows after a back-off. */
  private async session(signal: AbortSignal): Promise<number> {
    if (this.stopped) {
      this.stopping.abort(); // quiesced: no new session, the loop ends
      return 0;
    }
    await consumerSession(
      this.options,
      {
        onConsumer: (consumer) => (this.consumer = consumer),
        onAssigned: (consumer, assignment) => {
          // New assignment: forget gap bookkeeping (outcomes of older fetches become stale)
          // and start each partition at its stored offset.
          this.partitions.clear();
          void this.seekToStored(consumer, assignment);
        },
        eachBatch: (payload) =>
          this.onBatch(payload.batch, payload.resolveOffset, payload.heartbeat, payload.isStale),
        onRunning: (running) => (this.running = running),
        beforeLeave: () => this.flushCommits(),
      },
      signal,
    );
    return this.stopped ? 0 : reconnectDelay(0);
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
