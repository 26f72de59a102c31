import { trace, type Tracer } from '@opentelemetry/api';
import { readRegionKeys, topics, type ConcordConfig, type RegionId } from '@concord/config';
import {
  ConcordError,
  DomainRegistry,
  RegionKeyring,
  runLoop,
  sleep,
  withRetry,
} from '@concord/core';
import { defaultDomains } from '@concord/domains';
import { createHttpApp, type FastifyInstance } from '@concord/http';
import { createKafka, EventProducer } from '@concord/kafka';
import { APPLIED_CHANNEL, createPool, listen, type pg } from '@concord/postgres';
import { createLogger, createMetrics, type Logger, type Metrics } from '@concord/telemetry';
import { AntiEntropy, type ConvergenceReport } from './antiEntropy/AntiEntropy.js';
import { LocalDigests } from './antiEntropy/LocalDigests.js';
import { KafkaRepairSink, type RepairSink } from './antiEntropy/RepairSink.js';
import { ResolutionLoop, type ResolutionRoundResult } from './conflicts/ResolutionLoop.js';
import { registerConflictRoutes } from './http/conflictRoutes.js';
import { registerDigestRoutes } from './http/digestRoutes.js';
import { MirrorAdminClient, PeerClient, WriterAdminClient } from './http/ServiceClients.js';
import { regionStatus } from './http/regionStatus.js';
import { registerStatusRoutes } from './http/statusRoutes.js';
import { PeerProbe } from './ownership/PeerProbe.js';
import { Reachability, type PeerReachability } from './ownership/Reachability.js';
import { ReconcilerStore } from './store/ReconcilerStore.js';
import { DEFAULT_RECONCILER_TUNING, recentFor, type ReconcilerTuning } from './tuning.js';

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

  const status = () =>
    regionStatus({
      region,
      peers: [...peers.keys()],
      store,
      antiEntropy,
      resolution,
      reachability,
      now,
    });

  const app = await createHttpApp({
    service: 'reconciler',
    region,
    logger,
    metrics,
    auth: config.auth,
    bodyLimit: 1024 * 1024,
    // Ready = able to resolve: Postgres answers, the writer answers, the region is not
    // fenced (a fenced writer refuses merges too). Every peer probes this each probe
    // interval to decide failover; one answer serves the probes of half an interval.
    readiness: recentFor(Math.min(500, probeIntervalMs / 2), async () => {
      const [postgres, writerUp, fence] = await Promise.all([
        store.ping().catch(() => false),
        writer.healthy(500).then(
          () => true,
          () => false,
        ),
        store.fence().catch(() => undefined),
      ]);
      return { postgres, writer: writerUp, unfenced: fence !== undefined && !fence.fenced };
    }),
    openapi: {
      title: 'Concord reconciler',
      version: '1',
      description: 'Conflicts, convergence digests and repair of one region (docs/reconciler.md).',
    },
  });
  registerConflictRoutes(app, {
    region,
    regions: config.regions,
    store,
    registry,
    writer,
    metrics,
  });
  registerDigestRoutes(app, { region, digests, store });
  registerStatusRoutes(app, { region, convergence: () => antiEntropy.last, status });
  await app.listen({ port: options.port ?? rc.reconciler.port, host: options.host ?? '0.0.0.0' });
  const address = app.server.address();
  const port =
    typeof address === 'object' && address ? address.port : (options.port ?? rc.reconciler.port);

  const stopLoops = new AbortController();
  const loops: Promise<void>[] = [];
  const closers: (() => Promise<void>)[] = [];
  const loop = (name: string, round: () => Promise<number>) => {
    const running = runLoop({
      name,
      signal: stopLoops.signal,
      round,
      onError: (error, failures) => {
        logger.warn({ err: error, task: name, failures }, 'background task failed');
        return 1000;
      },
    });
    loops.push(running.done);
    return running;
  };
  loop('probe', async () => {
    await probe.round();
    return probeIntervalMs;
  });
  if (options.resolve !== false) {
    let lastRound = 0;
    const resolveLoop = loop('resolve', async () => {
      const gap = lastRound + tuning.resolvePollMs - Date.now();
      if (gap > 0) await sleep(gap);
      lastRound = Date.now();
      const { open } = await resolution.round();
      return open > 0 ? tuning.resolvePollMs : tuning.resolveIdleMs;
    });
    const listener = listen({
      connectionString: rc.postgres.url,
      channels: [APPLIED_CHANNEL],
      applicationName: `concord-reconciler-${region}-listen`,
      onNotify: () => resolveLoop.wake(),
      onListening: () => resolveLoop.wake(),
      onError: (error) => logger.debug({ err: error }, 'applied listener: reconnecting'),
    });
    closers.push(() => listener.close());
  }
  if (options.antiEntropy !== false) {
    loop('anti-entropy', async () => {
      const report = await antiEntropy.round();
      return report.converged ? intervalMs : Math.min(intervalMs, followUpMs);
    });
  }
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
      if (stopLoops.signal.aborted) return;
      stopLoops.abort();
      await app.close();
      await Promise.all(loops);
      for (const close of closers) await close();
      await producer?.disconnect();
      if (!options.pool) await pool.end();
    },
  };
}
