import { spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ConcordConfig, RegionId } from '@concord/config';
import { ConcordError, withRetry } from '@concord/core';
import { pg } from '@concord/postgres';
import { livePid, pidRecord, writePidFile } from '../process/PidFile.js';
import { stopByPidFile, tailFile } from '../process/processes.js';
import { prerequisiteMissing } from '../prerequisites.js';
import type { ProgressSink } from '../progress.js';
import { stackPaths } from '../StackPaths.js';
import {
  clusterBinaries,
  clusterUser,
  initdbArgs,
  pgCtlStartArgs,
  serverOptions,
} from './clusterCommands.js';

/** Where the regions' databases live: the configured server, or the stack's own cluster. */
export type ResolvedServerMode = 'external' | 'private';

/** True when `url` accepts a connection and answers `select 1` within `timeoutMs`. */
export async function canConnectPostgres(url: string, timeoutMs = 2000): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The admin URL of the private cluster (database `postgres`, trust auth, user postgres). */
export function privatePostgresUrl(
  config: Pick<ConcordConfig, 'postgres'>,
  database = 'postgres',
): string {
  return `postgres://postgres@127.0.0.1:${config.postgres.privatePort}/${encodeURIComponent(database)}`;
}

/** `url` with its database replaced. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** The connection string of `region`'s database under the resolved mode. */
export function regionPostgresUrl(
  config: ConcordConfig,
  region: RegionId,
  mode: ResolvedServerMode,
): string {
  const rc = config.byRegion[region];
  if (!rc) throw new Error(`unknown region ${region}`);
  return mode === 'private' ? privatePostgresUrl(config, rc.postgres.database) : rc.postgres.url;
}

/**
 * Decides where the regions' databases live (config.postgres.mode):
 * `external` → the configured server, which must answer; `private` → the stack's cluster;
 * `auto` → a private cluster that already runs stays in use (its data is there), else the
 * configured server when it answers, else a private cluster when the binaries exist.
 */
export async function resolvePostgresMode(config: ConcordConfig): Promise<ResolvedServerMode> {
  const adminUrl = config.postgres.adminUrl;
  const noBinaries = () =>
    prerequisiteMissing(
      `no Postgres reachable at ${redact(adminUrl)} and initdb/pg_ctl not found on PATH`,
      'start Postgres, point CONCORD_PG_URL at one, or install it (apt-get install postgresql)',
    );
  switch (config.postgres.mode) {
    case 'external':
      if (await canConnectPostgres(adminUrl)) return 'external';
      throw prerequisiteMissing(
        `Postgres not reachable at ${redact(adminUrl)} (CONCORD_PG_MODE=external)`,
        'start it, fix CONCORD_PG_URL, or set CONCORD_PG_MODE=auto to let the stack run its own',
      );
    case 'private':
      if (!clusterBinaries()) throw noBinaries();
      return 'private';
    default:
      if (livePid(stackPaths(config).postgres.pidFile)) return 'private';
      if (await canConnectPostgres(adminUrl)) return 'external';
      if (!clusterBinaries()) throw noBinaries();
      return 'private';
  }
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

function chownTree(dir: string, uid: number, gid: number): void {
  chownSync(dir, uid, gid);
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) chownTree(path, uid, gid);
    else chownSync(path, uid, gid);
  }
}

function run(command: string[], logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = command;
    const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) return resolve();
      const log = tailFile(logFile, 5);
      reject(
        new ConcordError(
          'STACK_START_FAILED',
          `${command.slice(-8).join(' ')} failed (exit ${code}): ${(output.trim() + '\n' + log).trim().split('\n').slice(-4).join(' | ')}`,
          { retriable: false },
        ),
      );
    });
  });
}

/**
 * Starts the private cluster (initdb on first use) on config.postgres.privatePort, listening
 * on 127.0.0.1 only, and waits until it answers. Left alone when it already runs.
 */
export async function ensurePrivatePostgres(
  config: ConcordConfig,
  progress?: ProgressSink,
): Promise<'started' | 'running'> {
  const files = stackPaths(config).postgres;
  if (livePid(files.pidFile)) return 'running';
  const bins = clusterBinaries();
  if (!bins)
    throw prerequisiteMissing(
      'initdb/pg_ctl not found on PATH',
      'install Postgres (apt-get install postgresql) or set CONCORD_PG_MODE=external',
    );
  const user = clusterUser();
  mkdirSync(files.socketDir, { recursive: true });
  if (user) chownTree(files.dir, user.uid, user.gid);
  const prefix = user?.prefix ?? [];
  if (!existsSync(join(files.dataDir, 'PG_VERSION'))) {
    progress?.({ part: 'postgres', message: `initdb ${files.dataDir}` });
    await run([...prefix, bins.initdb, ...initdbArgs(files.dataDir)], files.logFile);
  }
  const options = serverOptions({
    port: config.postgres.privatePort,
    socketDir: files.socketDir,
    maxConnections: 200,
  });
  await run(
    [...prefix, bins.pgCtl, ...pgCtlStartArgs(files.dataDir, files.logFile, options)],
    files.logFile,
  );
  const pid = Number(readFileSync(join(files.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  writePidFile(files.pidFile, pidRecord(pid, `postgres -D ${files.dataDir}`));
  progress?.({
    part: 'postgres',
    message: `private cluster started (pid ${pid}, port ${config.postgres.privatePort})`,
  });
  await waitForPostgres(privatePostgresUrl(config), 30_000);
  return 'started';
}

/** Waits until `url` answers select 1. */
export async function waitForPostgres(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await withRetry(
    async () => {
      if (!(await canConnectPostgres(url, 1000)))
        throw new Error(`Postgres at ${redact(url)} not answering`);
    },
    {
      attempts: Math.ceil(timeoutMs / 200),
      initialDelayMs: 200,
      maxDelayMs: 1000,
      retryIf: () => Date.now() < deadline,
    },
  ).catch((error: unknown) => {
    throw new ConcordError('STACK_START_FAILED', (error as Error).message, {
      cause: error,
      retriable: false,
    });
  });
}

/** Stops the private cluster by PID (SIGINT = Postgres fast shutdown). */
export function stopPrivatePostgres(config: ConcordConfig): Promise<number | undefined> {
  return stopByPidFile(stackPaths(config).postgres.pidFile, { signal: 'SIGINT', graceMs: 20_000 });
}
