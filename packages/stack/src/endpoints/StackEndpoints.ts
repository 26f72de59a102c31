import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ConcordConfig, RegionConfig, RegionId, ReplicationMode } from '@concord/config';
import { ConcordError } from '@concord/core';
import type { ResolvedServerMode } from '../postgres/PostgresServer.js';
import type { StackSecurity } from '../security/stackSecurity.js';
import { stackPaths } from '../StackPaths.js';

/**
 * The effective endpoints of a running local stack, written by `stack up` to
 * `<state>/stack.json`. It says where things really are once the stack has decided (e.g. that
 * Postgres runs privately on another port); services and tests read it instead of guessing.
 */
export interface StackEndpoints {
  readonly version: 1;
  /** The namespace the stack was brought up for (its topics and databases exist). */
  readonly namespace: string;
  readonly regions: readonly RegionId[];
  readonly portBase: number;
  readonly stateDir: string;
  readonly updatedAt: string;
  readonly keysDir: string;
  readonly postgres: {
    readonly mode: ResolvedServerMode;
    /** Server-level URL (database `postgres`); a region's database is `<ns>_<region>` on it. */
    readonly serverUrl: string;
  };
  readonly redis: { readonly mode: ResolvedServerMode };
  readonly linkControl: { readonly url: string; readonly port: number };
  readonly byRegion: Readonly<
    Record<
      RegionId,
      {
        readonly kafka: { readonly brokers: readonly string[]; readonly managed: boolean };
        readonly postgres: { readonly url: string; readonly database: string };
        readonly redis: { readonly url: string; readonly keyPrefix: string };
      }
    >
  >;
  /** Every WAN link: `bootstrap` is what `to`'s clients use to reach `from`'s broker. */
  readonly links: readonly {
    readonly from: RegionId;
    readonly to: RegionId;
    readonly proxyPort: number;
    readonly upstreamPort: number;
    readonly bootstrap: string;
  }[];
  /**
   * How mirrors read other regions. `mm2`: a MirrorMaker 2 process per region (`mirrorMakers`,
   * target ← sources) keeps local copies `<origin>.<ns>.events.<origin>`, and services of the
   * stack run with CONCORD_REPLICATION_MODE=mm2. Absent in files written before modes existed
   * (= direct).
   */
  readonly replication?: {
    readonly mode: ReplicationMode;
    readonly mirrorMakers?: readonly {
      readonly target: RegionId;
      readonly sources: readonly RegionId[];
      readonly log: string;
    }[];
  };
  /** Present on a `--secure` stack: how other regions' clients reach a broker's PEER listener. */
  readonly security?: StackSecurity;
  /**
   * What runs the brokers, Postgres and Redis: processes (absent, the default) or containers
   * (CONCORD_STACK_PROVIDER=containers, docs/containers.md; ids in `<state>/containers.json`).
   */
  readonly provider?: 'processes' | 'containers';
}

/** Writes stack.json atomically. */
export function writeStackEndpoints(
  config: Pick<ConcordConfig, 'stateDir' | 'cacheDir' | 'kafka'>,
  endpoints: StackEndpoints,
): void {
  const file = stackPaths(config).stackJson;
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(endpoints, null, 2) + '\n');
  renameSync(tmp, file);
}

/** Reads stack.json of the stack in config.stateDir; undefined when the stack never came up. */
export function readStackEndpoints(
  config: Pick<ConcordConfig, 'stateDir' | 'cacheDir' | 'kafka'>,
): StackEndpoints | undefined {
  try {
    return JSON.parse(readFileSync(stackPaths(config).stackJson, 'utf8')) as StackEndpoints;
  } catch {
    return undefined;
  }
}

/** Like {@link readStackEndpoints} but fails with STACK_NOT_RUNNING when there is none. */
export function requireStackEndpoints(
  config: Pick<ConcordConfig, 'stateDir' | 'cacheDir' | 'kafka'>,
): StackEndpoints {
  const endpoints = readStackEndpoints(config);
  if (!endpoints) {
    throw new ConcordError(
      'STACK_NOT_RUNNING',
      `no ${stackPaths(config).stackJson} — bring the stack up with \`concord stack up\``,
    );
  }
  return endpoints;
}

/**
 * `config` with each region's Postgres and Redis URLs pointing where the stack really runs
 * them. Works for any namespace: the database keeps the config's name (`<ns>_<region>`), only
 * the server changes. Regions the stack does not know are returned unchanged.
 */
export function withStackEndpoints(
  config: ConcordConfig,
  endpoints: StackEndpoints,
): ConcordConfig {
  const byRegion: Record<RegionId, RegionConfig> = {};
  for (const [id, rc] of Object.entries(config.byRegion)) {
    const e = endpoints.byRegion[id];
    if (!e) {
      byRegion[id] = rc;
      continue;
    }
    const pgUrl =
      endpoints.postgres.mode === 'private'
        ? Object.assign(new URL(endpoints.postgres.serverUrl), {
            pathname: `/${rc.postgres.database}`,
          }).toString()
        : rc.postgres.url;
    byRegion[id] = {
      ...rc,
      postgres: { ...rc.postgres, url: pgUrl },
      redis: { ...rc.redis, url: e.redis.url },
    };
  }
  return {
    ...config,
    postgres:
      endpoints.postgres.mode === 'private'
        ? { ...config.postgres, adminUrl: endpoints.postgres.serverUrl }
        : config.postgres,
    byRegion,
  };
}
