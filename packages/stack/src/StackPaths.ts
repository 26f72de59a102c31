import { join } from 'node:path';
import type { ConcordConfig, RegionId } from '@concord/config';

/** Files of one process the stack runs: where it logs and where its PID file lives. */
export interface ProcessFiles {
  readonly dir: string;
  readonly pidFile: string;
  readonly logFile: string;
}

/**
 * Where everything of the local stack lives under `config.stateDir`:
 *
 * ```
 * <state>/stack.json                      effective endpoints (written by `stack up`)
 * <state>/kafka/<region>/server.properties, log4j2.properties, cluster.id, broker.pid
 * <state>/kafka/<region>/data/            KRaft metadata + topic logs
 * <state>/kafka/<region>/logs/            broker logs (server.log, stdout.log)
 * <state>/links/links.json                the proxies the link daemon serves
 * <state>/links/state.json                link state (cut, latency, bandwidth), restored on restart
 * <state>/links/daemon.pid, worker.pid, daemon.log
 * <state>/postgres/data, postgres.pid, postgres.log     (private Postgres only)
 * <state>/redis/<region>/redis.pid, redis.log, dump.rdb (private Redis only)
 * <state>/keys/ (unless CONCORD_KEYS_DIR)  <region>.key, <region>.pub
 * ```
 */
export interface StackPaths {
  readonly stateDir: string;
  readonly stackJson: string;
  readonly kafka: (region: RegionId) => ProcessFiles & {
    readonly dataDir: string;
    readonly logsDir: string;
    readonly serverProperties: string;
    readonly log4jProperties: string;
    readonly clusterIdFile: string;
  };
  readonly links: ProcessFiles & {
    readonly specFile: string;
    readonly stateFile: string;
    readonly workerPidFile: string;
  };
  readonly postgres: ProcessFiles & { readonly dataDir: string; readonly socketDir: string };
  readonly redis: (region: RegionId) => ProcessFiles;
  readonly kafkaJars: string;
}

/** The state-folder layout of the stack described by `config`. */
export function stackPaths(
  config: Pick<ConcordConfig, 'stateDir' | 'cacheDir' | 'kafka'>,
): StackPaths {
  const state = config.stateDir;
  const linksDir = join(state, 'links');
  const pgDir = join(state, 'postgres');
  return {
    stateDir: state,
    stackJson: join(state, 'stack.json'),
    kafka: (region) => {
      const dir = join(state, 'kafka', region);
      return {
        dir,
        pidFile: join(dir, 'broker.pid'),
        logFile: join(dir, 'logs', 'stdout.log'),
        dataDir: join(dir, 'data'),
        logsDir: join(dir, 'logs'),
        serverProperties: join(dir, 'server.properties'),
        log4jProperties: join(dir, 'log4j2.properties'),
        clusterIdFile: join(dir, 'cluster.id'),
      };
    },
    links: {
      dir: linksDir,
      pidFile: join(linksDir, 'daemon.pid'),
      workerPidFile: join(linksDir, 'worker.pid'),
      logFile: join(linksDir, 'daemon.log'),
      specFile: join(linksDir, 'links.json'),
      stateFile: join(linksDir, 'state.json'),
    },
    postgres: {
      dir: pgDir,
      pidFile: join(pgDir, 'postgres.pid'),
      logFile: join(pgDir, 'postgres.log'),
      dataDir: join(pgDir, 'data'),
      socketDir: join(pgDir, 'run'),
    },
    redis: (region) => {
      const dir = join(state, 'redis', region);
      return { dir, pidFile: join(dir, 'redis.pid'), logFile: join(dir, 'redis.log') };
    },
    kafkaJars: join(config.cacheDir, 'kafka', config.kafka.version, 'libs'),
  };
}
