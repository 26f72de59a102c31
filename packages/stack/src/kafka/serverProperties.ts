import type { ConcordConfig, RegionId } from '@concord/config';

/** Largest record batch a broker accepts: room for the ≥ 10 MiB poison records of the DLQ tests. */
export const MAX_MESSAGE_BYTES = 12 * 1024 * 1024;

/** The listener a broker opens for the clients of reader region `reader`. */
export function peerListenerName(reader: RegionId): string {
  return `PEER_${reader.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

export interface BrokerFiles {
  readonly dataDir: string;
  /**
   * A `--secure` stack: the PEM (PKCS#8 key + certificate) the PEER listeners serve. Absent:
   * every listener is PLAINTEXT.
   */
  readonly security?: { readonly keystore: string };
  /**
   * Address the LOCAL and PEER listeners bind: 127.0.0.1 (default) for a broker process; 0.0.0.0
   * in a container, whose published ports reach it from outside (docs/containers.md).
   */
  readonly bindHost?: string;
}

/** The JAAS login module of a broker-side SCRAM listener (the credentials live in KRaft metadata). */
const SCRAM_SERVER_JAAS = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';

/**
 * Renders the server.properties of `region`'s single-node KRaft broker.
 *
 * Besides its LOCAL listener (clients of the region) and its controller, the broker opens one
 * PEER_<READER> listener per other region, each advertising the address of the WAN link proxy
 * for that ordered pair. A remote client that bootstraps through the proxy is told in the
 * metadata to reach the broker through the same proxy, so all of its traffic crosses the link.
 *
 * With `files.security` (a `--secure` stack) the PEER listeners are SASL_SSL: TLS with the
 * broker's certificate and SCRAM-SHA-512 users, and the StandardAuthorizer lets remote readers
 * only read (ACLs: security/readerAcls.ts). LOCAL and CONTROLLER stay PLAINTEXT — in-region
 * traffic on 127.0.0.1 — and their ANONYMOUS principal is the super user.
 */
export function renderServerProperties(
  config: ConcordConfig,
  region: RegionId,
  files: BrokerFiles,
): string {
  const rc = config.byRegion[region];
  if (!rc) throw new Error(`unknown region ${region}`);
  const k = rc.kafka;
  const bind = files.bindHost ?? '127.0.0.1';
  const listeners = [`LOCAL://${bind}:${k.port}`, `CONTROLLER://127.0.0.1:${k.controllerPort}`];
  const advertised = [`LOCAL://127.0.0.1:${k.port}`];
  const protocols = ['LOCAL:PLAINTEXT', 'CONTROLLER:PLAINTEXT'];
  const secure = files.security !== undefined;
  const perListener: [string, string][] = [];
  for (const link of config.links.filter((l) => l.from === region)) {
    const name = peerListenerName(link.to);
    listeners.push(`${name}://${bind}:${link.upstreamPort}`);
    advertised.push(`${name}://127.0.0.1:${link.proxyPort}`);
    protocols.push(`${name}:${secure ? 'SASL_SSL' : 'PLAINTEXT'}`);
    if (secure)
      perListener.push([
        `listener.name.${name.toLowerCase()}.scram-sha-512.sasl.jaas.config`,
        SCRAM_SERVER_JAAS,
      ]);
  }
  const props: [string, string | number][] = [
    ['process.roles', 'broker,controller'],
    ['node.id', 1],
    ['controller.quorum.voters', `1@127.0.0.1:${k.controllerPort}`],
    ['listeners', listeners.join(',')],
    ['advertised.listeners', advertised.join(',')],
    ['listener.security.protocol.map', protocols.join(',')],
    ['inter.broker.listener.name', 'LOCAL'],
    ['controller.listener.names', 'CONTROLLER'],
    ['log.dirs', files.dataDir],
    ['num.partitions', config.kafka.partitions],
    ['auto.create.topics.enable', 'false'],
    // One node: every internal topic has a single replica.
    ['offsets.topic.replication.factor', 1],
    ['transaction.state.log.replication.factor', 1],
    ['transaction.state.log.min.isr', 1],
    ['share.coordinator.state.topic.replication.factor', 1],
    ['share.coordinator.state.topic.min.isr', 1],
    // Fewer internal partitions and threads: faster first consumer group, less memory.
    ['offsets.topic.num.partitions', 8],
    ['transaction.state.log.num.partitions', 4],
    ['num.network.threads', 2],
    ['num.io.threads', 4],
    ['background.threads', 4],
    ['num.recovery.threads.per.data.dir', 1],
    ['group.initial.rebalance.delay.ms', 0],
    // Large records must reach the mirror's DLQ path instead of failing at the producer.
    ['message.max.bytes', MAX_MESSAGE_BYTES],
    ['replica.fetch.max.bytes', MAX_MESSAGE_BYTES],
    // Broker default for topics the stack does not create itself; the events and repair
    // topics (the log of record) are created with retention.ms=-1.
    ['log.retention.hours', 168],
  ];
  if (files.security) {
    props.push(
      ['sasl.enabled.mechanisms', 'SCRAM-SHA-512'],
      ...perListener,
      ['ssl.keystore.type', 'PEM'],
      ['ssl.keystore.location', files.security.keystore],
      ['ssl.client.auth', 'none'],
      ['authorizer.class.name', 'org.apache.kafka.metadata.authorizer.StandardAuthorizer'],
      ['super.users', 'User:ANONYMOUS'],
      ['allow.everyone.if.no.acl.found', 'false'],
    );
  }
  const header = [
    `# Generated by concord stack for region ${region} — rewritten at every start; edit packages/stack instead.`,
  ];
  return [...header, ...props.map(([key, value]) => `${key}=${value}`), ''].join('\n');
}

/**
 * The start of a log4j2 configuration shared by the stack's JVMs: everything at INFO to
 * `<logsDir>/<file>`, rolled at 20 MB, 3 kept. Callers append their loggers.
 */
export function rollingFileLog4j(logsDir: string, file: string): string[] {
  return [
    'status = warn',
    'appender.file.type = RollingFile',
    'appender.file.name = FILE',
    `appender.file.fileName = ${logsDir}/${file}`,
    `appender.file.filePattern = ${logsDir}/${file}.%i`,
    'appender.file.layout.type = PatternLayout',
    'appender.file.layout.pattern = [%d] %p %m (%c)%n',
    'appender.file.policies.type = Policies',
    'appender.file.policies.size.type = SizeBasedTriggeringPolicy',
    'appender.file.policies.size.size = 20MB',
    'appender.file.strategy.type = DefaultRolloverStrategy',
    'appender.file.strategy.max = 3',
    'rootLogger.level = INFO',
    'rootLogger.appenderRef.file.ref = FILE',
  ];
}

/** log4j2 configuration: everything to `<logsDir>/server.log`, rolled at 20 MB, 3 kept. */
export function renderLog4jProperties(logsDir: string): string {
  return [
    ...rollingFileLog4j(logsDir, 'server.log'),
    'logger.kafka.name = kafka',
    'logger.kafka.level = INFO',
    'logger.state.name = state.change.logger',
    'logger.state.level = WARN',
    '',
  ].join('\n');
}

/** The JVM command line of a broker (small heap, SerialGC, C1 only: fast start, little RSS). */
export function brokerJvmArgs(
  config: Pick<ConcordConfig, 'kafka'>,
  jarsDir: string,
  log4jFile: string,
  mainClass: string,
): string[] {
  return [
    `-Xmx${config.kafka.heapMb}m`,
    '-Xms64m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${log4jFile}`,
    '-cp',
    `${jarsDir}/*`,
    mainClass,
  ];
}
