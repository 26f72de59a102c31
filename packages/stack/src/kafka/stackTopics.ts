import type { ConcordConfig, RegionId } from '@concord/config';
import { topics } from '@concord/config';
import { createKafka, ensureTopics, type TopicSpec } from '@concord/kafka';

/** The log of record is kept forever: events and repair topics never expire. */
const KEEP_FOREVER = { 'retention.ms': '-1', 'retention.bytes': '-1' } as const;

/**
 * The topics `region`'s broker holds: its events (log of record), repair, DLQ and applied
 * feed, each with config.kafka.partitions partitions.
 */
export function stackTopicSpecs(
  config: Pick<ConcordConfig, 'namespace' | 'kafka'>,
  region: RegionId,
): TopicSpec[] {
  const t = topics(config);
  const partitions = config.kafka.partitions;
  return [
    { topic: t.events(region), partitions, configs: { ...KEEP_FOREVER } },
    { topic: t.repair(region), partitions, configs: { ...KEEP_FOREVER } },
    { topic: t.dlq(region), partitions },
    { topic: t.applied(region), partitions },
  ];
}

/** Creates the missing topics of `region` on its own brokers (existing ones are untouched). */
export async function ensureStackTopics(config: ConcordConfig, region: RegionId): Promise<void> {
  const rc = config.byRegion[region];
  if (!rc) throw new Error(`unknown region ${region}`);
  const kafka = createKafka({
    clientId: `concord-stack-topics-${region}`,
    brokers: rc.kafka.brokers,
    requestTimeoutMs: config.kafka.requestTimeoutMs,
  });
  await ensureTopics(kafka, stackTopicSpecs(config, region));
}
