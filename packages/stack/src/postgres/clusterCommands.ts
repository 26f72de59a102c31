/**
 * The commands of a disposable local Postgres cluster, shared by the stack's private cluster
 * (PostgresServer.ts) and the tests' throw-away clusters (@concord/test-support): initdb with
 * trust auth, a server on 127.0.0.1 only with its socket in its own folder, fsync off, and —
 * as root — run as the `postgres` user (Postgres refuses to run as root).
 */
import { findExecutable, prerequisiteMissing } from '../prerequisites.js';
import { postgresAccount } from './privatePostgresHome.js';

export interface ClusterServerOptions {
  readonly port: number;
  /** Folder of the Unix socket (`-k`). */
  readonly socketDir: string;
  readonly maxConnections?: number;
  /**
   * `synchronous_commit` stays on when true: a test that crashes the cluster (immediate stop)
   * must find every acknowledged commit again. Default false (a faster local stack).
   */
  readonly durableCommits?: boolean;
}

/** initdb and pg_ctl, from PATH or Debian's /usr/lib/postgresql/<v>/bin. */
export function clusterBinaries(): { initdb: string; pgCtl: string } | undefined {
  const initdb = findExecutable('initdb');
  const pgCtl = findExecutable('pg_ctl');
  return initdb && pgCtl ? { initdb, pgCtl } : undefined;
}

/** As root, `runuser -u postgres --` and the account to own the cluster's folders; else none. */
export function clusterUser(): { uid: number; gid: number; prefix: string[] } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const account = postgresAccount();
  const runuser = findExecutable('runuser');
  if (!account || !runuser) {
    throw prerequisiteMissing(
      'Postgres cannot run as root and there is no `postgres` user (or no runuser) to run the private cluster as',
      'create one (useradd --system postgres) or run Postgres yourself and set CONCORD_PG_URL',
    );
  }
  return { uid: account.uid, gid: account.gid, prefix: [runuser, '-u', 'postgres', '--'] };
}

/** initdb's arguments: superuser `postgres`, trust auth, UTF-8. */
export function initdbArgs(dataDir: string): string[] {
  return ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8'];
}

/** The server options (`pg_ctl -o`). */
export function serverOptions(o: ClusterServerOptions): string {
  return [
    `-p ${o.port}`,
    `-c listen_addresses=127.0.0.1`,
    `-k ${o.socketDir}`,
    ...(o.maxConnections === undefined ? [] : [`-c max_connections=${o.maxConnections}`]),
    // A disposable local cluster: durability against OS crashes is not worth the fsyncs.
    '-c fsync=off',
    ...(o.durableCommits ? [] : ['-c synchronous_commit=off']),
  ].join(' ');
}

/** `pg_ctl … start` arguments: waits (up to 60 s) until the server accepts connections. */
export function pgCtlStartArgs(dataDir: string, logFile: string, options: string): string[] {
  return ['-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', options, 'start'];
}

/** `pg_ctl … stop` arguments: `fast` (clients disconnected) or `immediate` (a crash). */
export function pgCtlStopArgs(dataDir: string, mode: 'fast' | 'immediate'): string[] {
  return ['-D', dataDir, '-m', mode, '-w', 'stop'];
}
