import { join } from 'node:path';
import { regionEnvPrefix, type ConcordConfig, type RegionId } from '@concord/config';
import { stackRegionEnv, stackServiceEnv, type StackEndpoints } from '@concord/stack';
import type { LocalTokens } from './localTokens.js';
import { SERVICE_KINDS, type ServiceKind, type ServiceSpec } from './ServiceSpec.js';

export interface ServiceSpecOptions {
  readonly regions?: readonly RegionId[];
  readonly kinds?: readonly ServiceKind[];
  readonly tokens: LocalTokens;
  /** Extra environment for every service (e.g. tracing settings). */
  readonly env?: Readonly<Record<string, string>>;
  /** Per service name (`writer-us`), extra environment (e.g. a skewed clock for chaos). */
  readonly envByService?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Node flags before each service's script (e.g. `--cpu-prof`, which NODE_OPTIONS refuses). */
  readonly nodeArgs?: readonly string[];
}

/**
 * The environment that makes a service process see the same deployment as the caller: the
 * caller's CONCORD_* settings, made explicit, plus the endpoints the stack really uses
 * (stack.json: a private Postgres or Redis lives elsewhere than the defaults).
 */
export function deploymentEnv(
  config: ConcordConfig,
  endpoints: StackEndpoints | undefined,
  tokens: LocalTokens,
): Record<string, string> {
  const env: Record<string, string> = {
    CONCORD_NAMESPACE: config.namespace,
    CONCORD_REGIONS: config.regions.join(','),
    CONCORD_PORT_BASE: String(config.portBase),
    CONCORD_STATE_DIR: config.stateDir,
    CONCORD_CACHE_DIR: config.cacheDir,
    CONCORD_REPLICATION_MODE: config.replication.mode,
    CONCORD_KEYS_DIR: endpoints?.keysDir ?? config.keys.dir,
    CONCORD_API_TOKENS: tokens.apiToken,
    CONCORD_ADMIN_TOKEN: tokens.adminToken,
    CONCORD_LOG_LEVEL: config.log.level,
    CONCORD_KAFKA_PARTITIONS: String(config.kafka.partitions),
    CONCORD_KAFKA_REQUEST_TIMEOUT_MS: String(config.kafka.requestTimeoutMs),
    CONCORD_OWNER_FAILOVER_MS: String(config.reconciler.ownerFailoverMs),
    CONCORD_ANTI_ENTROPY_INTERVAL_MS: String(config.reconciler.antiEntropyIntervalMs),
    CONCORD_HLC_MAX_DRIFT_MS: String(config.limits.hlcMaxDriftMs),
    CONCORD_MAX_INFLIGHT_APPENDS: String(config.limits.maxInflightAppends),
    CONCORD_TRACES_EXPORTER: config.tracing.exporter,
    ...(config.tracing.otlpEndpoint ? { CONCORD_OTLP_ENDPOINT: config.tracing.otlpEndpoint } : {}),
    CONCORD_PG_URL: endpoints?.postgres.serverUrl ?? config.postgres.adminUrl,
    CONCORD_REDIS_URL: config.redis.url,
    // The stack decides: an mm2 stack's services read the MirrorMaker copies, a secure stack's
    // use SASL_SSL across regions (the per-service credentials: serviceSpecs).
    ...(endpoints?.security ? {} : kafkaSecurityEnv(config)),
    ...stackServiceEnv(endpoints),
  };
  for (const region of config.regions) {
    const prefix = regionEnvPrefix(region);
    const rc = config.byRegion[region]!;
    const ep = endpoints?.byRegion[region];
    env[`${prefix}REDIS_URL`] = ep?.redis.url ?? rc.redis.url;
    if (!rc.kafka.managed) env[`${prefix}KAFKA_BROKERS`] = rc.kafka.brokers.join(',');
  }
  for (const [route, brokers] of Object.entries(config.kafkaRoutes)) {
    const [reader, origin] = route.split('<-') as [string, string];
    env[
      `${regionEnvPrefix(reader)}FROM_${regionEnvPrefix(origin).slice('CONCORD_'.length)}KAFKA_BROKERS`
    ] = brokers.join(',');
  }
  return env;
}

/**
 * The caller's own Kafka security settings, made explicit per region (so per-region overrides
 * survive); nothing when every region is plaintext. A password set directly (not as a file)
 * is passed on as it came.
 */
function kafkaSecurityEnv(config: ConcordConfig): Record<string, string> {
  const env: Record<string, string> = {};
  for (const region of config.regions) {
    const s = config.byRegion[region]!.kafka.security;
    if (s.protocol === 'plaintext') continue;
    const prefix = regionEnvPrefix(region);
    env[`${prefix}KAFKA_SECURITY`] = s.protocol;
    if (s.caFile) env[`${prefix}KAFKA_CA_FILE`] = s.caFile;
    if (s.sasl?.username) env[`${prefix}KAFKA_SASL_USERNAME`] = s.sasl.username;
    if (s.sasl?.passwordFile) env[`${prefix}KAFKA_SASL_PASSWORD_FILE`] = s.sasl.passwordFile;
    else if (s.sasl?.password) env[`${prefix}KAFKA_SASL_PASSWORD`] = s.sasl.password.reveal();
  }
  return env;
}

/** The specs of the services to supervise: every kind in every selected region. */
export function serviceSpecs(
  config: ConcordConfig,
  endpoints: StackEndpoints | undefined,
  options: ServiceSpecOptions,
): ServiceSpec[] {
  const base = deploymentEnv(config, endpoints, options.tokens);
  const regions = options.regions ?? config.regions;
  const kinds = options.kinds ?? SERVICE_KINDS;
  return regions.flatMap((region) =>
    kinds.map((kind) => {
      const name = `${kind}-${region}`;
      const rc = config.byRegion[region]![kind];
      return {
        name,
        kind,
        region,
        command: process.execPath,
        args: [
          ...(options.nodeArgs ?? []),
          join(config.workspaceRoot, 'services', kind, 'dist', 'main.js'),
        ],
        env: {
          ...base,
          ...stackRegionEnv(endpoints, region),
          ...options.env,
          ...options.envByService?.[name],
          CONCORD_REGION: region,
        },
        port: rc.port,
        url: rc.url,
        logFile: join(config.stateDir, 'logs', `${name}.log`),
      };
    }),
  );
}
