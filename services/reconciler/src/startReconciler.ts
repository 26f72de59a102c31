import { trace, type Tracer } from '@opentelemetry/api';
import { readRegionKeys, topics, type ConcordConfig, type RegionId } from '@concord/config';
import { ConcordError, DomainRegistry, RegionKeyring, withRetry } from '@concord/core';
import { defaultDomains } from '@concord/domains';
import type { FastifyInstance } from '@concord/http';
import { createKafka, EventProducer } from '@concord/kafka';
import { createPool, type pg } from '@concord/postgres';
import { createLogger, createMetrics, type Logger, type Metrics } from '@concord/telemetry';
import { AntiEntropy, type ConvergenceReport } from './antiEntropy/AntiEntropy.js';
import { LocalDigests } from './antiEntropy/LocalDigests.js';
import { KafkaRepairSink, type RepairSink } from './antiEntropy/RepairSink.js';
import { ResolutionLoop, type ResolutionRoundResult } from './conflicts/ResolutionLoop.js';
import { MirrorAdminClient, PeerClient, WriterAdminClient } from './http/ServiceClients.js';
import { PeerProbe } from './ownership/PeerProbe.js';
import { Reachability, type PeerReachability } from './ownership/Reachability.js';
import { ReconcilerStore } from './store/ReconcilerStore.js';
import { startReconcilerHttp } from './start/reconcilerHttp.js';
import { startReconcilerLoops } from './start/reconcilerLoops.js';
import { DEFAULT_RECONCILER_TUNING, type ReconcilerTuning } from './tuning.js';

export { DEFAULT_RECONCILER_TUNING, type ReconcilerTuning } from './tuning.js';

export interface StartReconcilerOptions {
  /** Region served. Default: `config.region` (CONCORD_REGION). */
  readonly region?: RegionId;
  /** HTTP port (0: any free port). Default: `config.byRegion[region].reconciler.port`. */
  readonly port?: number;
  /** Listen address. Default 0.0.0.0 (other regions' reconcilers call this one). */
  readonly host?: string;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  /** Default: the global tracer (a no-op unless main.ts started the OpenTelemetry SDK). */
  readonly tracer?: Tracer;
  /** Domain modules; must be the deployment's (the mirrors fold with the same). */
  readonly domains?: DomainRegistry;
  /** Injected pool (not closed by `close()`). Default: the region's Postgres. */
  readonly pool?: pg.Pool;
  /**
   * The region's writer as the reconciler uses it (merges, health). Default: the writer's
   * admin API at `config.byRegion[region].writer.url`.
   */
  readonly writer?: Pick<WriterAdminClient, 'appendMerge' | 'healthy'>;
  /** Where repaired events go. Default: `<ns>.repair.<region>` on the region's Kafka. */
  readonly repair?: RepairSink;
  /** Run the resolution loop. Default true. */
  readonly resolve?: boolean;
  /** Run the periodic anti-entropy comparison. Default true. */
  readonly antiEntropy?: boolean;
  readonly now?: () => number;
  readonly tuning?: Partial<ReconcilerTuning>;
}

export interface RunningReconciler {
  readonly region: RegionId;
  readonly url: string;
  readonly port: number;
  readonly app: FastifyInstance;
  readonly metrics: Metrics;
  /** The last cross-region comparison. */
  convergence(): ConvergenceReport | undefined;
  /** Runs one anti-entropy comparison now (also what the periodic loop does). */
  compareNow(): Promise<ConvergenceReport>;
  /** Runs one resolution round now. */
  resolveNow(): Promise<ResolutionRoundResult>;
  /** How the other regions look from here. */
  reachability(): PeerReachability[];
  /** Stops the loops and the HTTP server, flushes the producer, closes connections. */
  close(): Promise<void>;
}

/**
 * Starts the reconciler of one region (docs/reconciler.md): the resolution loop for the
 * streams this region owns (or stands in for), the periodic anti-entropy comparison with the
 * other regions (pull repair, recompute), the split-brain alarm and the admin HTTP API.
 */
