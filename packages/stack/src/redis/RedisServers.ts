import { mkdirSync } from 'node:fs';
import { Redis } from 'ioredis';
import type { ConcordConfig, RegionId } from '@concord/config';
import { ConcordError, withRetry } from '@concord/core';
import { assertPortsFree } from '../ports/portCheck.js';
import { livePid } from '../process/PidFile.js';
import { spawnDetached, stopByPidFile, tailFile } from '../process/processes.js';
import { findExecutable, prerequisiteMissing } from '../prerequisites.js';
import type { ProgressSink } from '../progress.js';
import type { ResolvedServerMode } from '../postgres/PostgresServer.js';
import { stackPaths } from '../StackPaths.js';

/** True when the Redis at `url` answers PING within `timeoutMs`. */
export async function canPingRedis(url: string, timeoutMs = 1500): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** The URL of `region`'s Redis under the resolved mode (keys live under the region's prefix). */
export function regionRedisUrl(
  config: ConcordConfig,
  region: RegionId,
  mode: ResolvedServerMode,
): string {
  const rc = config.byRegion[region];
  if (!rc) throw new Error(`unknown region ${region}`);
  return mode === 'private' ? `redis://127.0.0.1:${rc.redis.privatePort}` : rc.redis.url;
}

/**
 * Decides where the regions' Redis lives (config.redis.mode), like Postgres: `auto` keeps
 * private servers that already run, else uses the configured server when it answers PING, else
 * runs one redis-server per region.
 */
export async function resolveRedisMode(config: ConcordConfig): Promise<ResolvedServerMode> {
  const url = config.redis.url;
  const noBinary = () =>
    prerequisiteMissing(
      `no Redis reachable at ${url} and redis-server not found on PATH`,
      'start Redis, point CONCORD_REDIS_URL at one, or install it (apt-get install redis-server)',
    );
  switch (config.redis.mode) {
    case 'external':
      if (await canPingRedis(url)) return 'external';
      throw prerequisiteMissing(
        `Redis not reachable at ${url} (CONCORD_REDIS_MODE=external)`,
        'start it, fix CONCORD_REDIS_URL, or set CONCORD_REDIS_MODE=auto to let the stack run its own',
      );
    case 'private':
      if (!findExecutable('redis-server')) throw noBinary();
      return 'private';
    default:
      if (config.regions.some((r) => livePid(stackPaths(config).redis(r).pidFile)))
        return 'private';
      if (await canPingRedis(url)) return 'external';
      if (!findExecutable('redis-server')) throw noBinary();
      return 'private';
  }
}

/** Starts `region`'s private redis-server unless it runs; waits for PING. */
export async function ensurePrivateRedis(
  config: ConcordConfig,
  region: RegionId,
  progress?: ProgressSink,
): Promise<'started' | 'running'> {
  const files = stackPaths(config).redis(region);
  if (livePid(files.pidFile)) return 'running';
  const bin = findExecutable('redis-server');
  if (!bin)
    throw prerequisiteMissing(
      'redis-server not found on PATH',
      'install Redis (apt-get install redis-server)',
    );
  const port = config.byRegion[region]!.redis.privatePort;
  await assertPortsFree([{ port, owner: `private redis ${region}` }]);
  mkdirSync(files.dir, { recursive: true });
  const record = spawnDetached({
    command: bin,
    // Redis only accelerates Concord; a snapshot on shutdown is plenty of durability.
    args: [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      files.dir,
      '--save',
      '3600 1',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
    ],
    logFile: files.logFile,
    pidFile: files.pidFile,
    cwd: files.dir,
  });
  progress?.({
    part: 'redis',
    region,
    message: `private redis-server started (pid ${record.pid}, port ${port})`,
  });
  await waitForRedis(
    `redis://127.0.0.1:${port}`,
    15_000,
    () => livePid(files.pidFile) !== undefined,
  ).catch((error: unknown) => {
    throw new ConcordError(
      'STACK_START_FAILED',
      `redis-server of ${region} did not start: ${tailFile(files.logFile, 3).replace(/\n/g, ' | ')}`,
      { cause: error, retriable: false },
    );
  });
  return 'started';
}

/** Waits until the Redis at `url` answers PING. */
export async function waitForRedis(
  url: string,
  timeoutMs = 15_000,
  alive: () => boolean = () => true,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await withRetry(
    async () => {
      if (!(await canPingRedis(url, 1000))) throw new Error(`Redis at ${url} not answering`);
    },
    {
      attempts: Math.ceil(timeoutMs / 100),
      initialDelayMs: 100,
      maxDelayMs: 500,
      retryIf: () => Date.now() < deadline && alive(),
    },
  );
}

/** Stops `region`'s private redis-server by PID. */
export function stopPrivateRedis(
  config: ConcordConfig,
  region: RegionId,
): Promise<number | undefined> {
  return stopByPidFile(stackPaths(config).redis(region).pidFile, { graceMs: 10_000 });
}
