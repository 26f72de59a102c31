import type { ConcordConfig, RegionId } from '@concord/config';
import { ConcordError } from '@concord/core';
import {
  readStackEndpoints,
  requireStackEndpoints,
  type StackEndpoints,
} from './endpoints/StackEndpoints.js';
import { KafkaBroker, type BrokerStatus } from './kafka/KafkaBroker.js';
import { ensureKafkaJars, ensureMirrorMakerJars } from './kafka/kafkaJars.js';
import { LinkControlClient } from './links/LinkControlClient.js';
import { readContainers } from './containers/containerParts.js';
import { containerBrokerControl, containerServerControl } from './containers/containerControls.js';
import { assertPortsFree } from './ports/portCheck.js';
import { ensurePrivatePostgres, stopPrivatePostgres } from './postgres/PostgresServer.js';
import { requireJava } from './prerequisites.js';
import type { ProgressSink } from './progress.js';
import { ensurePrivateRedis, stopPrivateRedis } from './redis/RedisServers.js';
import { MirrorMakerProcess, type MirrorMakerStatus } from './mm2/MirrorMakerProcess.js';
import { brokerSecurity, mirrorMakerSecurity } from './security/stackSecurity.js';
import { stackDown, type StackDownOptions, type StackDownResult } from './stackDown.js';
import { recordedModes } from './stackModes.js';
import { stackStatus, type StackStatus } from './stackStatus.js';
import { stackUp } from './stackUp.js';
import type { StackUpOptions, StackUpResult } from './stackUpShared.js';

/** Fault injection on one region's broker (all by PID from the broker's PID file). */
export interface BrokerControl {
  status(): BrokerStatus;
  /** Graceful stop (SIGTERM, SIGKILL after the grace period). Resolves with the PID, if any. */
  stop(): Promise<number | undefined>;
  /** Starts the broker (data kept) and waits until it answers. */
  start(): Promise<void>;
  /** SIGKILL: a crash. */
  kill(): Promise<number | undefined>;
  /** SIGSTOP: a hung broker, connections left open. Resolves once the kernel says stopped. */
  pause(): Promise<number | undefined>;
  /** SIGCONT; resolves once the kernel says running. */
  resume(): Promise<number | undefined>;
}

/** Fault injection on the MirrorMaker 2 process replicating into one region (mm2 stacks). */
export interface MirrorMakerControl {
  status(): MirrorMakerStatus;
  /** SIGTERM (offsets committed), SIGKILL after the grace period. */
  stop(): Promise<number | undefined>;
  /** SIGKILL: a crash. */
  kill(): Promise<number | undefined>;
  /** Starts it (with the stack's recorded security) and waits until its flows consume. */
  start(): Promise<void>;
}

/** Stop/start of a server the stack runs privately (fails when the stack uses an external one). */
export interface ServerControl {
  stop(): Promise<number | undefined>;
  start(): Promise<void>;
  restart(): Promise<void>;
}

/** The port range check + JVM start of one broker, outside a full `stack up`. */
async function startBroker(
  config: ConcordConfig,
  region: RegionId,
  progress?: ProgressSink,
): Promise<void> {
  // Started again as the stack was brought up: a secure stack's broker keeps its SASL_SSL listeners.
  const secure = recordedModes(readStackEndpoints(config)).secure;
  const broker = new KafkaBroker(
    config,
    region,
    requireJava(),
    secure ? brokerSecurity(config, region) : undefined,
  );
  if (broker.process()) return broker.waitReady();
  const k = config.byRegion[region]!.kafka;
  await assertPortsFree([
    { port: k.port, owner: `kafka ${region}` },
    { port: k.controllerPort, owner: `kafka ${region} controller` },
    ...Object.entries(k.peerPorts).map(([reader, port]) => ({
      port,
      owner: `kafka ${region} listener for ${reader}`,
    })),
  ]);
  await broker.start(await ensureKafkaJars(config, progress), progress);
  await broker.waitReady();
}

/**
 * The programmatic face of the local stack, for tests, the chaos tool and the CLI: lifecycle,
 * effective endpoints, WAN link control and per-part fault injection.
 */
