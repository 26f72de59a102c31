import { trace } from '@opentelemetry/api';
import { readRegionKeys, topics, type ConcordConfig } from '@concord/config';
import { ConcordError, DomainRegistry, RegionKeyring, withRetry } from '@concord/core';
import { defaultDomains, defaultReadModels } from '@concord/domains';
import { createKafka, EventProducer } from '@concord/kafka';
import { createPool, migrate } from '@concord/postgres';
import { createLogger, createMetrics } from '@concord/telemetry';
import { Applier } from './apply/Applier.js';
import { OutboxPublisher } from './feed/OutboxPublisher.js';
import { BackgroundLoops } from './start/backgroundLoops.js';
import { mirrorGauges } from './start/mirrorGauges.js';
import { mirrorBacklog, mirrorStatus, serveMirrorHttp } from './start/mirrorHttp.js';
import type { MirrorHandle, StartMirrorOptions } from './start/mirrorTypes.js';
import { closeMirror } from './start/shutdown.js';
import { wireSources } from './start/wireSources.js';
import { registerApplyHealthMetrics } from './telemetry/applyHealth.js';
import { MirrorTelemetry } from './telemetry/MirrorTelemetry.js';
import { SourceMetrics } from './telemetry/sourceMetrics.js';

export type {
  MirrorHandle,
  MirrorStats,
  MirrorStatus,
  StartMirrorOptions,
} from './start/mirrorTypes.js';

/**
 * Starts the mirror of one region (docs/mirror.md): brings the projection schema up to date,
 * consumes every region's events topic and its repair topic, applies through the causal gate
 * and the deterministic fold in batched transactions, publishes the applied feed and the DLQ,
 * and serves /healthz, /readyz, /metrics, /v1/status and /v1/admin/recompute. The composition
 * root of its parts in start/ (docs/mirror.md, "Layout").
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
  const readModels = options.readModels ?? defaultReadModels;
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

  const { verifier, sources, consumers } = wireSources({
    config,
    region,
    instance,
    options,
    keys,
    keyring,
    pool,
    applier,
    sourceMetrics,
    logger,
  });
  registerApplyHealthMetrics(metrics, () => applier.stats);

  // The gauges read from the projection: refreshed on every scrape, and on a slow timer for
  // stats() and the overdue warning (docs/mirror.md, metrics).
  const gauges = mirrorGauges({ config, pool, metrics, telemetry, logger });
  const httpDeps = {
    beforeMetrics: () => gauges.refresh(),
    config,
    region,
    pool,
    applier,
    sources,
    consumers,
    sourceMetrics,
    registry,
    readModels,
    checkpointEvery,
    publisher,
    logger,
    metrics,
  };
  const { app, port } = await serveMirrorHttp(httpDeps, {
    port: options.port ?? rc.mirror.port,
    host: options.host ?? config.bindHost,
  });

  // Background loops: gauges and overdue report, safety sweep.
  const loops = new BackgroundLoops(logger);
  loops.every(options.statsIntervalMs ?? 15_000, () => gauges.refresh(), 'gauges');
  // Events held for their schema version that this code reads: applied before consuming.
  await applier.releaseHeld().catch((error: unknown) => {
    logger.warn({ err: error }, 'could not release held events at start-up (the sweep retries)');
  });
  loops.every(
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

  let closed = false;
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
      pending: gauges.pending?.count ?? 0,
      pendingOldestSeconds: gauges.pending?.oldestSeconds,
      sources: consumers.map((c) => ({ name: c.name, running: c.running })),
    }),
    status: () => mirrorStatus(httpDeps),
    backlog: () => mirrorBacklog(httpDeps),
    idle: () => applier.idle(),
    close: async () => {
      if (closed) return;
      closed = true;
      const parts = { loops, consumers, applier, verifier, app, sourceMetrics, publisher };
      await closeMirror({ ...parts, producer, pool, logger });
    },
  };
}
