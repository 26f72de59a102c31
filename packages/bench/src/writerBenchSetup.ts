import { spawn, type ChildProcess } from 'node:child_process';
import { request, type Agent } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { ConcordConfig, RegionId } from '@concord/config';
import { sleep } from '@concord/core';
import { createKafka } from '@concord/kafka';
import { ident, migrate, pg } from '@concord/postgres';
import { deploymentEnv } from '@concord/runner';
import { deleteRedisPrefix, ensureStackTopics, readStackEndpoints } from '@concord/stack';

/*
 * What the writer bench runs against: its own namespace's topics, database and Redis keys,
 * the writer as a child process, and a keep-alive HTTP client.
 */

/**
 * The config of a bench namespace on the running stack: the namespace-dependent names
 * (databases, key prefixes) re-derived for it.
 */
export function benchNamespaceConfig(config: ConcordConfig): ConcordConfig {
  const byRegion = Object.fromEntries(
    Object.entries(config.byRegion).map(([id, rc]) => {
      const database = `${config.namespace}_${id}`;
      const url = new URL(rc.postgres.url);
      url.pathname = `/${database}`;
      return [
        id,
        {
          ...rc,
          postgres: { url: url.toString(), database },
          redis: { ...rc.redis, keyPrefix: `${config.namespace}:${id}:` },
        },
      ];
    }),
  );
  return { ...config, byRegion };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** POST over a keep-alive agent; resolves with the status code. */
export function post(agent: Agent, port: number, path: string, token: string, body: string) {
  return new Promise<number>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Creates the bench namespace's topics and database; returns the cleanup. */
export async function prepare(
  config: ConcordConfig,
  region: RegionId,
): Promise<() => Promise<void>> {
  const rc = config.byRegion[region]!;
  await ensureStackTopics(config, region);
  await migrate(rc.postgres.url);
  return async () => {
    const kafka = createKafka({ clientId: 'concord-bench-cleanup', brokers: rc.kafka.brokers });
    const admin = kafka.admin();
    await admin.connect();
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(`${config.namespace}.`));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine, timeout: 10_000 });
    await admin.disconnect();
    const url = new URL(rc.postgres.url);
    url.pathname = '/postgres';
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    await client.query(`drop database if exists ${ident(rc.postgres.database)} with (force)`);
    await client.end();
    await deleteRedisPrefix(rc.redis.url, rc.redis.keyPrefix);
  };
}

/** Starts the region's writer as a child process (its own core) and waits until it answers. */
export async function startWriterProcess(
  config: ConcordConfig,
  region: RegionId,
  port: number,
  tokens: { apiToken: string; adminToken: string },
): Promise<ChildProcess> {
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CONCORD_'))),
    ...deploymentEnv(config, readStackEndpoints(config), tokens),
    CONCORD_REGION: region,
    // One log line per event is an operator's choice; the bench measures the write path.
    CONCORD_LOG_LEVEL: 'warn',
    CONCORD_TRACES_EXPORTER: 'none',
    [`CONCORD_${region.toUpperCase().replaceAll('-', '_')}_WRITER_PORT`]: String(port),
  };
  const child = spawn(
    process.execPath,
    [join(config.workspaceRoot, 'services', 'writer', 'dist', 'main.js')],
    { env, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the writer exited with ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return child;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('the writer did not become ready within 30 s');
    }
    await sleep(200);
  }
}
