import type { ConcordConfig, RegionId } from './ConcordConfig.js';

/** Topic names of a namespace (default `concord`). */
export function topics(config: Pick<ConcordConfig, 'namespace'>) {
  const ns = config.namespace;
  return {
    /** Events accepted by `region`'s writer: the log of record. */
    events: (region: RegionId) => `${ns}.events.${region}`,
    /** MirrorMaker 2 copy of `origin`'s events topic, in another region's cluster. */
    mirroredEvents: (origin: RegionId) => `${origin}.${ns}.events.${origin}`,
    /** Events copied into `region` by anti-entropy (signatures intact). */
    repair: (region: RegionId) => `${ns}.repair.${region}`,
    /** Records `region`'s mirror rejected, with the reason in headers. */
    dlq: (region: RegionId) => `${ns}.dlq.${region}`,
    /** The applied feed of `region`: deduplicated, causally ordered. */
    applied: (region: RegionId) => `${ns}.applied.${region}`,
  } as const;
}

/** Where `reader` reads `origin`'s events: which brokers, which topic. */
export function eventSource(
  config: ConcordConfig,
  origin: RegionId,
  reader: RegionId,
): { brokers: readonly string[]; topic: string } {
  const t = topics(config);
  if (origin === reader) return { brokers: brokersFor(config, reader), topic: t.events(origin) };
  if (config.replication.mode === 'mm2') {
    return { brokers: brokersFor(config, reader), topic: t.mirroredEvents(origin) };
  }
  return { brokers: kafkaRoute(config, origin, reader), topic: t.events(origin) };
}

/** Bootstrap brokers of `region`'s own Kafka, for clients inside the region. */
export function brokersFor(config: ConcordConfig, region: RegionId): readonly string[] {
  const r = config.byRegion[region];
  if (!r) throw new Error(`unknown region ${region}`);
  return r.kafka.brokers;
}

/**
 * Bootstrap brokers through which clients of `reader` reach `origin`'s Kafka: an explicit
 * route if configured, else the local stack's link proxy for that ordered pair.
 */
export function kafkaRoute(
  config: ConcordConfig,
  origin: RegionId,
  reader: RegionId,
): readonly string[] {
  if (origin === reader) return brokersFor(config, reader);
  const explicit = config.kafkaRoutes[`${reader}<-${origin}`];
  if (explicit) return explicit;
  const link = config.links.find((l) => l.from === origin && l.to === reader);
  if (!link) throw new Error(`no link from ${origin} to ${reader}`);
  return [`127.0.0.1:${link.proxyPort}`];
}
