import { trace, type Tracer } from '@opentelemetry/api';
import { readRegionKeys, requireRegion, topics, type ConcordConfig } from '@concord/config';
import {
  ConcordError,
  createSigner,
  DomainRegistry,
  HybridLogicalClock,
  RegionKeyring,
  type EnvelopeSigner,
} from '@concord/core';
import { defaultDomains } from '@concord/domains';
import { createHttpApp, type FastifyInstance } from '@concord/http';
import { createKafka } from '@concord/kafka';
import { createPool, FENCE_CHANNEL, listen, type pg } from '@concord/postgres';
import { createRedis, isRedisReady, StreamLock, type Redis } from '@concord/redis';
import { createLogger, createMetrics, type Logger, type Metrics } from '@concord/telemetry';
import { Appender } from './append/Appender.js';
import type { EventLog } from './append/EventLog.js';
import { InflightLimiter } from './append/InflightLimiter.js';
import { KafkaEventLog } from './append/KafkaEventLog.js';
import { StreamSerializer } from './append/StreamSerializer.js';
import { Fence } from './fence/Fence.js';
import { PostgresFenceStore, type FenceStore } from './fence/FenceStore.js';
import { HeadsCache } from './heads/HeadsCache.js';
import { OwnChainStore } from './heads/OwnChainStore.js';
import { PostgresSnapshotSource } from './heads/ProjectionSnapshots.js';
import { registerAdminRoutes } from './http/adminRoutes.js';
import { registerAppendRoutes } from './http/appendRoutes.js';
import { registerReadRoutes } from './http/readRoutes.js';
import { IdempotencyStore } from './idempotency/IdempotencyStore.js';
import { AppliedWaiter } from './reads/AppliedWaiter.js';
import { PostgresProjectionReader } from './reads/ProjectionReader.js';
import { SessionGate } from './session/SessionGate.js';

/** Knobs that are not (yet) settings of `@concord/config`; every one has a default. */
export interface WriterTuning {
  /** Lifetime of an idempotency record in Redis, ms. Default 24 h. */
  readonly idempotencyTtlMs: number;
  /** Longest own chain kept per stream. Default 10 000. */
  readonly chainCap: number;
  /** Lifetime of the Redis own chain and heads cache after the last append, ms. Default 24 h. */
  readonly cacheTtlMs: number;
  /** Streams whose chain and heads this process keeps in memory. Default 50 000. */
  readonly localStreams: number;
  /** Envelope bytes kept in memory for own unprojected events. Default 64 MiB. */
  readonly localChainBytes: number;
  /** States cached for Postgres outages up to this size (serialized), bytes. Default 64 KiB. */
  readonly maxCachedStateBytes: number;
  /** How often the stored fence is re-read, ms. Default 250. */
  readonly fencePollMs: number;
  /** `waitMs` of read-your-writes: default 5 000, at most 30 000 ms. */
  readonly readWaitDefaultMs: number;
  readonly readWaitMaxMs: number;
  /** Pause between two checks for awaited events, ms. Default 25. */
  readonly readPollMs: number;
  /** Reads waiting at once (429 beyond). Default 10 000. */
  readonly maxWaitingReads: number;
  /** Page size of `GET …/events`: default 100, at most 1 000. */
  readonly pageSizeDefault: number;
  readonly pageSizeMax: number;
  /** Streams of one batch read (`POST /v1/reads`). Default 100. */
  readonly batchReadMax: number;
  /** Body limit of `POST /v1/events`, bytes. Default 16 MiB. */
  readonly batchBodyLimit: number;
}

export const DEFAULT_TUNING: WriterTuning = {
  idempotencyTtlMs: 24 * 3600_000,
  chainCap: 10_000,
  cacheTtlMs: 24 * 3600_000,
  localStreams: 50_000,
  localChainBytes: 64 * 1024 * 1024,
  maxCachedStateBytes: 64 * 1024,
  fencePollMs: 5000,
  readWaitDefaultMs: 5_000,
  readWaitMaxMs: 30_000,
  readPollMs: 25,
  maxWaitingReads: 10_000,
  pageSizeDefault: 100,
  pageSizeMax: 1_000,
  batchReadMax: 100,
  batchBodyLimit: 16 * 1024 * 1024,
};

