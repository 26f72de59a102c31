import { z } from 'zod';

import { bool, int, list, REGION_ID, spec, url } from './settingSchemas.js';

export type { SettingSpec } from './settingSchemas.js';

/**
 * Every global setting Concord reads from the environment, with its default and meaning.
 * This table is the single source for `loadConfig`, for `concord config` and for
 * docs/configuration.md (a unit test keeps that file in step with this table).
 */
export const settings = {
  namespace: spec({
    env: 'CONCORD_NAMESPACE',
    schema: z.string().regex(/^[a-z][a-z0-9_]{0,30}$/, 'must match ^[a-z][a-z0-9_]{0,30}$'),
    default: 'concord',
    doc: 'Prefix of every topic (`<ns>.events.<region>`), database (`<ns>_<region>`) and Redis key (`<ns>:<region>:`). Tests use a unique namespace per file.',
  }),
  regions: spec({
    env: 'CONCORD_REGIONS',
    schema: list(z.string().regex(REGION_ID, 'each region must match ^[a-z][a-z0-9-]{0,31}$'))
      .refine((r) => r.length >= 1, 'at least one region')
      .refine((r) => new Set(r).size === r.length, 'regions must be distinct')
      .refine((r) => r.length <= 8, 'at most 8 regions'),
    default: ['us', 'eu', 'ap'],
    defaultText: 'us,eu,ap',
    doc: 'The regions of the deployment, comma-separated. Their order fixes each region’s index in the port layout.',
  }),
  region: spec({
    env: 'CONCORD_REGION',
    schema: z.string().regex(REGION_ID, 'must match ^[a-z][a-z0-9-]{0,31}$'),
    default: undefined,
    defaultText: '(none)',
    doc: 'The region this process serves. Required by writer, mirror and reconciler; must be one of CONCORD_REGIONS.',
  }),
  portBase: spec({
    env: 'CONCORD_PORT_BASE',
    schema: int(1024, 64000),
    default: 19000,
    doc: 'Base of the port layout (see docs/local-stack.md).',
  }),
  stateDir: spec({
    env: 'CONCORD_STATE_DIR',
    schema: z.string().min(1),
    default: undefined,
    defaultText: '<workspace root>/.concord',
    doc: 'Folder for the local stack: broker data, logs, PID files, link state, signing keys.',
  }),
  cacheDir: spec({
    env: 'CONCORD_CACHE_DIR',
    schema: z.string().min(1),
    default: undefined,
    defaultText: '~/.cache/concord',
    doc: 'Cache for downloaded Kafka jars, shared by every checkout.',
  }),
  replicationMode: spec({
    env: 'CONCORD_REPLICATION_MODE',
    schema: z.enum(['direct', 'mm2']),
    default: 'direct',
    doc: '`direct`: mirrors read remote regions’ topics across the WAN link; `mm2`: from local MirrorMaker 2 copies `<origin>.<ns>.events.<origin>`.',
  }),
  stackProvider: spec({
    env: 'CONCORD_STACK_PROVIDER',
    schema: z.enum(['processes', 'containers']),
    default: 'processes',
    doc: 'What `concord stack up` runs the brokers, Postgres and Redis as: `processes` (the local stack) or `containers` (testcontainers, images of `concord images build`; docs/containers.md).',
  }),
  bindHost: spec({
    env: 'CONCORD_BIND_HOST',
    schema: z
      .string()
      .regex(/^[0-9a-fA-F.:]+$|^localhost$/, 'must be an IP address (e.g. 0.0.0.0) or localhost'),
    default: '127.0.0.1',
    doc: 'Address the services listen on. 127.0.0.1 for the local stack; 0.0.0.0 in containers.',
  }),
  kafkaVersion: spec({
    env: 'CONCORD_KAFKA_VERSION',
    schema: z.string().regex(/^\d+\.\d+\.\d+$/, 'must be a version like 4.1.2'),
    default: '4.1.2',
    doc: 'Apache Kafka version fetched from Maven Central (org.apache.kafka:kafka_2.13).',
  }),
  kafkaHeapMb: spec({
    env: 'CONCORD_KAFKA_HEAP_MB',
    schema: int(128, 8192),
    default: 256,
    doc: 'Maximum Java heap per local broker, in MiB.',
  }),
  kafkaPartitions: spec({
    env: 'CONCORD_KAFKA_PARTITIONS',
    schema: int(1, 256),
    default: 4,
    doc: 'Partitions of each events topic (Kafka key = stream, so one stream stays in one partition).',
  }),
  kafkaRequestTimeoutMs: spec({
    env: 'CONCORD_KAFKA_REQUEST_TIMEOUT_MS',
    schema: int(100, 300000),
    default: 5000,
    doc: 'kafkajs request timeout, in ms; also bounds how long a writer waits for an ack before answering 503.',
  }),
  kafkaSecurity: spec({
    env: 'CONCORD_KAFKA_SECURITY',
    schema: z.enum(['plaintext', 'sasl_ssl']),
    default: 'plaintext',
    doc: 'Security of connections to another region’s Kafka (the WAN: a mirror reading a remote region in `direct` mode, MirrorMaker 2’s sources): `plaintext`, or `sasl_ssl` (TLS with hostname verification + SASL/SCRAM-SHA-512). Connections inside a region stay plaintext. `concord run` sets it, with the credentials below, on a stack brought up with `--secure` (docs/local-stack.md).',
  }),
  kafkaCaFile: spec({
    env: 'CONCORD_KAFKA_CA_FILE',
    schema: z.string().min(1),
    default: undefined,
    defaultText: '(Node’s built-in CAs)',
    doc: 'PEM file of the CA certificates that sign the remote brokers’ certificates (`sasl_ssl`).',
  }),
  kafkaSaslUsername: spec({
    env: 'CONCORD_KAFKA_SASL_USERNAME',
    schema: z.string().min(1),
    default: undefined,
    defaultText: '(none)',
    doc: 'SCRAM-SHA-512 user this process authenticates as on remote brokers (`sasl_ssl`; required then).',
  }),
  kafkaSaslPassword: spec({
    env: 'CONCORD_KAFKA_SASL_PASSWORD',
    schema: z.string().min(1),
    default: undefined,
    defaultText: '(none)',
    doc: 'Its password. Prefer CONCORD_KAFKA_SASL_PASSWORD_FILE (the environment of a process is easy to leak); never logged or printed.',
  }),
  kafkaSaslPasswordFile: spec({
    env: 'CONCORD_KAFKA_SASL_PASSWORD_FILE',
    schema: z.string().min(1),
    default: undefined,
    defaultText: '(none)',
    doc: 'File holding the password (first line; read when a Kafka client is created). Wins over CONCORD_KAFKA_SASL_PASSWORD.',
  }),
  mm2HeapMb: spec({
    env: 'CONCORD_MM2_HEAP_MB',
    schema: int(96, 8192),
    default: 128,
    doc: 'Maximum Java heap of each local MirrorMaker 2 process (`concord stack up --mm2`), in MiB.',
  }),
  postgresUrl: spec({
    env: 'CONCORD_PG_URL',
    schema: url(['postgres:', 'postgresql:']),
    default: 'postgres://postgres@127.0.0.1:5432/postgres',
    doc: 'Postgres server on which each region gets its own database `<ns>_<region>` (this URL’s database is used for administration only).',
  }),
  postgresMode: spec({
    env: 'CONCORD_PG_MODE',
    schema: z.enum(['auto', 'external', 'private']),
    default: 'auto',
    doc: '`external`: use CONCORD_PG_URL; `private`: the stack runs its own cluster with initdb/pg_ctl; `auto`: external when reachable, else private.',
  }),
  redisUrl: spec({
    env: 'CONCORD_REDIS_URL',
    schema: url(['redis:', 'rediss:']),
    default: 'redis://127.0.0.1:6379',
    doc: 'Redis server shared by the regions, each under its own key prefix.',
  }),
  redisMode: spec({
    env: 'CONCORD_REDIS_MODE',
    schema: z.enum(['auto', 'external', 'private']),
    default: 'auto',
    doc: '`external`: use CONCORD_REDIS_URL; `private`: one redis-server per region started by the stack; `auto`: external when reachable, else private.',
  }),
  apiTokens: spec({
    env: 'CONCORD_API_TOKENS',
    schema: list(z.string().min(16, 'each token must be at least 16 characters')),
    default: [],
    defaultText: '(none)',
    doc: 'Bearer tokens accepted by the writer API, comma-separated.',
  }),
  adminToken: spec({
    env: 'CONCORD_ADMIN_TOKEN',
    schema: z.string().min(16, 'must be at least 16 characters'),
    default: undefined,
    defaultText: '(none)',
    doc: 'Bearer token for `/v1/admin/*` and the reconciler API.',
  }),
  insecure: spec({
    env: 'CONCORD_INSECURE',
    schema: bool,
    default: false,
    doc: 'Allow services to start without any token (local development only).',
  }),
  keysDir: spec({
    env: 'CONCORD_KEYS_DIR',
    schema: z.string().min(1),
    default: undefined,
    defaultText: '<state dir>/keys',
    doc: 'Folder with region signing keys: `<region>.key` (Ed25519 private, PEM) and `<region>.pub` (public keys, PEM; several for rotation).',
  }),
  maxEventBytes: spec({
    env: 'CONCORD_MAX_EVENT_BYTES',
    schema: int(1024, 16 * 1024 * 1024),
    default: 256 * 1024,
    doc: 'Largest serialized envelope accepted anywhere, in bytes.',
  }),
  maxInflightAppends: spec({
    env: 'CONCORD_MAX_INFLIGHT_APPENDS',
    schema: int(1, 1_000_000),
    default: 1024,
    doc: 'Appends a writer processes at once; beyond it answers 429 BACKPRESSURE.',
  }),
  hlcMaxDriftMs: spec({
    env: 'CONCORD_HLC_MAX_DRIFT_MS',
    schema: int(1, 86_400_000),
    default: 60_000,
    doc: 'How far ahead of local wall time a remote clock may push the hybrid logical clock, in ms.',
  }),
  parkedAlertSeconds: spec({
    env: 'CONCORD_PARKED_ALERT_SECONDS',
    schema: int(1, 86_400),
    default: 60,
    doc: 'An event parked longer than this is reported (metric, status, alert); it is never dropped.',
  }),
  ownerFailoverMs: spec({
    env: 'CONCORD_OWNER_FAILOVER_MS',
    schema: int(100, 86_400_000),
    default: 10_000,
    doc: 'How long a stream’s owner region must be unreachable before the next region resolves its conflicts.',
  }),
  antiEntropyIntervalMs: spec({
    env: 'CONCORD_ANTI_ENTROPY_INTERVAL_MS',
    schema: int(100, 86_400_000),
    default: 5_000,
    doc: 'Period of the reconciler’s cross-region digest comparison, in ms.',
  }),
  reconcilerPollMs: spec({
    env: 'CONCORD_RECONCILER_POLL_MS',
    schema: int(10, 60_000),
    default: 250,
    doc: 'How often the reconciler looks for open conflicts to resolve, in ms.',
  }),
  splitBrainConflictsPerMinute: spec({
    env: 'CONCORD_SPLIT_BRAIN_CONFLICTS_PER_MINUTE',
    schema: int(1, 10_000_000),
    default: 1200,
    doc: 'Split-brain suspicion: conflicts detected in one minute at or above this.',
  }),
  splitBrainConflictSpike: spec({
    env: 'CONCORD_SPLIT_BRAIN_CONFLICT_SPIKE',
    schema: int(1, 1000),
    default: 5,
    doc: 'Split-brain suspicion: the last minute’s conflicts are this many times the previous hour’s average…',
  }),
  splitBrainConflictSpikeFloor: spec({
    env: 'CONCORD_SPLIT_BRAIN_CONFLICT_SPIKE_FLOOR',
    schema: int(1, 10_000_000),
    default: 300,
    doc: '…and at least this many (so a quiet system’s few conflicts never count as a spike).',
  }),
  splitBrainDivergentStreams: spec({
    env: 'CONCORD_SPLIT_BRAIN_DIVERGENT_STREAMS',
    schema: int(1, 10_000_000),
    default: 10,
    doc: 'Split-brain suspicion: streams confirmed divergent at or above this.',
  }),
  splitBrainStallMs: spec({
    env: 'CONCORD_SPLIT_BRAIN_STALL_MS',
    schema: int(1000, 86_400_000),
    default: 30_000,
    doc: 'Split-brain suspicion: two regions each missing the other’s events for this long (a partition with writes on both sides).',
  }),
  clockOffsetMs: spec({
    env: 'CONCORD_CLOCK_OFFSET_MS',
    schema: int(-86_400_000, 86_400_000),
    default: 0,
    doc: 'Fault injection only: shifts this process’s wall clock (for HLC stamps) by this many ms, as a skewed machine clock would (`concord chaos --faults clock`).',
  }),
  tracesExporter: spec({
    env: 'CONCORD_TRACES_EXPORTER',
    schema: z.enum(['none', 'otlp', 'console']),
    default: 'none',
    doc: 'Where OpenTelemetry spans go: nowhere, an OTLP/HTTP collector, or stdout.',
  }),
  otlpEndpoint: spec({
    env: 'CONCORD_OTLP_ENDPOINT',
    schema: url(['http:', 'https:']),
    default: undefined,
    defaultText: 'http://localhost:4318/v1/traces',
    doc: 'OTLP/HTTP traces endpoint when CONCORD_TRACES_EXPORTER=otlp.',
  }),
  logLevel: spec({
    env: 'CONCORD_LOG_LEVEL',
    schema: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
    default: 'info',
    doc: 'Minimum level of the structured (pino) logs.',
  }),
} as const;

export type Settings = typeof settings;
export type SettingName = keyof Settings;
export type SettingValue<K extends SettingName> =
  z.output<Settings[K]['schema']> | (Settings[K]['default'] extends undefined ? undefined : never);

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

export function regionEnvPrefix(region: string): string {
  return `CONCORD_${region.toUpperCase().replace(/-/g, '_')}_`;
}
