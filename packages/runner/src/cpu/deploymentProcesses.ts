import { readFileSync } from 'node:fs';
import type { ConcordConfig } from '@concord/config';
import { createPool } from '@concord/postgres';
import { findListener, stackStatus } from '@concord/stack';
import type { ServiceStatus } from '../ServiceSpec.js';
import { cpuTicksBetween, parseProcStat, type ProcCpu } from './procStat.js';

/** The kinds of process whose CPU `concord bench system` reports (docs/performance.md). */
export const PROCESS_KINDS = [
  'writer',
  'mirror',
  'reconciler',
  'broker',
  'link-daemon',
  'postgres',
  'redis',
] as const;
export type ProcessKind = (typeof PROCESS_KINDS)[number];
export type StackKind = Exclude<ProcessKind, 'writer' | 'mirror' | 'reconciler'>;

/** The application name of the benchmark's own Postgres connections (not counted). */
export const BENCH_APPLICATION = 'concord-bench-system';

/** PIDs per process kind (a deployment kind, or a baseline's own process such as `naive`). */
export type ProcessSet = Readonly<Record<string, readonly number[]>>;
export type CpuReading = Record<string, ProcCpu[]>;

/**
 * The processes serving this namespace's deployment: the brokers and link daemon (supervisor
 * and worker) from the stack's PID files, the Postgres backends connected to the namespace's
 * databases (pg_stat_activity, less the benchmark's own), the Redis server(s) by their port,
 * and the services from the supervisor's status.
 */
export async function deploymentProcesses(
  config: ConcordConfig,
  services: readonly ServiceStatus[] = [],
): Promise<ProcessSet> {
  const status = await stackStatus(config);
  const set: Record<string, number[]> = {};
  const add = (kind: ProcessKind, pid: number | undefined) => {
    if (pid !== undefined && !(set[kind] ??= []).includes(pid)) set[kind]!.push(pid);
  };
  for (const b of status.brokers) add('broker', b.pid);
  add('link-daemon', status.linkDaemon.pid);
  add('link-daemon', status.linkDaemon.workerPid);
  for (const r of config.regions) {
    const port = Number(new URL(config.byRegion[r]!.redis.url).port || 6379);
    add('redis', findListener(port)?.pid);
  }
  for (const pid of await postgresBackends(config)) add('postgres', pid);
  for (const s of services) add(s.kind, s.pid);
  return set;
}

async function postgresBackends(config: ConcordConfig): Promise<number[]> {
  const pool = createPool(config.postgres.adminUrl, {
    max: 1,
    applicationName: BENCH_APPLICATION,
  });
  try {
    const { rows } = await pool.query<{ pid: number }>(
      `select pid from pg_stat_activity
        where datname = any($1::text[]) and application_name <> $2 and pid <> pg_backend_pid()`,
      [config.regions.map((r) => config.byRegion[r]!.postgres.database), BENCH_APPLICATION],
    );
    return rows.map((r) => r.pid);
  } finally {
    await pool.end();
  }
}

/** Reads /proc/<pid>/stat of every PID of the set that still exists. */
export function readCpu(set: ProcessSet): CpuReading {
  const out: CpuReading = {};
  for (const [kind, pids] of Object.entries(set)) {
    out[kind] = pids.flatMap((pid) => {
      try {
        return [parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'))];
      } catch {
        return []; // ended since it was listed
      }
    });
  }
  return out;
}

/** CPU ticks per kind between two readings (new processes count whole, see cpuTicksBetween). */
export function ticksByKind(before: CpuReading, after: CpuReading): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [kind, procs] of Object.entries(after))
    out[kind] = cpuTicksBetween(before[kind] ?? [], procs);
  return out;
}