export interface StartWriterOptions {
  /** Port to listen on; 0 picks a free one. Default: config.byRegion[region].writer.port. */
  readonly port?: number;
  /** Interface to listen on. Default 127.0.0.1. */
  readonly host?: string;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  /** Default: the global tracer (a no-op unless main.ts started the OpenTelemetry SDK). */
  readonly tracer?: Tracer;
  /** Default: the shipped domains (account, cart, profile) and merge patch for the rest. */
  readonly domains?: DomainRegistry;
  /** Default: the region's key from config.keys.dir (`<region>.key`). */
  readonly signer?: EnvelopeSigner;
  /** Public keys that session tokens are checked with. Default: every region's from config.keys.dir. */
  readonly keyring?: RegionKeyring;
  /**
   * Physical clock in ms. Default Date.now. The HLC and every time read of the append path:
   * `meta.acceptedAt`, the heads cache's `at`, the Postgres breaker, the Redis warning's rate
   * limit (docs/writer.md); also the session tokens' clock.
   */
  readonly now?: () => number;
  /** Injected adapters (not closed by `close()`); default: built from the config. */
  readonly eventLog?: EventLog;
  /** An ioredis client with the region's key prefix, or null to run without Redis. */
  readonly redis?: Redis | null;
  readonly pool?: pg.Pool;
  readonly fenceStore?: FenceStore;
  readonly tuning?: Partial<WriterTuning>;
}

export interface RunningWriter {
  readonly region: string;
  readonly url: string;
  readonly port: number;
  readonly app: FastifyInstance;
  readonly metrics: Metrics;
  /** Appends in flight right now. */
  inflight(): number;
  /** Stops accepting, drains in-flight appends, flushes the producer, closes connections. */
  close(): Promise<void>;
}

