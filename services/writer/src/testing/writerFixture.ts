/**
 * Support for the writer's integration tests (not part of the build): a namespace of its own
 * on the local stack, a writer started in-process, an HTTP client, the region's events topic
 * read back from Kafka, and projection rows seeded the way the mirror writes them.
 */
import { randomBytes } from 'node:crypto';
import { topics, type ConcordConfig } from '@concord/config';
import {
  bucketOf,
  DomainRegistry,
  eventSetSum,
  foldStream,
  stateHash,
  streamCategory,
  type Envelope,
} from '@concord/core';
import { defaultDomains } from '@concord/domains';
import { createKafka } from '@concord/kafka';
import { createPool, type pg } from '@concord/postgres';
import { createLogger } from '@concord/telemetry';
import {
  cleanupNamespace,
  createDatabases,
  createTopics,
  jsonClient,
  testConfig,
} from '@concord/test-support';
import { startWriter, type RunningWriter, type StartWriterOptions } from '../startWriter.js';

export const API_TOKEN = 'api-token-for-writer-tests-0001';
export const ADMIN_TOKEN = 'admin-token-for-writer-tests-01';

/** A config of a fresh namespace, region `us`, with tokens. */
export function writerTestConfig(overrides: Record<string, string> = {}): ConcordConfig {
  return testConfig({
    CONCORD_REGION: 'us',
    CONCORD_API_TOKENS: API_TOKEN,
    CONCORD_ADMIN_TOKEN: ADMIN_TOKEN,
    CONCORD_LOG_LEVEL: 'silent',
    ...overrides,
  });
}

/** Creates the namespace's topics and database of region us. */
export async function prepareNamespace(config: ConcordConfig): Promise<void> {
  await Promise.all([createTopics(config, ['us']), createDatabases(config, ['us'])]);
}

export async function cleanup(config: ConcordConfig): Promise<void> {
  await cleanupNamespace(config);
}

export function startTestWriter(
  config: ConcordConfig,
  options: StartWriterOptions = {},
): Promise<RunningWriter> {
  return startWriter(config, {
    port: 0,
    logger: createLogger({ service: 'writer', region: 'us', level: 'silent' }),
    ...options,
  });
}

/** A small HTTP client for a writer. */
export function client(base: string, token: string | null = API_TOKEN) {
  const http = jsonClient(base, token);
  return {
    call: http.call,
    append: (stream: string, body: unknown, headers?: Record<string, string>) =>
      http.call<{ event: Envelope; duplicate: boolean; error?: { code: string } }>(
        'POST',
        `/v1/streams/${encodeURIComponent(stream)}/events`,
        body,
        headers,
      ),
    get: http.get,
  };
}

export interface TopicRecord {
  key: string;
  value: Envelope;
  headers: Record<string, string>;
  partition: number;
  offset: string;
}

/** Every record of the region's events topic, read from the beginning. */
export async function readEventsTopic(
  config: ConcordConfig,
  region = 'us',
): Promise<TopicRecord[]> {
  const topic = topics(config).events(region);
  const kafka = createKafka({
    clientId: 'writer-test-reader',
    brokers: config.byRegion[region]!.kafka.brokers,
  });
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(
    offsets.filter((o) => o.high !== o.low).map((o) => [o.partition, BigInt(o.high)]),
  );
  const records: TopicRecord[] = [];
  if (remaining.size === 0) return records;
  const consumer = kafka.consumer({ groupId: `writer-test-${randomBytes(6).toString('hex')}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('reading the topic took too long')), 60_000);
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) {
          if (v !== undefined) headers[k] = String(v);
        }
        records.push({
          key: message.key?.toString() ?? '',
          value: JSON.parse(message.value!.toString()) as Envelope,
          headers,
          partition,
          offset: message.offset,
        });
        const high = remaining.get(partition);
        if (high !== undefined && BigInt(message.offset) + 1n >= high) remaining.delete(partition);
        if (remaining.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return records;
}

export function regionPool(config: ConcordConfig, region = 'us'): pg.Pool {
  return createPool(config.byRegion[region]!.postgres.url, { max: 2 });
}

/**
 * Seeds the projection with `events` (one stream, causally closed) the way the mirror stores
 * them: folded from scratch, every event at its fold position, the stream row with its state,
 * heads, version and digests. Replaces what was there for the stream. The mirror is built in
 * parallel, so the writer's read tests do not depend on it.
 */
export async function seedProjection(pool: pg.Pool, events: readonly Envelope[]): Promise<void> {
  const stream = events[0]!.stream;
  const domain = new DomainRegistry(defaultDomains).forStream(stream);
  const fold = foldStream(events, domain.reducer);
  const noops = new Set(fold.noops);
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('delete from projection.events where stream = $1', [stream]);
    await client.query('delete from projection.streams where stream = $1', [stream]);
    for (const [position, event] of fold.order.entries()) {
      const e = event as Envelope;
      await client.query(
        `insert into projection.events (id, stream, type, origin, hlc_wall, hlc_logical, parents,
           caused_by, idempotency_key, idempotency_noop, data, envelope, fold_pos, source, accepted_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
        [
          e.id,
          e.stream,
          e.type,
          e.origin,
          e.hlc.wall,
          e.hlc.logical,
          e.parents,
          e.causedBy ?? null,
          e.idempotencyKey ?? null,
          noops.has(e.id),
          e.data,
          e,
          position,
          `seed`,
          typeof e.meta.acceptedAt === 'string' ? e.meta.acceptedAt : null,
        ],
      );
    }
    await client.query(
      `insert into projection.streams (stream, category, state, heads, version, ids_hash, state_hash, bucket)
       values ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        stream,
        streamCategory(stream),
        JSON.stringify(fold.state),
        fold.heads,
        fold.version,
        eventSetSum(events.map((e) => e.id)),
        stateHash(fold.state),
        bucketOf(stream),
      ],
    );
    await client.query('commit');
  } catch (error) {
    await client.query('rollback');
    throw error;
  } finally {
    client.release();
  }
}
