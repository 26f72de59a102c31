import type { ConcordConfig, RegionId } from '@concord/config';
import type { DomainRegistry } from '@concord/core';
import { createHttpApp, type FastifyInstance } from '@concord/http';
import type { Logger, Metrics } from '@concord/telemetry';
import type { AntiEntropy } from '../antiEntropy/AntiEntropy.js';
import type { LocalDigests } from '../antiEntropy/LocalDigests.js';
import type { ResolutionLoop } from '../conflicts/ResolutionLoop.js';
import { registerConflictRoutes } from '../http/conflictRoutes.js';
import { registerDigestRoutes } from '../http/digestRoutes.js';
import type { PeerClient, WriterAdminClient } from '../http/ServiceClients.js';
import { regionStatus } from '../http/regionStatus.js';
import { registerStatusRoutes } from '../http/statusRoutes.js';
import type { Reachability } from '../ownership/Reachability.js';
import type { ReconcilerStore } from '../store/ReconcilerStore.js';

/** What the reconciler's admin HTTP API (docs/reconciler.md) reads. */
export interface ReconcilerHttpDeps {
  readonly config: ConcordConfig;
  readonly region: RegionId;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly registry: DomainRegistry;
  readonly store: ReconcilerStore;
  readonly writer: Pick<WriterAdminClient, 'appendMerge' | 'healthy'>;
  readonly peers: ReadonlyMap<RegionId, PeerClient>;
  readonly reachability: Reachability;
  readonly resolution: ResolutionLoop;
  readonly antiEntropy: AntiEntropy;
  readonly digests: LocalDigests;
  readonly probeIntervalMs: number;
  readonly now: () => number;
  readonly port: number;
  readonly host: string;
}

/** Builds the reconciler's HTTP app (readiness, conflict, digest and status routes) and listens. */
export async function startReconcilerHttp(
  deps: ReconcilerHttpDeps,
): Promise<{ app: FastifyInstance; port: number }> {
  const { config, region, store, writer, antiEntropy } = deps;
  const status = () =>
    regionStatus({
      region,
      peers: [...deps.peers.keys()],
      store,
      antiEntropy,
      resolution: deps.resolution,
      reachability: deps.reachability,
      now: deps.now,
    });

  const app = await createHttpApp({
    service: 'reconciler',
    region,
    logger: deps.logger,
    metrics: deps.metrics,
    auth: config.auth,
    bodyLimit: 1024 * 1024,
    // Ready = able to resolve: Postgres answers, the writer answers, the region is not
    // fenced (a fenced writer refuses merges too). Every peer probes this each probe
    // interval to decide failover; one answer serves the probes of half an interval.
    readiness: recentFor(Math.min(500, deps.probeIntervalMs / 2), async () => {
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
    registry: deps.registry,
    writer,
    metrics: deps.metrics,
  });
  registerDigestRoutes(app, { region, digests: deps.digests, store });
  registerStatusRoutes(app, { region, convergence: () => antiEntropy.last, status });
  await app.listen({ port: deps.port, host: deps.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : deps.port;
  return { app, port };
}

/** `fn`'s answer, computed at most once per `ms` (callers within that window share it). */
function recentFor<T>(ms: number, fn: () => Promise<T>): () => Promise<T> {
  let last: { at: number; answer: Promise<T> } | undefined;
  return () => {
    const at = performance.now();
    if (!last || at - last.at >= ms) last = { at, answer: fn() };
    return last.answer;
  };
}
