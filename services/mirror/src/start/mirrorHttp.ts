import type { ConcordConfig, RegionId } from '@concord/config';
import type { DomainRegistry, ReadModel } from '@concord/core';
import { createHttpApp, type FastifyInstance } from '@concord/http';
import { withClient, type pg } from '@concord/postgres';
import type { Logger, Metrics } from '@concord/telemetry';
import { registerMirrorRoutes } from '../admin/mirrorRoutes.js';
import { recomputeStreams } from '../admin/recomputeStreams.js';
import type { Applier } from '../apply/Applier.js';
import type { SourceConsumer } from '../consume/SourceConsumer.js';
import type { SourceCluster } from '../consume/sources.js';
import type { OutboxPublisher } from '../feed/OutboxPublisher.js';
import { LIVE_SCHEMA } from '../store/locks.js';
import { ProjectionStore } from '../store/ProjectionStore.js';
import { outboxSummary, pendingSummary } from '../store/statusQueries.js';
import { applyHealth, type MirrorBacklog } from '../telemetry/applyHealth.js';
import type { SourceMetrics } from '../telemetry/sourceMetrics.js';
import type { MirrorStatus } from './mirrorTypes.js';

/** What the mirror's documents and HTTP server read. */
export interface MirrorHttpDeps {
  readonly config: ConcordConfig;
  readonly region: RegionId;
  readonly pool: pg.Pool;
  readonly applier: Applier;
  readonly sources: readonly SourceCluster[];
  readonly consumers: readonly SourceConsumer[];
  readonly sourceMetrics: SourceMetrics;
  readonly registry: DomainRegistry;
  readonly readModels: readonly ReadModel[];
  readonly checkpointEvery: number;
  /** The applied feed's publisher, if this instance publishes. */
  readonly publisher: OutboxPublisher | undefined;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Refreshes the gauges read from the projection, before each scrape. */
  readonly beforeMetrics?: () => Promise<void>;
}

/** `GET /v1/status` (docs/mirror.md): read from the projection. */
export function mirrorStatus(deps: MirrorHttpDeps): Promise<MirrorStatus> {
  const { config, region, pool, applier, sources, consumers } = deps;
  return withClient(pool, async (client) => {
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
}

/** `GET /v1/backlog`: from memory and the source clusters, never the database. */
export async function mirrorBacklog(deps: MirrorHttpDeps): Promise<MirrorBacklog> {
  return {
    region: deps.region,
    origins: await deps.sourceMetrics.backlog(),
    apply: applyHealth(deps.applier.stats, Date.now()),
    sources: deps.consumers.map((c) => ({ name: c.name, running: c.running })),
  };
}

/**
 * Serves /healthz, /readyz (Postgres: the applier's health; Kafka: any source running),
 * /metrics and the mirror's routes (admin/mirrorRoutes.ts), listening on `port` and `host`.
 */
export async function serveMirrorHttp(
  deps: MirrorHttpDeps,
  listen: { port: number; host: string },
): Promise<{ app: FastifyInstance; port: number }> {
  const { config, region, applier, consumers } = deps;
  const app = await createHttpApp({
    service: 'mirror',
    region,
    logger: deps.logger,
    metrics: deps.metrics,
    auth: config.auth,
    bodyLimit: 1024 * 1024,
    readiness: () => ({
      postgres: applier.healthy,
      kafka: consumers.some((c) => c.running),
    }),
    ...(deps.beforeMetrics ? { beforeMetrics: deps.beforeMetrics } : {}),
    openapi: { title: 'Concord mirror', version: '1' },
  });
  registerMirrorRoutes(app, {
    recompute: async (streams) => {
      const results = await recomputeStreams(deps.pool, streams, {
        registry: deps.registry,
        readModels: deps.readModels,
        checkpointEvery: deps.checkpointEvery,
      });
      deps.publisher?.wake();
      return results;
    },
    status: () => mirrorStatus(deps),
    backlog: () => mirrorBacklog(deps),
  });
  await app.listen(listen);
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : listen.port;
  return { app, port };
}
