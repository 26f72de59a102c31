import { ConcordError } from '@concord/core';
import {
  Partitioners,
  type ICustomPartitioner,
  type IHeaders,
  type Kafka,
  type Message,
  type Producer,
  type RecordMetadata,
} from 'kafkajs';
import { mapKafkaError } from './kafkaErrors.js';
import { produceError, type ProduceStage } from './produceOutcome.js';

export interface OutgoingRecord {
  topic: string;
  /** Kafka key (the stream id for events), so one stream stays in one partition. */
  key: string | Buffer | null;
  value: Buffer | string;
  headers?: IHeaders;
  /** Explicit partition (e.g. a totally ordered feed on partition 0). Default: by key. */
  partition?: number;
}

/** Where the broker wrote an acknowledged record. */
export interface RecordPosition {
  readonly partition: number;
  /** Kafka offset (a safe integer: offsets stay far below 2^53). */
  readonly offset: number;
}

export interface EventProducerOptions {
  /** Records per produce request, at most. Default 500. */
  maxBatchRecords?: number;
  /** Bytes per produce request, at most (values only). Default 8 MiB. */
  maxBatchBytes?: number;
  /**
   * Hard deadline of one produce request in ms; past it the batch fails with OUTCOME_UNKNOWN
   * (the broker may still have it) and the producer is replaced. Default 8000.
   */
  deadlineMs?: number;
  /** Producer-level retries inside kafkajs before failing a batch. Default 2. */
  retries?: number;
  /** Idempotent producer with acks=-1 (the default) or a plain one (acks=-1 still). */
  idempotent?: boolean;
}

interface Pending {
  record: OutgoingRecord;
  bytes: number;
  /** How far the record got: `queued` → `connecting` (taken by a batch) → `in-request`. */
  stage: ProduceStage;
  settled: boolean;
  resolve: (position: RecordPosition | undefined) => void;
  reject: (error: ConcordError) => void;
}

/** Optional controls of one `send`. */
export interface SendOptions {
  /**
   * Withdraws the record when aborted before a produce request carries it: the send then
   * rejects with a definite BUS_UNAVAILABLE (nothing was or will be written). Aborting later
   * changes nothing: the request's own outcome (or deadline) decides.
   */
  readonly signal?: AbortSignal;
}

/**
 * A group-committing Kafka producer: callers `send` records one by one; a single sender loop
 * ships whatever is queued as one produce request (acks=-1, idempotent, one request in
 * flight), then resolves each caller once the broker acknowledged. Batching is what makes one
 * in-flight request per producer fast.
 *
 * After a failed batch the underlying kafkajs producer is discarded and a fresh one (with a
 * new producer id) is created on the next send, so a request that timed out can never be
 * confused with a retried one.
 *
 * A failure says what it proves (`classifyProduceFailure`): OUTCOME_UNKNOWN once the batch was
 * handed to kafkajs, a definite BUS_UNAVAILABLE (or UNAUTHORIZED / FORBIDDEN) before that.
 */
export class EventProducer {
  private readonly queue: Pending[] = [];
  private producer: Producer | undefined;
  private connecting: Promise<Producer> | undefined;
  private sending = false;
  private closed = false;
  private readonly maxRecords: number;
  private readonly maxBytes: number;
  private readonly deadlineMs: number;
  private readonly retries: number;
  private readonly idempotent: boolean;
  private idle: (() => void)[] = [];
  /** The partition kafkajs's default partitioner chose for each message of a request. */
  private readonly chosen = new WeakMap<Message, number>();

  constructor(
    private readonly kafka: Kafka,
    options: EventProducerOptions = {},
  ) {
    this.maxRecords = options.maxBatchRecords ?? 500;
    this.maxBytes = options.maxBatchBytes ?? 8 * 1024 * 1024;
    this.deadlineMs = options.deadlineMs ?? 8000;
    this.retries = options.retries ?? 2;
    this.idempotent = options.idempotent ?? true;
  }

  /** Connects eagerly (optional: `send` connects on demand). */
  async connect(): Promise<void> {
    await this.ensureProducer();
  }

