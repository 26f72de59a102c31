import { availableParallelism } from 'node:os';
import { trace, type Tracer } from '@opentelemetry/api';
import { topics, type ConcordConfig, type RegionId } from '@concord/config';
import {
  ConcordError,
  DomainRegistry,
  RegionKeyring,
  sleep,
  withRetry,
  type Envelope,
} from '@concord/core';
import { accountDomain, cartDomain, defaultDomains, profileDomain } from '@concord/domains';
import { createHttpApp } from '@concord/http';
import { createKafka, EventProducer, kafkaSecurityFor } from '@concord/kafka';
import { createPool, migrate, withClient } from '@concord/postgres';
import { readRegionKeys } from '@concord/config';
import { createLogger, createMetrics, type Logger, type Metrics } from '@concord/telemetry';
import { registerMirrorRoutes } from './admin/mirrorRoutes.js';
import { recomputeStreams } from './admin/recomputeStreams.js';
import { Applier, type ApplierStats } from './apply/Applier.js';
import { SourceConsumer } from './consume/SourceConsumer.js';
import { planSources, type SourceCluster } from './consume/sources.js';
import { VerifierPool } from './consume/VerifierPool.js';
import { OutboxPublisher } from './feed/OutboxPublisher.js';
import { LIVE_SCHEMA } from './store/locks.js';
import { ProjectionStore } from './store/ProjectionStore.js';
import { SourceMetrics } from './telemetry/sourceMetrics.js';
import {
  applyHealth,
  registerApplyHealthMetrics,
  type MirrorBacklog,
} from './telemetry/applyHealth.js';
import { outboxSummary, pendingSummary, type PendingSummary } from './store/statusQueries.js';
import { MirrorTelemetry } from './telemetry/MirrorTelemetry.js';

/** Options of {@link startMirror}; every one has a default. */
export interface StartMirrorOptions {
  /** Region served. Default: `config.region` (CONCORD_REGION). */
  readonly region?: RegionId;
  /** HTTP port (0: any free port). Default: `config.byRegion[region].mirror.port`. */
  readonly port?: number;
  /** HTTP listen address. Default `config.bindHost` (CONCORD_BIND_HOST). */
  readonly host?: string;
  readonly logger?: Logger;
  /** Prometheus metrics (a fresh registry by default). */
  readonly metrics?: Metrics;
  /** OpenTelemetry tracer for the consumer spans. Default: the global tracer provider's. */
  readonly tracer?: Tracer;
  /** Domain modules by category. Default: the shipped domains (account, cart, profile). */
  readonly domains?: DomainRegistry;
  /** Records per apply transaction, at most. Default 4000. */
  readonly maxTransactionRecords?: number;
  /** Distance between fold checkpoints, in events. Default 128. */
  readonly checkpointEvery?: number;
  /** Period of the pending safety sweep, in ms. Default 30 000. */
  readonly sweepIntervalMs?: number;
  /** Period of the gauges refresh (pending, conflicts, backlogs), in ms. Default 1000. */
  readonly statsIntervalMs?: number;
  /** Publish the applied feed and the DLQ outbox. Default true. */
  readonly publish?: boolean;
  /**
   * Worker threads that parse and verify records (0: on the main thread, Ed25519 on libuv's
   * pool). Default: available parallelism − 2, at most 4 (0 on a two-core machine, where
   * threads measured slower).
   */
  readonly verifyThreads?: number;
  /**
   * Fetch shaping: bytes a source fetch waits for before the broker answers (default 1: at
   * once), and the longest it waits (default 1000 ms; also the idle poll period).
   */
  readonly fetchMinBytes?: number;
  readonly fetchMaxWaitMs?: number;
  /** Postgres connections. Default 4. */
  readonly poolSize?: number;
  /** Name of this instance in logs and Kafka client ids. Default `mirror-<region>-<pid>`. */
  readonly instance?: string;
  /** Called after each commit with the events it applied, in applied order (instrumentation). */
  readonly onApplied?: (events: readonly Envelope[], committedAt: number) => void;
}

