import type { ConcordConfig, RegionId } from '@concord/config';
import { readStackEndpoints, type StackEndpoints } from './endpoints/StackEndpoints.js';
import { KafkaBroker, type BrokerStatus } from './kafka/KafkaBroker.js';
import { LinkControlClient } from './links/LinkControlClient.js';
import { linkDaemonProcesses } from './links/linkDaemonProcess.js';
import type { LinkStatus } from './links/linkSettings.js';
import { livePid, ProcessState } from './process/PidFile.js';
import { stackPaths } from './StackPaths.js';

/** State of a process the stack runs. `paused` = SIGSTOP'ed. */
export type PartState = 'running' | 'paused' | 'stopped';

/** What `concord stack status --json` prints (a stable shape: scripts parse it). */
export interface StackStatus {
  /** True when every part the stack runs is running (none stopped or paused). */
  readonly running: boolean;
  readonly stateDir: string;
  readonly regions: readonly RegionId[];
  /** stack.json, when the stack has been up. */
  readonly endpoints: StackEndpoints | undefined;
  readonly brokers: readonly (BrokerStatus & { readonly managed: boolean })[];
  readonly linkDaemon: {
    readonly state: PartState;
    readonly pid: number | undefined;
    readonly workerPid: number | undefined;
    readonly controlPort: number;
  };
  /** Every link with its settings and counters; undefined when the daemon does not answer. */
  readonly links: readonly LinkStatus[] | undefined;
  readonly postgres: {
    readonly mode: 'external' | 'private' | 'unknown';
    readonly state: PartState | 'external';
    readonly pid: number | undefined;
    readonly port: number | undefined;
  };
  readonly redis: readonly {
    readonly region: RegionId;
    readonly mode: 'external' | 'private' | 'unknown';
    readonly state: PartState | 'external';
    readonly pid: number | undefined;
    readonly port: number | undefined;
  }[];
}

function partState(live: { state: ProcessState } | undefined): PartState {
  if (!live) return 'stopped';
  return live.state === ProcessState.stopped ? 'paused' : 'running';
}

/** The live state of the local stack: processes by PID file, links from the daemon. */
export async function stackStatus(config: ConcordConfig): Promise<StackStatus> {
  const paths = stackPaths(config);
  const endpoints = readStackEndpoints(config);
  const brokers = config.regions.map((r) => ({
    ...new KafkaBroker(config, r).status(),
    managed: config.byRegion[r]!.kafka.managed,
  }));
  const daemon = linkDaemonProcesses(config);
  const links = await new LinkControlClient(config).status().catch(() => undefined);
  const pgLive = livePid(paths.postgres.pidFile);
  const pgMode: StackStatus['postgres']['mode'] =
    endpoints?.postgres.mode ?? (pgLive ? 'private' : 'unknown');
  const postgres = {
    mode: pgMode,
    state: pgMode === 'external' ? ('external' as const) : partState(pgLive),
    pid: pgLive?.pid,
    port: pgMode === 'private' ? config.postgres.privatePort : undefined,
  };
  const redis = config.regions.map((region) => {
    const live = livePid(paths.redis(region).pidFile);
    const mode: StackStatus['redis'][number]['mode'] =
      endpoints?.redis.mode ?? (live ? 'private' : 'unknown');
    return {
      region,
      mode,
      state: mode === 'external' ? ('external' as const) : partState(live),
      pid: live?.pid,
      port: mode === 'private' ? config.byRegion[region]!.redis.privatePort : undefined,
    };
  });
  const linkDaemon = {
    state: partState(daemon.supervisor),
    pid: daemon.supervisor?.pid,
    workerPid: daemon.worker?.pid,
    controlPort: config.linkControlPort,
  };
  const running =
    endpoints !== undefined &&
    brokers.every((b) => !b.managed || b.state === 'running') &&
    linkDaemon.state === 'running' &&
    links !== undefined &&
    (postgres.state === 'external' || postgres.state === 'running') &&
    redis.every((r) => r.state === 'external' || r.state === 'running');
  return {
    running,
    stateDir: config.stateDir,
    regions: config.regions,
    endpoints,
    brokers,
    linkDaemon,
    links,
    postgres,
    redis,
  };
}
