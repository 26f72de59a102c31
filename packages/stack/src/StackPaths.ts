import { join } from 'node:path';
import type { ConcordConfig, RegionId } from '@concord/config';
import { privatePostgresServerDir } from './postgres/privatePostgresHome.js';

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
 * <state>/postgres/postgres.pid + data/, run/, postgres.log (private Postgres only; as root,
 *                                         the latter three in the postgres user's home)
 * <state>/redis/<region>/redis.pid, redis.log, dump.rdb (private Redis only)
 * <state>/keys/ (unless CONCORD_KEYS_DIR)  <region>.key, <region>.pub
 * <state>/security/ (0700, --secure)   ca.key, ca.crt, kafka-<region>.{key,crt,pem}, users/<region>.password
 * <state>/mm2/<target>/ (--mm2)         mm2.properties, log4j2.properties, mm2.pid, logs/
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
  /** Key material of a `--secure` stack (folder mode 0700, keys and passwords 0600). */
  readonly security: {
    readonly dir: string;
    readonly caKey: string;
    readonly caCert: string;
    /** The broker's private key, its certificate, and both in one PEM (the broker's keystore). */
    readonly broker: (region: RegionId) => {
      readonly key: string;
      readonly cert: string;
      readonly keystore: string;
    };
    readonly usersDir: string;
    /** Password of the SCRAM user region `reader` authenticates as on other regions' brokers. */
    readonly password: (reader: RegionId) => string;
    /** Which SCRAM users a broker's metadata holds (password fingerprints only). */
    readonly scramStamp: (region: RegionId) => string;
  };
  /** The MirrorMaker 2 process replicating into `target` (`--mm2`). */
  readonly mm2: (target: RegionId) => ProcessFiles & {
    readonly logsDir: string;
    readonly properties: string;
    readonly log4jProperties: string;
  };
  readonly mm2Root: string;
  readonly mm2Jars: string;
}

/** The state-folder layout of the stack described by `config`. */
export function stackPaths(
  config: Pick<ConcordConfig, 'stateDir' | 'cacheDir' | 'kafka'>,
): StackPaths {
  const state = config.stateDir;
  const linksDir = join(state, 'links');
  const pgDir = join(state, 'postgres');
  const pgServerDir = privatePostgresServerDir(state, pgDir);
  const securityDir = join(state, 'security');
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
      dir: pgServerDir,
      pidFile: join(pgDir, 'postgres.pid'),
      logFile: join(pgServerDir, 'postgres.log'),
      dataDir: join(pgServerDir, 'data'),
      socketDir: join(pgServerDir, 'run'),
    },
    redis: (region) => {
      const dir = join(state, 'redis', region);
      return { dir, pidFile: join(dir, 'redis.pid'), logFile: join(dir, 'redis.log') };
    },
    kafkaJars: join(config.cacheDir, 'kafka', config.kafka.version, 'libs'),
    security: {
      dir: securityDir,
      caKey: join(securityDir, 'ca.key'),
      caCert: join(securityDir, 'ca.crt'),
      broker: (region) => ({
        key: join(securityDir, `kafka-${region}.key`),
        cert: join(securityDir, `kafka-${region}.crt`),
        keystore: join(securityDir, `kafka-${region}.pem`),
      }),
      usersDir: join(securityDir, 'users'),
      password: (reader) => join(securityDir, 'users', `${reader}.password`),
      scramStamp: (region) => join(state, 'kafka', region, 'scram.json'),
    },
    mm2: (target) => {
      const dir = join(state, 'mm2', target);
      return {
        dir,
        pidFile: join(dir, 'mm2.pid'),
        logFile: join(dir, 'logs', 'stdout.log'),
        logsDir: join(dir, 'logs'),
        properties: join(dir, 'mm2.properties'),
        log4jProperties: join(dir, 'log4j2.properties'),
      };
    },
    mm2Root: join(state, 'mm2'),
    mm2Jars: join(config.cacheDir, 'kafka', config.kafka.version, 'mm2-libs'),
  };
}
