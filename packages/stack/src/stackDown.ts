import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import type { ConcordConfig, RegionId } from '@concord/config';
import { ident, pg } from '@concord/postgres';
import { readStackEndpoints, type StackEndpoints } from './endpoints/StackEndpoints.js';
import { stopLinkDaemon } from './links/linkDaemonProcess.js';
import { removeRecorded } from './containers/containerParts.js';
import { stopByPidFile } from './process/processes.js';
import { withStackLock } from './process/stackLock.js';
import type { ProgressSink } from './progress.js';
import { stackPaths } from './StackPaths.js';
import { stopMirrorMakers } from './mm2/MirrorMakerProcess.js';

export interface StackDownOptions {
  /**
   * Also delete the data: the state folder (broker logs, private Postgres/Redis data, link
   * state, MirrorMaker state, certificates and SCRAM passwords, stack.json — the signing keys
   * are kept), the regions' databases on an external
   * Postgres and their keys on an external Redis.
   */
  readonly purge?: boolean;
  readonly progress?: ProgressSink;
}

export interface StackDownResult {
  /** What was stopped, with the PID, e.g. `kafka us (pid 1234)`. */
  readonly stopped: readonly string[];
  readonly purged: boolean;
}

/** Regions with a folder in the state dir: whatever an earlier `up` started, whatever the config says now. */
function regionsIn(dir: string): RegionId[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    return [];
  }
}

/**
 * Stops everything the stack in config.stateDir started — by the PIDs in its PID files,
 * never by process name: SIGTERM (SIGINT for Postgres), SIGKILL after a grace period.
 */
export async function stackDown(
  config: ConcordConfig,
  options: StackDownOptions = {},
): Promise<StackDownResult> {
  return withStackLock(config.stateDir, async () => {
    const paths = stackPaths(config);
    const progress = options.progress;
    const stopped: string[] = [];
    const record = (part: string, pid: number | undefined) => {
      if (pid === undefined) return;
      stopped.push(`${part} (pid ${pid})`);
      progress?.({ part: part.split(' ')[0]!, message: `stopped ${part} (pid ${pid})` });
    };
    const endpoints = readStackEndpoints(config);

    // MirrorMaker first: stopped while its brokers still answer, it commits its offsets.
    for (const { target, pid } of await stopMirrorMakers(config)) record(`mm2 ${target}`, pid);
    const links = await stopLinkDaemon(config);
    links.forEach((pid, i) => record(i === 0 ? 'links' : 'links worker', pid));
    const kafkaRegions = regionsIn(join(config.stateDir, 'kafka'));
    const redisRegions = regionsIn(join(config.stateDir, 'redis'));
    await Promise.all([
      ...kafkaRegions.map(async (r) =>
        record(`kafka ${r}`, await stopByPidFile(paths.kafka(r).pidFile, { graceMs: 20_000 })),
      ),
      ...redisRegions.map(async (r) =>
        record(`redis ${r}`, await stopByPidFile(paths.redis(r).pidFile, { graceMs: 10_000 })),
      ),
      (async () =>
        record(
          'postgres',
          await stopByPidFile(paths.postgres.pidFile, { signal: 'SIGINT', graceMs: 20_000 }),
        ))(),
    ]);

    // A containers stack (docs/containers.md): its containers and network, removed by id.
    for (const part of removeRecorded(config)) {
      stopped.push(part);
      progress?.({ part: part.split(' ')[0]!, message: `removed container ${part}` });
    }

    if (options.purge) {
      if (endpoints) await purgeExternalData(endpoints, progress);
      purgeStateDir(config);
      progress?.({ part: 'stack', message: `purged ${config.stateDir}` });
    }
    return { stopped, purged: options.purge === true };
  });
}

function purgeStateDir(config: ConcordConfig): void {
  // The private cluster's files may live outside the state folder (privatePostgresHome.ts).
  const pgServerDir = stackPaths(config).postgres.dir;
  if (!resolve(pgServerDir).startsWith(resolve(config.stateDir)))
    rmSync(pgServerDir, { recursive: true, force: true });
  if (!existsSync(config.stateDir)) return;
  const keys = resolve(config.keys.dir);
  for (const entry of readdirSync(config.stateDir)) {
    const path = resolve(config.stateDir, entry);
    // stack.lock is ours while we hold it; withStackLock removes it.
    if (path === keys || entry === 'stack.lock') continue;
    rmSync(path, { recursive: true, force: true });
  }
}

async function purgeExternalData(
  endpoints: StackEndpoints,
  progress?: ProgressSink,
): Promise<void> {
  if (endpoints.postgres.mode === 'external') {
    const client = new pg.Client({
      connectionString: endpoints.postgres.serverUrl,
      connectionTimeoutMillis: 3000,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      for (const r of Object.values(endpoints.byRegion)) {
        await client.query(`drop database if exists ${ident(r.postgres.database)} with (force)`);
        progress?.({ part: 'postgres', message: `dropped database ${r.postgres.database}` });
      }
    } catch (error) {
      progress?.({
        part: 'postgres',
        message: `could not drop the databases: ${(error as Error).message}`,
      });
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  if (endpoints.redis.mode === 'external') {
    for (const r of Object.values(endpoints.byRegion)) {
      const deleted = await deleteRedisPrefix(r.redis.url, r.redis.keyPrefix).catch(
        () => undefined,
      );
      if (deleted !== undefined)
        progress?.({
          part: 'redis',
          message: `deleted ${deleted} keys under ${r.redis.keyPrefix}`,
        });
    }
  }
}

/** Deletes every key under `prefix` (SCAN + UNLINK, never KEYS on a shared server). */
export async function deleteRedisPrefix(url: string, prefix: string): Promise<number> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    let cursor = '0';
    let deleted = 0;
    const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await client.unlink(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    client.disconnect();
  }
}
