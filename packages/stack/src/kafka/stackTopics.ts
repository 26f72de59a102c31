import type { ConcordConfig, RegionId, ReplicationMode } from '@concord/config';
import { topics } from '@concord/config';
import { createKafka, ensureTopics, type TopicSpec } from '@concord/kafka';

/** The log of record is kept forever: events and repair topics never expire. */
const KEEP_FOREVER = { 'retention.ms': '-1', 'retention.bytes': '-1' } as const;

/**
 * The topics `region`'s broker holds: its events (log of record), repair, DLQ and applied
 * feed, each with config.kafka.partitions partitions. In `mm2` mode also the MirrorMaker 2
 * copies of the other regions' events topics (`<origin>.<ns>.events.<origin>`, same partitions,
 * kept forever): created up front so a mirror can subscribe before MirrorMaker's first topic
 * scan; MirrorMaker then replicates into them.
 */
export function stackTopicSpecs(
  config: Pick<ConcordConfig, 'namespace' | 'kafka' | 'regions' | 'replication'>,
  region: RegionId,
  replication: ReplicationMode = config.replication.mode,
): TopicSpec[] {
  const t = topics(config);
  const partitions = config.kafka.partitions;
  const copies =
    replication === 'mm2'
      ? config.regions
          .filter((origin) => origin !== region)
          .map((origin) => ({
            topic: t.mirroredEvents(origin),
            partitions,
            configs: { ...KEEP_FOREVER },
          }))
      : [];
  return [
    { topic: t.events(region), partitions, configs: { ...KEEP_FOREVER } },
    { topic: t.repair(region), partitions, configs: { ...KEEP_FOREVER } },
    { topic: t.dlq(region), partitions },
    { topic: t.applied(region), partitions },
    ...copies,
  ];
}

/**
 * Creates the missing topics of `region` on its own brokers (existing ones are untouched);
 * `replication` defaults to the config's mode.
 */
export async function ensureStackTopics(
  config: ConcordConfig,
  region: RegionId,
  replication: ReplicationMode = config.replication.mode,
): Promise<void> {
  const rc = config.byRegion[region];
  if (!rc) throw new Error(`unknown region ${region}`);
  const kafka = createKafka({
    clientId: `concord-stack-topics-${region}`,
    brokers: rc.kafka.brokers,
    requestTimeoutMs: config.kafka.requestTimeoutMs,
  });
  await ensureTopics(kafka, stackTopicSpecs(config, region, replication));
}
