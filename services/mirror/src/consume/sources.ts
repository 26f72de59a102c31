import { eventSource, topics, type ConcordConfig, type RegionId } from '@concord/config';

/** One topic a mirror reads, and what it carries. */
export interface SourceTopic {
  readonly topic: string;
  /** The region whose writer appended the events, or `repair` for the repair topic. */
  readonly carries: RegionId | 'repair';
}

/** One Kafka cluster a mirror reads from (one consumer each), with its topics. */
export interface SourceCluster {
  /** Stable name for logs and client ids, e.g. `us` (own cluster) or `eu` (eu's, remote). */
  readonly name: string;
  readonly brokers: readonly string[];
  readonly topics: readonly SourceTopic[];
}

/**
 * Where the mirror of `region` reads: every region's events topic (its own included) and its
 * own repair topic, grouped by cluster. In `direct` mode a remote region's topic is read from
 * that region's brokers across the WAN link; in `mm2` mode from the local MirrorMaker 2 copy
 * `<origin>.<ns>.events.<origin>` — then every topic is on the region's own cluster and a
 * single consumer reads them all. Same code path either way.
 */
export function planSources(config: ConcordConfig, region: RegionId): SourceCluster[] {
  const clusters = new Map<
    string,
    { name: string; brokers: readonly string[]; topics: SourceTopic[] }
  >();
  const add = (name: string, brokers: readonly string[], topic: SourceTopic) => {
    const key = [...brokers].sort().join(',');
    const cluster = clusters.get(key);
    if (cluster) cluster.topics.push(topic);
    else clusters.set(key, { name, brokers, topics: [topic] });
  };
  // Own region first, so the local cluster is named after the region.
  const origins = [region, ...config.regions.filter((r) => r !== region)];
  for (const origin of origins) {
    const { brokers, topic } = eventSource(config, origin, region);
    add(origin, brokers, { topic, carries: origin });
  }
  const own = eventSource(config, region, region).brokers;
  add(region, own, { topic: topics(config).repair(region), carries: 'repair' });
  return [...clusters.values()];
}
