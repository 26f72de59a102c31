import { brokersFor, kafkaRoute, type ConcordConfig, type RegionId } from '@concord/config';
import { MAX_MESSAGE_BYTES, rollingFileLog4j } from '../kafka/serverProperties.js';

/** How a MirrorMaker 2 process of a `--secure` stack authenticates to its source clusters. */
export interface MirrorMakerSecurity {
  /** PEM of the stack CA (the sources' certificates are verified against it, hostname included). */
  readonly caFile: string;
  /** The SCRAM user of the target region (MM2 reads on its behalf). */
  readonly username: string;
  readonly password: string;
}

/**
 * The topics MirrorMaker 2 copies from `origin`: its events topic of every namespace
 * (`<ns>.events.<origin>`; a namespace has no dots). Not the repair topic: anti-entropy writes
 * missing events straight into the lacking region's own repair topic. Not a copy either
 * (`<other>.<ns>.events.<origin>` has more dots), so nothing is replicated twice.
 */
export function mirroredTopicsPattern(origin: RegionId): string {
  return `[a-z][a-z0-9_]*\\.events\\.${origin.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}`;
}

/** `\` doubled and `\n` escaped, as java.util.Properties reads values. */
function propertyValue(value: string | number): string {
  return String(value).replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/**
 * The configuration of the MirrorMaker 2 process that replicates INTO `target`, run as
 * `org.apache.kafka.connect.mirror.MirrorMaker <file> --clusters <target>` (dedicated mode, no
 * REST server): one flow `<origin>-><target>` per other region, default replication policy
 * (copies are `<origin>.<ns>.events.<origin>`).
 *
 * - Sources are reached the way the target region's own clients would: through the WAN link
 *   proxy origin → target (or an explicit CONCORD_<TARGET>_FROM_<ORIGIN>_KAFKA_BROKERS route),
 *   so `stack partition` cuts replication as it cuts direct reads; on a `--secure` stack over
 *   SASL_SSL as the target's SCRAM user. The target is its local cluster (LOCAL listener).
 * - Only the events topics flow (see {@link mirroredTopicsPattern}); heartbeats, checkpoints
 *   and offset syncs are off — Concord's mirrors keep their positions in Postgres and never
 *   fail consumer groups over between clusters, so nothing needs offset translation. The one
 *   extra topic per target is `heartbeats` (created by the heartbeat connector regardless),
 *   plus Connect's three internal topics per flow (`mm2-{configs,offsets,status}.<origin>.internal`,
 *   one partition each).
 * - New topics (a new namespace) are picked up within 5 s; copies keep the source's partition
 *   of every record, its key, headers and timestamp, and the topic configs (retention forever).
 * - Records up to the stack's MAX_MESSAGE_BYTES are copied (the DLQ tests' poison records).
 */
export function renderMirrorMakerProperties(
  config: ConcordConfig,
  target: RegionId,
  security?: MirrorMakerSecurity,
): string {
  const sources = config.regions.filter((r) => r !== target);
  const props: [string, string | number][] = [
    ['clusters', [target, ...sources].join(',')],
    [`${target}.bootstrap.servers`, brokersFor(config, target).join(',')],
  ];
  // Every herder scans the whole classpath for Connect plugins by reflection unless told to
  // trust the jars' ServiceLoader manifests (which all of Kafka's own jars carry): the scans
  // took most of a 30 s start on two cores.
  props.push([`${target}.plugin.discovery`, 'service_load']);
  for (const cluster of [target, ...sources]) {
    // A 4.x admin client whose every broker is unreachable (a cut link, a broker down)
    // re-bootstraps in a tight loop: over 60 MB of log in 30 s of a broker outage.
    // Every cluster here has one fixed address (a broker or its link proxy), so there is
    // nothing to re-bootstrap to: clients just reconnect with back-off.
    props.push(
      [`${cluster}.metadata.recovery.strategy`, 'none'],
      [`${cluster}.admin.metadata.recovery.strategy`, 'none'],
    );
  }
  for (const origin of sources) {
    props.push([`${origin}.bootstrap.servers`, kafkaRoute(config, origin, target).join(',')]);
    if (security) {
      props.push(
        [`${origin}.security.protocol`, 'SASL_SSL'],
        [`${origin}.sasl.mechanism`, 'SCRAM-SHA-512'],
        [
          `${origin}.sasl.jaas.config`,
          `org.apache.kafka.common.security.scram.ScramLoginModule required username="${security.username}" password="${security.password}";`,
        ],
        [`${origin}.ssl.truststore.type`, 'PEM'],
        [`${origin}.ssl.truststore.location`, security.caFile],
        [`${origin}.ssl.endpoint.identification.algorithm`, 'https'],
      );
    }
  }
  for (const origin of sources) {
    props.push(
      [`${origin}->${target}.enabled`, 'true'],
      [`${origin}->${target}.topics`, mirroredTopicsPattern(origin)],
      [`${target}->${origin}.enabled`, 'false'],
    );
  }
  props.push(
    ['tasks.max', 1],
    ['refresh.topics.interval.seconds', 5],
    ['refresh.groups.enabled', 'false'],
    ['sync.topic.configs.enabled', 'true'],
    ['sync.topic.acls.enabled', 'false'],
    ['emit.heartbeats.enabled', 'false'],
    ['heartbeats.replication.enabled', 'false'],
    ['emit.checkpoints.enabled', 'false'],
    ['sync.group.offsets.enabled', 'false'],
    ['emit.offset-syncs.enabled', 'false'],
    // One broker per region: every topic MirrorMaker creates has one replica and few partitions.
    ['replication.factor', 1],
    ['heartbeats.topic.replication.factor', 1],
    ['config.storage.replication.factor', 1],
    ['offset.storage.replication.factor', 1],
    ['status.storage.replication.factor', 1],
    ['offset.storage.partitions', 1],
    ['status.storage.partitions', 1],
    [`${target}.producer.max.request.size`, MAX_MESSAGE_BYTES],
    // Copy as soon as a record arrives (the brokers are local to the target).
    [`${target}.producer.linger.ms`, 0],
    ['offset.flush.interval.ms', 5000],
  );
  const header = [
    `# Generated by concord stack: MirrorMaker 2 into region ${target} — rewritten at every start; edit packages/stack instead.`,
    ...(security ? ['# Holds a SCRAM password: mode 0600.'] : []),
  ];
  return [...header, ...props.map(([k, v]) => `${k}=${propertyValue(v)}`), ''].join('\n');
}

/** log4j2 of a MirrorMaker process: `<logsDir>/mm2.log`, rolled at 20 MB, client config dumps muted. */
export function renderMirrorMakerLog4j(logsDir: string): string {
  return [
    ...rollingFileLog4j(logsDir, 'mm2.log'),
    // Every client logs its whole configuration at INFO (thousands of lines per start).
    'logger.clients.name = org.apache.kafka.common.config.AbstractConfig',
    'logger.clients.level = WARN',
    'logger.reflections.name = org.reflections',
    'logger.reflections.level = ERROR',
    '',
  ].join('\n');
}