export async function startReconciler(
  config: ConcordConfig,
  options: StartReconcilerOptions = {},
): Promise<RunningReconciler> {
  const region = options.region ?? config.region;
  const rc = region === undefined ? undefined : config.byRegion[region];
  if (region === undefined || !rc) {
    throw new ConcordError(
      'CONFIG_INVALID',
      'the reconciler needs CONCORD_REGION (one of CONCORD_REGIONS)',
      {
        details: { issues: [{ field: 'CONCORD_REGION' }] },
      },
    );
  }
  const tuning: ReconcilerTuning = { ...DEFAULT_RECONCILER_TUNING, ...options.tuning };
  const logger =
    options.logger ?? createLogger({ service: 'reconciler', region, level: config.log.level });
  const metrics = options.metrics ?? createMetrics({ region, service: 'reconciler' });
  const tracer = options.tracer ?? trace.getTracer('concord-reconciler');
  const registry = options.domains ?? new DomainRegistry(defaultDomains);
  const now = options.now ?? Date.now;
  const token = config.auth.adminToken;
  const failoverMs = config.reconciler.ownerFailoverMs;
  const intervalMs = config.reconciler.antiEntropyIntervalMs;
  const probeIntervalMs =
    tuning.probeIntervalMs ?? Math.min(1000, Math.max(100, Math.round(failoverMs / 5)));
  const probeTimeoutMs = tuning.probeTimeoutMs ?? Math.min(1000, probeIntervalMs);
  const followUpMs = tuning.followUpMs ?? Math.max(500, Math.round(intervalMs / 5));
  const keyring = RegionKeyring.from(readRegionKeys(config).publicKeysPem);

  const pool =
    options.pool ??
    createPool(rc.postgres.url, { max: 6, applicationName: `concord-reconciler-${region}` });
  const store = new ReconcilerStore(pool);
  // The database is the mirror's to create and migrate; wait for it rather than crash-loop.
  await withRetry(() => store.ensureOwnSchema(), {
    attempts: Number.MAX_SAFE_INTEGER,
    initialDelayMs: 500,
    maxDelayMs: 5000,
    onRetry: (error, attempt) =>
      logger.warn({ err: error, attempt }, 'Postgres not reachable; retrying'),
  });

  const writer = options.writer ?? new WriterAdminClient(rc.writer.url, token);
  const mirror = new MirrorAdminClient(rc.mirror.url, token);
  const peers = new Map(
    config.regions
      .filter((r) => r !== region)
      .map((r) => [r, new PeerClient(r, config.byRegion[r]!.reconciler.url, token)] as const),
  );
  const reachability = new Reachability(region, failoverMs);
  const probe = new PeerProbe(
    new Map([...peers].map(([r, peer]) => [r, (ms: number) => peer.ready(ms)] as const)),
    reachability,
    { intervalMs: probeIntervalMs, timeoutMs: probeTimeoutMs, logger, now },
  );
  const resolution = new ResolutionLoop({
    region,
    regions: config.regions,
    store,
    registry,
    writer,
    isReachable: (r) => reachability.isReachable(r, now()),
    logger,
    metrics,
    tracer,
    now,
    batch: tuning.resolveBatch,
    parallelism: tuning.resolveParallelism,
    reemitAfterMs: tuning.reemitAfterMs,
  });

  let producer: EventProducer | undefined;
  let repair = options.repair;
  if (!repair) {
    producer = new EventProducer(
      createKafka({
        clientId: `concord-reconciler-${region}-${process.pid}`,
        brokers: rc.kafka.brokers,
        requestTimeoutMs: config.kafka.requestTimeoutMs,
        logger,
      }),
      { deadlineMs: 10_000 },
    );
    repair = new KafkaRepairSink(producer, topics(config).repair(region), region);
  }
  const digests = new LocalDigests(pool, region, registry, now);
  const originTopics = new Set(config.regions.map((r) => topics(config).events(r)));
  const antiEntropy = new AntiEntropy({
    region,
    regions: config.regions,
    digests,
    store,
    peers,
    repair,
    mirror,
    keyring,
    maxEventBytes: config.limits.maxEventBytes,
    isOriginTopic: (topic) => originTopics.has(topic),
    // mm2: a region reads its own topic, and copies of the others with offsets of their own.
    readsDirectly:
      config.replication.mode === 'mm2'
        ? (topic, reader) => topic === topics(config).events(reader)
        : () => true,
    intervalMs,
    thresholds: tuning.splitBrain,
    logger,
    metrics,
    tracer,
    now,
  });

  const { app, port } = await startReconcilerHttp({
    config,
    region,
    logger,
    metrics,
    registry,
    store,
    writer,
    peers,
    reachability,
    resolution,
    antiEntropy,
    digests,
    probeIntervalMs,
    now,
    port: options.port ?? rc.reconciler.port,
    host: options.host ?? '0.0.0.0',
  });

  const loops = startReconcilerLoops({
    region,
    postgresUrl: rc.postgres.url,
    logger,
    tuning,
    probe,
    probeIntervalMs,
    resolution,
    antiEntropy,
    intervalMs,
    followUpMs,
    resolve: options.resolve !== false,
    runAntiEntropy: options.antiEntropy !== false,
  });
  logger.info(
    {
      port,
      failoverMs,
      antiEntropyIntervalMs: intervalMs,
      probeIntervalMs,
      peers: [...peers.keys()],
    },
    'reconciler started',
  );

  return {
    region,
    port,
    url: `http://127.0.0.1:${port}`,
    app,
    metrics,
    convergence: () => antiEntropy.last,
    compareNow: () => antiEntropy.round(),
    resolveNow: () => resolution.round(),
    reachability: () =>
      config.regions.filter((r) => r !== region).map((r) => reachability.view(r, now())),
    close: async () => {
      if (loops.stopped) return;
      loops.stop();
      await app.close();
      await loops.done();
      await producer?.disconnect();
      if (!options.pool) await pool.end();
    },
  };
}
