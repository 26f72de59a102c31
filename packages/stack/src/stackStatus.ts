import { readdirSync } from 'node:fs';
import type { ConcordConfig, RegionId, ReplicationMode } from '@concord/config';
import { readStackEndpoints, type StackEndpoints } from './endpoints/StackEndpoints.js';
import { KafkaBroker, type BrokerStatus } from './kafka/KafkaBroker.js';
import { LinkControlClient } from './links/LinkControlClient.js';
import { linkDaemonProcesses } from './links/linkDaemonProcess.js';
import type { LinkStatus } from './links/linkSettings.js';
import { MirrorMakerProcess, type MirrorMakerStatus } from './mm2/MirrorMakerProcess.js';
import { livePid, ProcessState } from './process/PidFile.js';
import { recordedModes } from './stackModes.js';
import { stackPaths } from './StackPaths.js';
import {
  containerState,
  readContainers,
  type ContainerRecord,
} from './containers/containerParts.js';

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
  readonly brokers: readonly (BrokerStatus & {
    readonly managed: boolean;
    /** The container id on a containers stack (docs/containers.md). */
    readonly container?: string | undefined;
  })[];
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
    readonly container?: string | undefined;
  };
  readonly redis: readonly {
    readonly region: RegionId;
    readonly mode: 'external' | 'private' | 'unknown';
    readonly state: PartState | 'external';
    readonly pid: number | undefined;
    readonly port: number | undefined;
    readonly container?: string | undefined;
  }[];
  /** How regions replicate (stack.json; `direct` when it does not say). */
  readonly replication: ReplicationMode;
  /** Of the cross-region (PEER) listeners: `sasl_ssl` on a `--secure` stack. */
  readonly security: 'plaintext' | 'sasl_ssl';
  /**
   * The MirrorMaker 2 processes: one per region in `mm2` mode (each replicating into its
   * `target` from its `sources`); in `direct` mode only any still running.
   */
  readonly mirrorMakers: readonly MirrorMakerStatus[];
}

function partState(live: { state: ProcessState } | undefined): PartState {
  if (!live) return 'stopped';
  return live.state === ProcessState.stopped ? 'paused' : 'running';
}

/** The live state of the local stack: processes by PID file, links from the daemon. */
export async function stackStatus(config: ConcordConfig): Promise<StackStatus> {
  const paths = stackPaths(config);
  const endpoints = readStackEndpoints(config);
  // A containers stack (docs/containers.md): brokers, Postgres and Redis are containers.
  const containers = readContainers(config);
  const inContainer = (part: ContainerRecord['part'], region?: RegionId) => {
    const c = containers?.containers.find((x) => x.part === part && x.region === region);
    return { state: c ? containerState(c.id) : ('stopped' as const), container: c?.id };
  };
  const brokers = config.regions.map((r) => ({
    ...new KafkaBroker(config, r).status(),
    managed: config.byRegion[r]!.kafka.managed,
    ...(containers ? inContainer('kafka', r) : {}),
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
    ...(containers ? inContainer('postgres') : {}),
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
      ...(containers ? inContainer('redis', region) : {}),
    };
  });
  const modes = recordedModes(endpoints);
  let mirrorMakers = config.regions.map((r) => new MirrorMakerProcess(config, r).status());
  if (modes.replication !== 'mm2') {
    let dirs: string[] = [];
    try {
      dirs = readdirSync(paths.mm2Root);
    } catch {
      dirs = [];
    }
    mirrorMakers = dirs
      .map((r) => new MirrorMakerProcess(config, r).status())
      .filter((m) => m.state !== 'stopped');
  }
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
    redis.every((r) => r.state === 'external' || r.state === 'running') &&
    (modes.replication !== 'mm2' || mirrorMakers.every((m) => m.state === 'running'));
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
    replication: modes.replication,
    security: modes.secure ? 'sasl_ssl' : 'plaintext',
    mirrorMakers,
  };
}
