/**
 * Per-region overrides, read as `CONCORD_<REGION>_<SUFFIX>` (region upper-cased, `-` as `_`),
 * e.g. `CONCORD_US_KAFKA_BROKERS`. Reader-specific Kafka routes use
 * `CONCORD_<READER>_FROM_<ORIGIN>_KAFKA_BROKERS`.
 */
export const regionSettings = {
  kafkaBrokers: {
    suffix: 'KAFKA_BROKERS',
    doc: 'Bootstrap brokers of the region’s Kafka (host:port, comma-separated). When set, the local stack does not run a broker for this region.',
  },
  postgresUrl: {
    suffix: 'PG_URL',
    doc: 'Postgres URL of the region’s projection database. Default: CONCORD_PG_URL with database `<ns>_<region>`.',
  },
  redisUrl: {
    suffix: 'REDIS_URL',
    doc: 'Redis URL of the region. Default: CONCORD_REDIS_URL (or the private server of the region).',
  },
  kafkaSecurity: {
    suffix: 'KAFKA_SECURITY',
    doc: 'How other regions’ clients reach this region’s Kafka: `plaintext` or `sasl_ssl`. Default: CONCORD_KAFKA_SECURITY.',
  },
  kafkaCaFile: {
    suffix: 'KAFKA_CA_FILE',
    doc: 'CA file for this region’s brokers. Default: CONCORD_KAFKA_CA_FILE.',
  },
  kafkaSaslUsername: {
    suffix: 'KAFKA_SASL_USERNAME',
    doc: 'SCRAM user on this region’s brokers (per-cluster credentials). Default: CONCORD_KAFKA_SASL_USERNAME.',
  },
  kafkaSaslPassword: {
    suffix: 'KAFKA_SASL_PASSWORD',
    doc: 'Its password (never logged). Default: CONCORD_KAFKA_SASL_PASSWORD.',
  },
  kafkaSaslPasswordFile: {
    suffix: 'KAFKA_SASL_PASSWORD_FILE',
    doc: 'File with its password. Default: CONCORD_KAFKA_SASL_PASSWORD_FILE.',
  },
  writerPort: { suffix: 'WRITER_PORT', doc: 'Writer HTTP port. Default from the port layout.' },
  reconcilerPort: {
    suffix: 'RECONCILER_PORT',
    doc: 'Reconciler HTTP port. Default from the port layout.',
  },
  mirrorPort: { suffix: 'MIRROR_PORT', doc: 'Mirror HTTP port. Default from the port layout.' },
  writerUrl: {
    suffix: 'WRITER_URL',
    doc: 'Base URL other processes use to reach the region’s writer. Default http://127.0.0.1:<writer port>.',
  },
  reconcilerUrl: {
    suffix: 'RECONCILER_URL',
    doc: 'Base URL other processes use to reach the region’s reconciler. Default http://127.0.0.1:<reconciler port>.',
  },
  mirrorUrl: {
    suffix: 'MIRROR_URL',
    doc: 'Base URL other processes use to reach the region’s mirror. Default http://127.0.0.1:<mirror port>.',
  },
} as const;

/** The prefix of a region's override variables, e.g. `CONCORD_US_`. */
export function regionEnvPrefix(region: string): string {
  return `CONCORD_${region.toUpperCase().replace(/-/g, '_')}_`;
}
