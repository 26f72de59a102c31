/**
 * Private Redis and Postgres servers for fault tests: each test that stops a server runs its
 * own, on a free port, and stops it by its own PID or data folder — never the machine's
 * servers, never by process name.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from '@concord/core';
import { migrate } from '@concord/postgres';
import { createRedis } from '@concord/redis';
import {
  clusterBinaries,
  clusterUser,
  initdbArgs,
  pgCtlStartArgs,
  pgCtlStopArgs,
  serverOptions,
} from '@concord/stack';
import { freePort } from './ports.js';

/** A redis-server child process on a free port (no persistence: a restart starts empty). */
export class PrivateRedis {
  private child: ChildProcess | undefined;
  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    const probe = createRedis({ url: this.url, keyPrefix: 'probe:' });
    try {
      for (let i = 0; i < 200 && probe.status !== 'ready'; i++) await sleep(25);
      if (probe.status !== 'ready') throw new Error('private redis-server did not start');
    } finally {
      probe.disconnect();
    }
  }

  /** SIGKILL: a crash. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGKILL');
    });
  }
}

/** The cluster's binaries, prefixed by `runuser -u postgres --` as root (docs/local-stack.md). */
function pgCommand(tool: 'initdb' | 'pgCtl', args: string[]): string[] {
  const bins = clusterBinaries();
  if (!bins) throw new Error('initdb/pg_ctl not found (install postgresql)');
  return [...(clusterUser()?.prefix ?? []), bins[tool], ...args];
}

function run(command: string[]): void {
  const [cmd, ...args] = command;
  const result = spawnSync(cmd!, args, { encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) {
    throw new Error(`${command.join(' ')} failed: ${result.stderr || result.stdout}`);
  }
}

/**
 * A throw-away Postgres cluster (initdb in a tmp folder, trust auth, 127.0.0.1 only, fsync
 * off) on a free port; stopped and started with pg_ctl on its own data folder. As root it
 * runs as user `postgres`.
 */
export class PrivatePostgres {
  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'concord-test-pg-'));
    chmodSync(dir, 0o755); // the postgres user must reach its folder
    const data = join(dir, 'data');
    mkdirSync(data, { mode: 0o700 });
    const user = clusterUser();
    if (user) {
      chownSync(dir, user.uid, user.gid);
      chownSync(data, user.uid, user.gid);
    }
    run(pgCommand('initdb', initdbArgs(data)));
    const server = new PrivatePostgres(await freePort(), dir);
    await server.start();
    return server;
  }

  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    // Commits stay durable: fault tests crash this cluster and expect every commit back.
    const options = serverOptions({ port: this.port, socketDir: this.dir, durableCommits: true });
    run(
      pgCommand(
        'pgCtl',
        pgCtlStartArgs(join(this.dir, 'data'), join(this.dir, 'server.log'), options),
      ),
    );
  }

  /** Stops this cluster (by its data folder): `fast` (clients disconnected) or `immediate` (a crash). */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    run(pgCommand('pgCtl', pgCtlStopArgs(join(this.dir, 'data'), mode)));
  }

  /** Creates and migrates a database on this cluster. */
  async migrate(database: string): Promise<string> {
    const url = this.url(database);
    await migrate(url);
    return url;
  }

  /** Stops the cluster (if running) and deletes its folder. */
  async destroy(): Promise<void> {
    try {
      await this.stop('immediate');
    } catch {
      // not running
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A config whose region `us` uses other Redis/Postgres URLs (e.g. private servers). */
export function withRegionServers<C extends { byRegion: Readonly<Record<string, unknown>> }>(
  config: C,
  servers: { redisUrl?: string; postgresUrl?: string },
): C {
  const rc = config.byRegion['us'] as {
    redis: Record<string, unknown>;
    postgres: Record<string, unknown>;
  };
  return {
    ...config,
    byRegion: {
      ...config.byRegion,
      us: {
        ...rc,
        redis: { ...rc.redis, ...(servers.redisUrl ? { url: servers.redisUrl } : {}) },
        postgres: {
          ...rc.postgres,
          ...(servers.postgresUrl ? { url: servers.postgresUrl } : {}),
        },
      },
    },
  };
}
