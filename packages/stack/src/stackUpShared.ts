import { existsSync, readFileSync } from 'node:fs';
import type { ConcordConfig, RegionId, ReplicationMode } from '@concord/config';
import { bindToLog, migrate } from '@concord/postgres';
import type { StackEndpoints } from './endpoints/StackEndpoints.js';
import { ensureStackTopics } from './kafka/stackTopics.js';
import { managedLinks } from './links/linkDaemonProcess.js';
import { MirrorMakerProcess } from './mm2/MirrorMakerProcess.js';
import {
  privatePostgresUrl,
  regionPostgresUrl,
  waitForPostgres,
  type ResolvedServerMode,
} from './postgres/PostgresServer.js';
import type { ProgressSink } from './progress.js';
import { regionRedisUrl, waitForRedis } from './redis/RedisServers.js';
import { stackSecurity } from './security/stackSecurity.js';
import type { StackModes } from './stackModes.js';
import { stackPaths } from './StackPaths.js';
import { deleteRedisPrefix } from './stackDown.js';

/*
 * What the process and containers providers of `stack up` share (stackUp.ts,
 * containers/containerStack.ts): their options and result, the steps after the servers run,
 * and the stack.json they write. A module of its own so neither provider imports the other's.
 */

export interface StackUpOptions {
  readonly progress?: ProgressSink;
  /** How long a broker may take to answer after its start. Default 90 s. */
  readonly readyTimeoutMs?: number;
  /**
   * `mm2`: run MirrorMaker 2 into every region (`stack up --mm2`); `direct`: stop it. Default:
   * what the stack was brought up with (see resolveStackModes).
   */
  readonly replication?: ReplicationMode;
  /**
   * true: SASL_SSL on every cross-region listener, certificates and SCRAM users generated
   * (`stack up --secure`); false: plaintext. Default: what the stack was brought up with.
   */
  readonly secure?: boolean;
  /** How long to wait for MirrorMaker 2's flows to consume before going on. Default 60 s. */
  readonly mirrorMakerReadyTimeoutMs?: number;
}

export interface StackUpResult {
  readonly endpoints: StackEndpoints;
  /** Parts started by this call, e.g. `kafka us`, `links`, `redis eu`. */
  readonly started: readonly string[];
  /** Parts found running and left alone. */
  readonly alreadyRunning: readonly string[];
  readonly elapsedMs: number;
  /** The modes the stack runs in now. */
  readonly modes: StackModes;
}

export interface PrepareRegionsOptions {
  readonly pgMode: ResolvedServerMode;
  readonly redisMode: ResolvedServerMode;
  readonly replication: ReplicationMode;
  /** Regions whose Kafka log is new (storage formatted by this `stack up`). */
  readonly newLogs: ReadonlySet<RegionId>;
  readonly progress?: ProgressSink;
  /** True when the managed broker of the region runs (process or container). */
  readonly ready: (region: RegionId) => boolean;
  /** Runs once the broker answers, before its topics (a secure stack's users and ACLs). */
  readonly beforeTopics?: (region: RegionId) => Promise<void>;
}

/**
 * The steps of `stack up` after the servers run, shared by the process and containers
 * providers: every region's topics, its database migrated and bound to its Kafka log (see
 * docs/local-stack.md), Postgres and Redis answering.
 */
export async function prepareRegions(
  config: ConcordConfig,
  options: PrepareRegionsOptions,
): Promise<void> {
  const { pgMode, redisMode, progress, newLogs } = options;
  const paths = stackPaths(config);
  const ready = (r: RegionId) => config.byRegion[r]!.kafka.managed === false || options.ready(r);
  await Promise.all(
    config.regions.filter(ready).map(async (r) => {
      await options.beforeTopics?.(r);
      await ensureStackTopics(config, r, options.replication);
      progress?.({ part: 'topics', region: r, message: 'topics ready' });
    }),
  );
  await Promise.all(
    config.regions.map(async (r) => {
      const url = regionPostgresUrl(config, r, pgMode);
      await migrate(url);
      await waitForPostgres(url, 15_000);
      const redisUrl = regionRedisUrl(config, r, redisMode);
      await waitForRedis(redisUrl, 15_000);
      const clusterIdFile = paths.kafka(r).clusterIdFile;
      if (config.byRegion[r]!.kafka.managed && existsSync(clusterIdFile)) {
        const clusterId = readFileSync(clusterIdFile, 'utf8').trim();
        const binding = await bindToLog(url, clusterId, { logIsNew: newLogs.has(r) });
        if (binding.kind === 'recreated') {
          // Idempotency keys and fences described the old log as well.
          const keys = await deleteRedisPrefix(redisUrl, config.byRegion[r]!.redis.keyPrefix);
          progress?.({
            part: 'postgres',
            region: r,
            message: `database ${config.byRegion[r]!.postgres.database} projected an earlier Kafka log${binding.previousClusterId ? ` (cluster ${binding.previousClusterId})` : ''}; recreated for cluster ${clusterId}, ${keys} Redis keys of the old log deleted`,
          });
        }
      }
      progress?.({
        part: 'postgres',
        region: r,
        message: `database ${config.byRegion[r]!.postgres.database} migrated`,
      });
    }),
  );
}

export function buildEndpoints(
  config: ConcordConfig,
  pgMode: ResolvedServerMode,
  redisMode: ResolvedServerMode,
  modes: StackModes,
): StackEndpoints {
  const byRegion: Record<RegionId, StackEndpoints['byRegion'][string]> = {};
  for (const r of config.regions) {
    const rc = config.byRegion[r]!;
    byRegion[r] = {
      kafka: { brokers: [...rc.kafka.brokers], managed: rc.kafka.managed },
      postgres: { url: regionPostgresUrl(config, r, pgMode), database: rc.postgres.database },
      redis: { url: regionRedisUrl(config, r, redisMode), keyPrefix: rc.redis.keyPrefix },
    };
  }
  const serverUrl = pgMode === 'private' ? privatePostgresUrl(config) : config.postgres.adminUrl;
  return {
    version: 1,
    namespace: config.namespace,
    regions: [...config.regions],
    portBase: config.portBase,
    stateDir: config.stateDir,
    updatedAt: new Date().toISOString(),
    keysDir: config.keys.dir,
    postgres: { mode: pgMode, serverUrl },
    redis: { mode: redisMode },
    linkControl: {
      url: `http://127.0.0.1:${config.linkControlPort}`,
      port: config.linkControlPort,
    },
    byRegion,
    links: managedLinks(config).map((l) => ({ ...l, bootstrap: `127.0.0.1:${l.proxyPort}` })),
    replication: {
      mode: modes.replication,
      ...(modes.replication === 'mm2'
        ? {
            mirrorMakers: config.regions.map((target) => {
              const m = new MirrorMakerProcess(config, target).status();
              return { target, sources: m.sources, log: m.log };
            }),
          }
        : {}),
    },
    ...(modes.secure ? { security: stackSecurity(config) } : {}),
  };
}
