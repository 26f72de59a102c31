import { trace } from '@opentelemetry/api';
import {
  eventSource,
  readRegionKeys,
  requireRegion,
  topics,
  type ConcordConfig,
} from '@concord/config';
import { DomainRegistry, HybridLogicalClock, RegionKeyring } from '@concord/core';
import { defaultDomains } from '@concord/domains';
import { createHttpApp } from '@concord/http';
import { APPLIED_CHANNEL, FENCE_CHANNEL, listen } from '@concord/postgres';
import { isRedisReady, StreamLock } from '@concord/redis';
import { createLogger, createMetrics } from '@concord/telemetry';
import { Appender } from './append/Appender.js';
import { InflightLimiter } from './append/InflightLimiter.js';
import { StreamSerializer } from './append/StreamSerializer.js';
import { Fence } from './fence/Fence.js';
import { PostgresFenceStore } from './fence/FenceStore.js';
import { HeadsCache } from './heads/HeadsCache.js';
import { OwnChainStore } from './heads/OwnChainStore.js';
import { PostgresSnapshotSource } from './heads/ProjectionSnapshots.js';
import { registerAdminRoutes } from './http/adminRoutes.js';
import { registerAppendRoutes } from './http/appendRoutes.js';
import { registerReadRoutes } from './http/readRoutes.js';
import { registerSessionRoutes } from './http/sessionRoutes.js';
import { IdempotencyStore } from './idempotency/IdempotencyStore.js';
import { AppliedWaiter } from './reads/AppliedWaiter.js';
import { PostgresProjectionReader } from './reads/ProjectionReader.js';
import { SessionGate } from './session/SessionGate.js';
import { writerAdapters } from './start/writerAdapters.js';
import {
  DEFAULT_TUNING,
  type RunningWriter,
  type StartWriterOptions,
  type WriterTuning,
} from './start/writerTypes.js';

export {
  DEFAULT_TUNING,
  type RunningWriter,
  type StartWriterOptions,
  type WriterTuning,
} from './start/writerTypes.js';

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
 * The composition root of its parts in start/ (types, adapters built from the config).
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

  const { signer, pool, redis, eventLog, owned } = await writerAdapters(
    config,
    rc,
    options,
    logger,
  );

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
  const reader = new PostgresProjectionReader(pool, (origin) => {
    if (!config.byRegion[origin]) return undefined;
    const { topic } = eventSource(config, origin, region);
    return topic === topics(config).events(origin) ? topic : undefined;
  });
  const waiter = new AppliedWaiter((marks) => reader.applied(marks), {
    intervalMs: tuning.readPollMs,
    maxWaiters: tuning.maxWaitingReads,
  });
  const sessions = new SessionGate({
    signer,
    keyring: options.keyring ?? RegionKeyring.from(readRegionKeys(config).publicKeysPem),
    namespace: config.namespace,
    waiter,
    now,
    // Copies of other regions' topics (mm2) have other offsets: cover writes by id there.
    byPosition: config.replication.mode === 'direct',
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
  registerSessionRoutes(app, { region, tracer, sessions });
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
  {
    // The mirror's commits notify concord_applied: waiting reads check at once. A fence write
    // anywhere in the region notifies concord_fence at commit (unless a test injects the
    // fence store): re-read it then.
    const fenceFromPostgres = !options.fenceStore;
    const listener = listen({
      connectionString: rc.postgres.url,
      channels: fenceFromPostgres ? [APPLIED_CHANNEL, FENCE_CHANNEL] : [APPLIED_CHANNEL],
      applicationName: `concord-writer-${region}-listen`,
      onNotify: (channel) => (channel === APPLIED_CHANNEL ? waiter.wake() : fence.wake()),
      onListening: () => {
        if (fenceFromPostgres) fence.wake();
        waiter.wake();
      },
      onError: (error) => logger.debug({ err: error }, 'listener: reconnecting'),
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