  /** Number of records waiting for a produce request. */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Resolves once the broker acknowledged the record (acks=-1), with where it was written
   * (undefined only if the broker's answer did not say).
   */
  send(record: OutgoingRecord, options: SendOptions = {}): Promise<RecordPosition | undefined> {
    if (this.closed) {
      return Promise.reject(
        new ConcordError('BUS_UNAVAILABLE', 'producer is closed', {
          retriable: false,
          details: { stage: 'queued', ambiguous: false },
        }),
      );
    }
    const bytes =
      typeof record.value === 'string' ? Buffer.byteLength(record.value) : record.value.length;
    return new Promise<RecordPosition | undefined>((resolve, reject) => {
      const pending: Pending = {
        record,
        bytes,
        stage: 'queued',
        settled: false,
        resolve: (position) => {
          if (pending.settled) return;
          pending.settled = true;
          options.signal?.removeEventListener('abort', withdraw);
          resolve(position);
        },
        reject: (error) => {
          if (pending.settled) return;
          pending.settled = true;
          options.signal?.removeEventListener('abort', withdraw);
          reject(error);
        },
      };
      const withdraw = () => {
        if (pending.stage === 'in-request') return;
        const at = this.queue.indexOf(pending);
        if (at >= 0) this.queue.splice(at, 1);
        pending.reject(
          new ConcordError(
            'BUS_UNAVAILABLE',
            `produce: not sent (withdrawn while ${pending.stage})`,
            {
              details: { stage: pending.stage, ambiguous: false },
            },
          ),
        );
      };
      if (options.signal?.aborted) {
        withdraw();
        return;
      }
      options.signal?.addEventListener('abort', withdraw, { once: true });
      this.queue.push(pending);
      if (!this.sending) void this.pump();
    });
  }

  /** Waits for queued records, then disconnects. */
  async disconnect(): Promise<void> {
    this.closed = true;
    if (this.sending || this.queue.length > 0) {
      await new Promise<void>((resolve) => this.idle.push(resolve));
    }
    await this.discardProducer();
  }

  private async pump(): Promise<void> {
    this.sending = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.takeBatch();
        try {
          const positions = await this.sendBatch(batch);
          for (const p of batch) p.resolve(positions.get(p));
        } catch (error) {
          // Records withdrawn meanwhile are settled already (reject is a no-op for them).
          for (const p of batch) p.reject(produceError(error, p.stage));
          await this.discardProducer();
        }
      }
    } finally {
      this.sending = false;
      const waiters = this.idle;
      this.idle = [];
      for (const w of waiters) w();
    }
  }

  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    let bytes = 0;
    while (this.queue.length > 0 && batch.length < this.maxRecords) {
      const next = this.queue[0]!;
      if (batch.length > 0 && bytes + next.bytes > this.maxBytes) break;
      const taken = this.queue.shift()!;
      taken.stage = 'connecting';
      batch.push(taken);
      bytes += next.bytes;
    }
    return batch;
  }

  /** Sends one produce request; answers where each record of it was written. */
  private async sendBatch(taken: Pending[]): Promise<Map<Pending, RecordPosition>> {
    const producer = await this.ensureProducer();
    // Withdrawn while the producer connected: those callers were told "not sent", so they stay so.
    const batch = taken.filter((p) => !p.settled);
    if (batch.length === 0) return new Map();
    for (const p of batch) p.stage = 'in-request';
    const byTopic = new Map<string, Message[]>();
    const messageOf = new Map<Pending, Message>();
    for (const p of batch) {
      const { record } = p;
      const messages = byTopic.get(record.topic) ?? [];
      const message: Message = {
        key: record.key,
        value: record.value,
        ...(record.headers === undefined ? {} : { headers: record.headers }),
        ...(record.partition === undefined ? {} : { partition: record.partition }),
      };
      messages.push(message);
      messageOf.set(p, message);
      byTopic.set(record.topic, messages);
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new ConcordError('OUTCOME_UNKNOWN', `no acknowledgement within ${this.deadlineMs} ms`, {
              details: { ambiguous: true },
            }),
          ),
        this.deadlineMs,
      );
    });
    let metadata: RecordMetadata[];
    try {
      metadata = await Promise.race([
        producer.sendBatch({
          acks: -1,
          timeout: this.deadlineMs,
          topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        }),
        deadline,
      ]);
    } finally {
      clearTimeout(timer);
    }
    return this.positions(batch, messageOf, metadata);
  }

  /**
   * Each record's offset: the broker writes one request's records of a partition as one batch
   * at consecutive offsets from the partition's `baseOffset`, in the order of the request (a
   * retried idempotent request is answered with the first one's offsets).
   */
  private positions(
    batch: readonly Pending[],
    messageOf: ReadonlyMap<Pending, Message>,
    metadata: readonly RecordMetadata[],
  ): Map<Pending, RecordPosition> {
    const next = new Map<string, number>();
    for (const m of metadata) {
      const base = m.baseOffset ?? m.offset;
      if (base !== undefined) next.set(`${m.topicName}\u0000${m.partition}`, Number(base));
    }
    const positions = new Map<Pending, RecordPosition>();
    for (const p of batch) {
      const partition = this.chosen.get(messageOf.get(p)!);
      if (partition === undefined) continue;
      const key = `${p.record.topic}\u0000${partition}`;
      const offset = next.get(key);
      if (offset === undefined) continue;
      next.set(key, offset + 1);
      positions.set(p, { partition, offset });
    }
    return positions;
  }

  /** kafkajs's default partitioner (murmur2 of the key), noting the partition of each message. */
  private readonly partitioner: ICustomPartitioner = () => {
    const inner = Partitioners.DefaultPartitioner();
    return (args) => {
      const partition = inner(args);
      this.chosen.set(args.message, partition);
      return partition;
    };
  };

  private async ensureProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    this.connecting ??= (async () => {
      const producer = this.kafka.producer({
        idempotent: this.idempotent,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: this.partitioner,
        retry: { retries: this.retries, initialRetryTime: 100, maxRetryTime: 1000 },
      });
      try {
        await producer.connect();
      } catch (error) {
        await producer.disconnect().catch(() => undefined);
        throw mapKafkaError(error, 'producer connect');
      }
      this.producer = producer;
      return producer;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async discardProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }
}