/** Counters of what this instance did. */
export interface MirrorStats extends ApplierStats {
  readonly region: RegionId;
  readonly published: number;
  readonly dlqPublished: number;
  readonly pending: number;
  readonly pendingOldestSeconds: number | undefined;
  readonly sources: readonly { name: string; running: boolean }[];
}

/** A running mirror. */
export interface MirrorHandle {
  readonly region: RegionId;
  /** Base URL of its HTTP server. */
  readonly url: string;
  readonly port: number;
  readonly sources: readonly SourceCluster[];
  stats(): MirrorStats;
  /** The same document as `GET /v1/status`. */
  status(): Promise<MirrorStatus>;
  /** `GET /v1/backlog`: per-origin backlog and apply health, from memory (no database). */
  backlog(): Promise<MirrorBacklog>;
  /** Resolves when nothing is queued for the apply transaction. */
  idle(): Promise<void>;
  /** Stops consuming, finishes queued work, publishes, closes everything. */
  close(): Promise<void>;
}

/** `GET /v1/status`. */
export interface MirrorStatus {
  readonly region: RegionId;
  readonly generation: number;
  readonly pending: PendingSummary;
  readonly feed: { appliedSeq: number; publishedSeq: number; backlog: number };
  readonly dlqBacklog: number;
  readonly openConflicts: number;
  readonly sources: readonly { name: string; running: boolean; topics: string[] }[];
  readonly offsets: readonly { topic: string; partition: number; next: string }[];
  readonly instance: ApplierStats;
}

/**
 * Starts the mirror of one region (docs/mirror.md): brings the projection schema up to date,
 * consumes every region's events topic and its repair topic, applies through the causal gate
 * and the deterministic fold in batched transactions, publishes the applied feed and the DLQ,
 * and serves /healthz, /readyz, /metrics, /v1/status and /v1/admin/recompute.
 */