/** Resolves within `ms` with the promise's value, or with `fallback`. */
function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.catch(() => fallback),
    new Promise<T>((resolve) => {
      timer = setTimeout(() => resolve(fallback), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Starts the writer of `config.region`: the HTTP API of docs/writer.md §1 on its port, appending to
 * the region's Kafka topic, reading the regional projection, with Redis as accelerator. Tests
 * run writers in-process through it (port 0, injected adapters); `main.ts` runs one per process.
 */
export async function startWriter(
  config: ConcordConfig,
  options: StartWriterOptions = {},
): Promise<RunningWriter> {
  const rc = requireRegion(config);
  const region = rc.id;
  const tuning: WriterTuning = { ...DEFAULT_TUNING, ...options.tuning };
  const logger =
    options.logger ?? createLogger({ service: 'writer', region, level: config.log.level });
  const metrics = options.metrics ?? createMetrics({ region, service: 'writer' });
  const tracer = options.tracer ?? trace.getTracer('concord-writer');
  const now = options.now ?? Date.now;
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

  const fence = new Fence(options.fenceStore ?? new PostgresFenceStore(pool), metrics, logger, {
    pollMs: tuning.fencePollMs,
  });
  const limiter = new InflightLimiter(config.limits.maxInflightAppends);
  const appender = new Appender({
    region,
    topic: topics(config).events(region),
    signer,
    clock: new HybridLogicalClock({ now, maxDriftMs: config.limits.hlcMaxDriftMs }),
    now,
    domains: options.domains ?? new DomainRegistry(defaultDomains),
    log: eventLog,
    snapshots: new PostgresSnapshotSource(pool),
    chains: new OwnChainStore(redis, {
      cap: tuning.chainCap,
      ttlMs: tuning.cacheTtlMs,
      maxStreams: tuning.localStreams,
      maxBytes: tuning.localChainBytes,
    }),
    headsCache: new HeadsCache(redis, {
      ttlMs: tuning.cacheTtlMs,
      maxStreams: tuning.localStreams,
    }),
    idempotency: new IdempotencyStore(redis, tuning.idempotencyTtlMs),
    serializer: new StreamSerializer(
      redis ? new StreamLock(redis) : undefined,
      // The lock must outlive the longest critical section (Postgres + Kafka deadline).
      { ttlMs: 2 * requestTimeoutMs + 5000, waitMs: requestTimeoutMs },
      logger,
    ),
    fence,
    maxEventBytes: config.limits.maxEventBytes,
    maxCachedStateBytes: tuning.maxCachedStateBytes,
    metrics,
    logger,
    tracer,
  });
  const reader = new PostgresProjectionReader(pool);
  const waiter = new AppliedWaiter((ids) => reader.applied(ids), {
    intervalMs: tuning.readPollMs,
    maxWaiters: tuning.maxWaitingReads,
  });
  const sessions = new SessionGate({
    signer,
    keyring: options.keyring ?? RegionKeyring.from(readRegionKeys(config).publicKeysPem),
    namespace: config.namespace,
    waiter,
    now,
  });

  let pgProbe: { at: number; ok: Promise<boolean> } | undefined;
  const postgresReady = () => {
    if (pgProbe && Date.now() - pgProbe.at < 1000) return pgProbe.ok;
    pgProbe = {
      at: Date.now(),
      ok: within(
        pool.query('select 1').then(() => true),
        1500,
        false,
      ),
    };
    return pgProbe.ok;
  };

  const appendBodyLimit = 2 * config.limits.maxEventBytes;
  const app = await createHttpApp({
    service: 'writer',
    region,
    logger,
    metrics,
    auth: config.auth,
    bodyLimit: appendBodyLimit,
    maxParamLength: 1000,
    readiness: async () => {
      const [kafka, postgres] = await Promise.all([eventLog.ready(), postgresReady()]);
      return {
        kafka,
        postgres,
        redis: redis !== undefined && isRedisReady(redis),
        // Reported, not required: a fenced writer is up (reads work) but refuses appends, so
        // clients fail their writes over (docs/client.md).
        writable: !fence.fenced,
      };
    },
    optionalChecks: ['redis', 'writable'],
    openapi: {
      title: 'Concord writer',
      version: '1',
      description:
        'The regional write and read API of Concord (docs/writer.md §1). Errors are `{"error": {"code", "message", "details"?}}` with stable codes.',
    },
  });
  // While shutting down, answers close their connection: a keep-alive connection whose request
  // was drained would otherwise hold the server open until its keep-alive timeout.
  let stopping = false;
  app.addHook('onSend', async (_request, reply) => {
    if (stopping) void reply.header('connection', 'close');
  });
  registerAppendRoutes(app, {
    region,
    appender,
    limiter,
    fence,
    tracer,
    logger,
    sessions,
    maxBatchItems: config.limits.maxBatchItems,
    appendBodyLimit,
    batchBodyLimit: tuning.batchBodyLimit,
  });
  registerReadRoutes(app, {
    region,
    reader,
    waiter,
    tracer,
    sessions,
    defaultWaitMs: tuning.readWaitDefaultMs,
    maxWaitMs: tuning.readWaitMaxMs,
    defaultPageSize: tuning.pageSizeDefault,
    maxPageSize: tuning.pageSizeMax,
    maxBatchReads: tuning.batchReadMax,
  });
  registerAdminRoutes(app, { region, fence, appender, limiter, tracer });

  // Start serialised: without this, the first appends would run before Redis answers, without
  // the lock and without the shared chain (a fork with another writer). Redis being down at
  // start only delays the start by this bound.
  if (redis && !isRedisReady(redis)) {
    const client = redis;
    await within(
      new Promise<boolean>((resolve) => client.once('ready', () => resolve(true))),
      2000,
      false,
    );
  }
  await fence.start();
  if (!options.fenceStore) {
    // A fence write anywhere in the region notifies concord_fence at commit: re-read it then.
    const listener = listen({
      connectionString: rc.postgres.url,
      channels: [FENCE_CHANNEL],
      applicationName: `concord-writer-${region}-listen`,
      onNotify: () => fence.wake(),
      onListening: () => fence.wake(),
      onError: (error) => logger.debug({ err: error }, 'fence listener: reconnecting'),
    });
    owned.unshift(() => listener.close());
  }
  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port ?? rc.writer.port, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  logger.info({ port, host }, 'writer listening');

  let closing: Promise<void> | undefined;
  return {
    region,
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    port,
    app,
    metrics,
    inflight: () => limiter.current,
    close: () =>
      (closing ??= (async () => {
        stopping = true;
        waiter.close(); // waiting reads answer at once instead of holding the shutdown
        await app.close(); // stop accepting; in-flight requests finish (their appends drain)
        await limiter.drained(2 * requestTimeoutMs);
        await fence.stop();
        for (const close of owned) await close().catch(() => undefined);
        logger.info('writer stopped');
      })()),
  };
}
