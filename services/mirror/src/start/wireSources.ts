import { availableParallelism } from 'node:os';
import type { ConcordConfig, RegionId, RegionKeyFiles } from '@concord/config';
import type { RegionKeyring } from '@concord/core';
import { createKafka, kafkaSecurityFor } from '@concord/kafka';
import { withClient, type pg } from '@concord/postgres';
import type { Logger } from '@concord/telemetry';
import type { Applier } from '../apply/Applier.js';
import { SourceConsumer } from '../consume/SourceConsumer.js';
import { planSources, type SourceCluster } from '../consume/sources.js';
import { VerifierPool } from '../consume/VerifierPool.js';
import { LIVE_SCHEMA } from '../store/locks.js';
import { ProjectionStore } from '../store/ProjectionStore.js';
import type { SourceMetrics } from '../telemetry/sourceMetrics.js';
import type { StartMirrorOptions } from './mirrorTypes.js';

/** What the source wiring needs from the composition root. */
export interface SourceWiringDeps {
  readonly config: ConcordConfig;
  readonly region: RegionId;
  readonly instance: string;
  readonly options: StartMirrorOptions;
  readonly keys: RegionKeyFiles;
  readonly keyring: RegionKeyring;
  readonly pool: pg.Pool;
  readonly applier: Applier;
  readonly sourceMetrics: SourceMetrics;
  readonly logger: Logger;
}

/** The mirror's inputs: the record verifier and one consumer per source cluster (not started). */
export interface WiredSources {
  readonly verifier: VerifierPool;
  readonly sources: readonly SourceCluster[];
  readonly consumers: readonly SourceConsumer[];
}

/**
 * Builds the verifier pool and one SourceConsumer per source cluster of `region` (docs/mirror.md,
 * "Sources"), all in the consumer group `<ns>.mirror.<region>`, feeding `applier`; the source
 * metrics watch them.
 */
export function wireSources(deps: SourceWiringDeps): WiredSources {
  const { config, region, instance, options, keys, pool, applier, sourceMetrics, logger } = deps;
  const verifier = new VerifierPool({
    keyring: deps.keyring,
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
  return { verifier, sources, consumers };
}