export async function startMirror(
  config: ConcordConfig,
  options: StartMirrorOptions = {},
): Promise<MirrorHandle> {
  const region = options.region ?? config.region;
  const rc = region === undefined ? undefined : config.byRegion[region];
  if (region === undefined || !rc) {
    throw new ConcordError(
      'CONFIG_INVALID',
      'the mirror needs CONCORD_REGION (one of CONCORD_REGIONS)',
      {
        details: { issues: [{ field: 'CONCORD_REGION' }] },
      },
    );
  }
  const instance = options.instance ?? `mirror-${region}-${process.pid}`;
  const logger = (
    options.logger ?? createLogger({ service: 'mirror', region, level: config.log.level })
  ).child({
    instance,
  });
  const metrics = options.metrics ?? createMetrics({ region, service: 'mirror' });
  const tracer = options.tracer ?? trace.getTracer('concord-mirror');
  const telemetry = new MirrorTelemetry(region, metrics, tracer);
  const sourceMetrics = new SourceMetrics(metrics, config.limits.hlcMaxDriftMs);
  const registry = options.domains ?? new DomainRegistry(defaultDomains);
  const readModels = { account: accountDomain, cart: cartDomain, profile: profileDomain };
  const checkpointEvery = options.checkpointEvery ?? 128;
  const t = topics(config);

  const keys = readRegionKeys(config);
  const keyring = RegionKeyring.from(keys.publicKeysPem);

  // The schema first: wait for Postgres rather than crash-loop.
  await withRetry(() => migrate(rc.postgres.url), {
    attempts: Number.MAX_SAFE_INTEGER,
    initialDelayMs: 500,
    maxDelayMs: 5000,
    onRetry: (error, attempt) =>
      logger.warn({ err: error, attempt }, 'projection schema not reachable; retrying'),
  });
  const pool = createPool(rc.postgres.url, {
    max: options.poolSize ?? 4,
    applicationName: `concord-${instance}`,
  });

  let publisher: OutboxPublisher | undefined;
  const applier = new Applier(pool, {
    region,
    registry,
    regions: config.regions,
    readModels,
    checkpointEvery,
    maxRoundRecords: options.maxTransactionRecords ?? 4000,
    logger,
    telemetry,
    onCommit: () => publisher?.wake(),
    ...(options.onApplied ? { onApplied: options.onApplied } : {}),
    onGeneration: (previous, current) => {
      if (previous !== undefined) {
        logger.warn(
          { previous, current },
          'projection schema replaced by replay: continuing on the new generation',
        );
      }
    },
  });

  const ownKafka = createKafka({
    clientId: `concord-${instance}`,
    brokers: rc.kafka.brokers,
    requestTimeoutMs: config.kafka.requestTimeoutMs,
    logger,
  });
  const producer = new EventProducer(ownKafka, { deadlineMs: 10_000, maxBatchRecords: 2000 });
  if (options.publish !== false) {
    publisher = new OutboxPublisher(pool, producer, {
      region,
      appliedTopic: t.applied(region),
      dlqTopic: t.dlq(region),
      logger,
    });
  }

  const verifier = new VerifierPool({
    keyring,
    maxEventBytes: config.limits.maxEventBytes,
    publicKeysPem: keys.publicKeysPem,
    // On two cores Postgres, the brokers and the libuv pool already use the second core.
    threads: options.verifyThreads ?? Math.max(0, Math.min(4, availableParallelism() - 2)),
    logger,
  });
  const sources = planSources(config, region);
  const consumers = sources.map(
    (cluster) =>
      new SourceConsumer({
        cluster,
        groupId: `${config.namespace}.mirror.${region}`,
        kafka: createKafka({
          clientId: `concord-${instance}-from-${cluster.name}`,
          brokers: cluster.brokers,
          requestTimeoutMs: config.kafka.requestTimeoutMs,
          // A cluster is named after the region it belongs to: TLS + SCRAM across regions.
          security: kafkaSecurityFor(config, cluster.name, region),
          logger,
        }),
        applier,
        classify: (records) => verifier.classify(records),
        storedOffsets: (parts) =>
          withClient(pool, (client) =>
            new ProjectionStore(client, LIVE_SCHEMA).storedOffsets(parts),
          ),
        ...(options.fetchMinBytes === undefined ? {} : { fetchMinBytes: options.fetchMinBytes }),
        ...(options.fetchMaxWaitMs === undefined ? {} : { fetchMaxWaitMs: options.fetchMaxWaitMs }),
        onReceived: (records, at) => sourceMetrics.received(records, at),
        onGapAccepted: (gap) => sourceMetrics.gapAccepted(gap),
        logger,
      }),
  );
  sourceMetrics.watch(consumers);
  registerApplyHealthMetrics(metrics, () => applier.stats);
  const backlogNow = async (): Promise<MirrorBacklog> => ({
    region,
    origins: await sourceMetrics.backlog(),
    apply: applyHealth(applier.stats, Date.now()),
    sources: consumers.map((c) => ({ name: c.name, running: c.running })),
  });

  let pending: PendingSummary | undefined;
  let closed = false;
  const statusNow = (): Promise<MirrorStatus> =>
    withClient(pool, async (client) => {
      const p = await pendingSummary(client, LIVE_SCHEMA, config.limits.parkedAlertSeconds);
      const o = await outboxSummary(client, LIVE_SCHEMA);
      const offsets = await new ProjectionStore(client, LIVE_SCHEMA).allOffsets();
      return {
        region,
        generation: o.generation,
        pending: p,
        feed: { appliedSeq: o.appliedSeq, publishedSeq: o.publishedSeq, backlog: o.feedBacklog },
        dlqBacklog: o.dlqBacklog,
        openConflicts: o.openConflicts,
        sources: consumers.map((c, i) => ({
          name: c.name,
          running: c.running,
          topics: sources[i]!.topics.map((x) => x.topic),
        })),
        offsets: offsets.map((x) => ({ ...x, next: x.next.toString() })),
        instance: { ...applier.stats },
      };
    });

  const app = await createHttpApp({
    service: 'mirror',
    region,
    logger,
    metrics,
    auth: config.auth,
    bodyLimit: 1024 * 1024,
    readiness: () => ({
      postgres: applier.healthy,
      kafka: consumers.some((c) => c.running),
    }),
    openapi: { title: 'Concord mirror', version: '1' },
  });
  registerMirrorRoutes(app, {
    recompute: async (streams) => {
      const results = await recomputeStreams(pool, streams, {
        registry,
        readModels,
        checkpointEvery,
      });
      publisher?.wake();
      return results;
    },
    status: statusNow,
    backlog: backlogNow,
  });
  await app.listen({ port: options.port ?? rc.mirror.port, host: options.host ?? config.bindHost });
  const address = app.server.address();
  const port =
    typeof address === 'object' && address ? address.port : (options.port ?? rc.mirror.port);

  // Background loops: gauges and overdue report, safety sweep.
  let lastOverdueLog = 0;
  const refreshGauges = () =>
    withClient(pool, async (client) => {
      pending = await pendingSummary(client, LIVE_SCHEMA, config.limits.parkedAlertSeconds);
      const o = await outboxSummary(client, LIVE_SCHEMA);
      metrics.pendingEvents.set(pending.count);
      metrics.pendingOldest.set(pending.oldestSeconds ?? 0);
      metrics.conflictsOpen.set(o.openConflicts);
      telemetry.pendingOverdue.set(pending.overdueCount);
      telemetry.pendingSchema.reset();
      for (const k of pending.schema.kinds) {
        const labels = { category: k.category, type: k.type, version: String(k.version) };
        telemetry.pendingSchema.set(labels, k.count);
      }
      telemetry.feedBacklog.set(o.feedBacklog);
      telemetry.dlqBacklog.set(o.dlqBacklog);
      if (pending.overdueCount > 0 && Date.now() - lastOverdueLog > 60_000) {
        lastOverdueLog = Date.now();
        logger.warn(
          {
            overdue: pending.overdueCount,
            oldestSeconds: pending.oldestSeconds,
            events: pending.overdue,
          },
          `events parked longer than ${config.limits.parkedAlertSeconds} s (never dropped: waiting for their dependencies)`,
        );
      }
    });
  const loops: Promise<void>[] = [];
  const every = (ms: number, task: () => Promise<unknown>, name: string) => {
    loops.push(
      (async () => {
        while (!closed) {
          try {
            await task();
          } catch (error) {
            logger.debug({ err: error, task: name }, 'background task failed');
          }
          const until = Date.now() + ms;
          while (!closed && Date.now() < until) await sleep(Math.min(200, until - Date.now()));
        }
      })(),
    );
  };

  every(options.statsIntervalMs ?? 1000, refreshGauges, 'gauges');
  // Events held for their schema version that this code reads: applied before consuming.
  await applier.releaseHeld().catch((error: unknown) => {
    logger.warn({ err: error }, 'could not release held events at start-up (the sweep retries)');
  });
  every(
    options.sweepIntervalMs ?? 30_000,
    async () => {
      await applier.releaseHeld();
      await applier.sweep();
    },
    'sweep',
  );
  publisher?.start();
  for (const consumer of consumers) consumer.start();
  logger.info(
    { port, sources: sources.map((s) => ({ name: s.name, topics: s.topics.map((x) => x.topic) })) },
    'mirror started',
  );

  return {
    region,
    port,
    url: `http://127.0.0.1:${port}`,
    sources,
    stats: () => ({
      ...applier.stats,
      region,
      published: publisher?.published ?? 0,
      dlqPublished: publisher?.dlqPublished ?? 0,
      pending: pending?.count ?? 0,
      pendingOldestSeconds: pending?.oldestSeconds,
      sources: consumers.map((c) => ({ name: c.name, running: c.running })),
    }),
    status: statusNow,
    backlog: backlogNow,
    idle: () => applier.idle(),
    close: async () => {
      if (closed) return;
      closed = true;
      await Promise.all(consumers.map((c) => c.quiesce()));
      await applier.close();
      await Promise.all(consumers.map((c) => c.disconnect()));
      await verifier.close();
      await app.close();
      await Promise.all(loops);
      await publisher?.stop();
      await producer.disconnect();
      await pool.end();
      logger.info('mirror stopped');
    },
  };
}