export class StackController {
  /** WAN link control: partition, heal, latency, bandwidth, status. */
  readonly links: LinkControlClient;

  constructor(readonly config: ConcordConfig) {
    this.links = new LinkControlClient(config);
  }

  up(options?: StackUpOptions): Promise<StackUpResult> {
    return stackUp(this.config, options);
  }

  down(options?: StackDownOptions): Promise<StackDownResult> {
    return stackDown(this.config, options);
  }

  status(): Promise<StackStatus> {
    return stackStatus(this.config);
  }

  /** stack.json, or undefined when the stack never came up in this state folder. */
  endpoints(): StackEndpoints | undefined {
    return readStackEndpoints(this.config);
  }

  broker(region: RegionId): BrokerControl {
    this.checkRegion(region);
    if (readContainers(this.config)) return containerBrokerControl(this.config, region);
    const broker = new KafkaBroker(this.config, region);
    return {
      status: () => broker.status(),
      stop: () => broker.stop(),
      start: () => startBroker(this.config, region),
      kill: () => broker.kill(),
      pause: () => broker.pause(),
      resume: () => broker.resume(),
    };
  }

  /** The MirrorMaker 2 process replicating into `target` (an mm2 stack). */
  mirrorMaker(target: RegionId): MirrorMakerControl {
    this.checkRegion(target);
    const mm = new MirrorMakerProcess(this.config, target);
    return {
      status: () => mm.status(),
      stop: () => mm.stop(),
      kill: () => mm.kill(),
      start: async () => {
        if (mm.process()) return;
        const modes = recordedModes(readStackEndpoints(this.config));
        if (modes.replication !== 'mm2') {
          throw new ConcordError(
            'VALIDATION_FAILED',
            'the stack runs in direct mode; bring it up with `concord stack up --mm2`',
          );
        }
        const started = new MirrorMakerProcess(
          this.config,
          target,
          requireJava(),
          modes.secure ? mirrorMakerSecurity(this.config, target) : undefined,
        );
        const { logOffset } = started.start(await ensureMirrorMakerJars(this.config));
        await started.waitReady(logOffset);
      },
    };
  }

  /** The private Redis of `region` (only when the stack runs Redis privately). */
  redis(region: RegionId): ServerControl {
    this.checkRegion(region);
    if (readContainers(this.config)) return containerServerControl(this.config, 'redis', region);
    const check = () => this.requirePrivate('redis');
    const start = async () => {
      check();
      await ensurePrivateRedis(this.config, region);
    };
    return {
      stop: async () => (check(), stopPrivateRedis(this.config, region)),
      start,
      restart: async () => {
        check();
        await stopPrivateRedis(this.config, region);
        await start();
      },
    };
  }

  /** The private Postgres cluster (shared by every region's database). */
  postgres(): ServerControl {
    if (readContainers(this.config)) return containerServerControl(this.config, 'postgres');
    const check = () => this.requirePrivate('postgres');
    const start = async () => {
      check();
      await ensurePrivatePostgres(this.config);
    };
    return {
      stop: async () => (check(), stopPrivatePostgres(this.config)),
      start,
      restart: async () => {
        check();
        await stopPrivatePostgres(this.config);
        await start();
      },
    };
  }

  private requirePrivate(part: 'postgres' | 'redis'): void {
    const mode = requireStackEndpoints(this.config)[part].mode;
    if (mode !== 'private') {
      throw new ConcordError(
        'VALIDATION_FAILED',
        `the stack uses an external ${part === 'postgres' ? 'Postgres' : 'Redis'}; only a private one (CONCORD_${part === 'postgres' ? 'PG' : 'REDIS'}_MODE=private) can be stopped or restarted by the stack`,
      );
    }
  }

  private checkRegion(region: RegionId): void {
    if (!this.config.regions.includes(region)) {
      throw new ConcordError(
        'UNKNOWN_REGION',
        `unknown region "${region}"; configured regions: ${this.config.regions.join(', ')}`,
      );
    }
  }
}
