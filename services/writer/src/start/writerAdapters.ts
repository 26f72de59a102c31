/*
 * The writer's connections built from the config when the caller injects none (docs/writer.md):
 * signing key, Postgres pool, Redis accelerator, Kafka event log. What is built here is closed
 * by the writer's `close()` (`owned`, in order); injected adapters are not.
 */
import { readRegionKeys, topics, type ConcordConfig, type RegionConfig } from '@concord/config';
import { ConcordError, createSigner, type EnvelopeSigner } from '@concord/core';
import { createKafka } from '@concord/kafka';
import { createPool, type pg } from '@concord/postgres';
import { createRedis, type Redis } from '@concord/redis';
import type { Logger } from '@concord/telemetry';
import type { EventLog } from '../append/EventLog.js';
import { KafkaEventLog } from '../append/KafkaEventLog.js';
import type { StartWriterOptions } from './writerTypes.js';

export interface WriterAdapters {
  readonly signer: EnvelopeSigner;
  readonly pool: pg.Pool;
  /** Undefined: appending without Redis. */
  readonly redis: Redis | undefined;
  readonly eventLog: EventLog;
  /** Closers of what was built here, to run in order on close. */
  readonly owned: (() => Promise<void>)[];
}

export async function writerAdapters(
  config: ConcordConfig,
  rc: RegionConfig,
  options: StartWriterOptions,
  logger: Logger,
): Promise<WriterAdapters> {
  const region = rc.id;
  const requestTimeoutMs = config.kafka.requestTimeoutMs;
  const signer =
    options.signer ??
    (() => {
      const pem = readRegionKeys(config, region).privateKeyPem;
      if (pem === undefined)
        throw new ConcordError('CONFIG_INVALID', `no signing key for region ${region}`);
      return createSigner(region, pem);
    })();

  const owned: (() => Promise<void>)[] = [];
  const pool =
    options.pool ??
    (() => {
      const p = createPool(rc.postgres.url, {
        max: 10,
        connectionTimeoutMillis: 1000,
        statementTimeoutMs: 5000,
        applicationName: `concord-writer-${region}`,
      });
      owned.push(() => p.end());
      return p;
    })();

  let redis: Redis | undefined;
  if (options.redis === undefined) {
    let lastError = 0;
    const client = createRedis({
      url: rc.redis.url,
      keyPrefix: rc.redis.keyPrefix,
      // Concurrent appends' commands share writes to the socket (order is kept).
      autoPipelining: true,
      onError: (error) => {
        if (Date.now() - lastError < 10_000) return;
        lastError = Date.now();
        logger.warn({ err: error }, 'redis unreachable: appending without the accelerator');
      },
    });
    client.on('ready', () => logger.info('redis connected'));
    owned.push(async () => {
      client.disconnect();
    });
    redis = client;
  } else {
    redis = options.redis ?? undefined;
  }

  let eventLog = options.eventLog;
  if (!eventLog) {
    const kafka = createKafka({
      clientId: `concord-writer-${region}`,
      brokers: rc.kafka.brokers,
      requestTimeoutMs,
      connectionTimeoutMs: Math.min(3000, requestTimeoutMs),
      retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
      // kafkajs is chatty: warnings and worse only (never below the service's own level).
      logger: logger.child(
        { component: 'kafkajs' },
        { level: logger.levelVal > 40 ? logger.level : 'warn' },
      ),
    });
    const log = new KafkaEventLog(kafka, {
      topic: topics(config).events(region),
      deadlineMs: requestTimeoutMs,
    });
    await log.connect();
    owned.unshift(() => log.close()); // flushed before the connections close
    eventLog = log;
  }
  return { signer, pool, redis, eventLog, owned };
}
