import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { GenericContainer, Network, Wait } from 'testcontainers';
import { Kafka, logLevel } from 'kafkajs';
import type { ConcordConfig, RegionId } from '@concord/config';
import { ConcordError, withRetry } from '@concord/core';
import { writeStackEndpoints } from '../endpoints/StackEndpoints.js';
import { newClusterId } from '../kafka/KafkaBroker.js';
import { renderServerProperties } from '../kafka/serverProperties.js';
import { ensureSigningKeys } from '../keys/signingKeys.js';
import { ensureLinkDaemon } from '../links/linkDaemonProcess.js';
import { assertPortsFree, type PortClaim } from '../ports/portCheck.js';
import { prerequisiteMissing } from '../prerequisites.js';
import type { ProgressSink } from '../progress.js';
import { stackPaths } from '../StackPaths.js';
import {
  buildEndpoints,
  prepareRegions,
  type StackUpOptions,
  type StackUpResult,
} from '../stackUpShared.js';
import {
  containerState,
  docker,
  readContainers,
  writeContainers,
  type ContainerRecord,
} from './containerParts.js';
import { requireDocker } from './docker.js';
import { imageNames, missingImages } from './images.js';

/** The label every container and network of a stack carries: its state folder. */
export const STATE_LABEL = 'dev.concord.state';

/** Waits until the broker answers describeCluster on its published LOCAL port. */
export async function waitKafkaReady(port: number, timeoutMs: number): Promise<void> {
  const kafka = new Kafka({
    clientId: 'concord-stack-containers',
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 3000,
    retry: { retries: 0 },
  });
  const deadline = Date.now() + timeoutMs;
  await withRetry(
    async () => {
      const admin = kafka.admin();
      try {
        await admin.connect();
        await admin.describeCluster();
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
    {
      attempts: Math.ceil(timeoutMs / 250),
      initialDelayMs: 250,
      maxDelayMs: 1000,
      retryIf: () => Date.now() < deadline,
    },
  );
}

interface PartSpec {
  readonly part: ContainerRecord['part'];
  readonly region?: RegionId;
  readonly image: string;
  readonly ports: readonly PortClaim[];
  readonly container: () => GenericContainer;
  /** Readiness beyond the container's wait strategy (Kafka: describeCluster). */
  readonly ready?: () => Promise<void>;
  /** Called before a new container is created (Kafka: a new cluster id, a new log). */
  readonly onCreate?: () => void;
}

/**
 * `stack up` with CONCORD_STACK_PROVIDER=containers: every region's KRaft broker, one Postgres
 * and a Redis per region as containers (testcontainers, images of `concord images build`)
 * publishing the same ports the process stack listens on, so stack.json, the link daemon
 * (on the host, in front of the brokers' published PEER ports) and every client stay as they
 * are. Idempotent: running containers are left alone, stopped ones started again by id.
 */
export async function containersStackUp(
  config: ConcordConfig,
  options: StackUpOptions,
): Promise<StackUpResult> {
  const t0 = Date.now();
  const progress: ProgressSink | undefined = options.progress;
  if (options.replication === 'mm2' || options.secure === true) {
    throw new ConcordError(
      'VALIDATION_FAILED',
      'the containers provider runs direct, plaintext stacks only; use CONCORD_STACK_PROVIDER=processes for --mm2 or --secure',
    );
  }
  requireDocker();
  const missing = missingImages(config);
  if (missing.length > 0) {
    throw prerequisiteMissing(
      `container images not built: ${missing.join(', ')}`,
      'run `concord images build` (docs/containers.md)',
    );
  }
  const images = imageNames(config);
  const paths = stackPaths(config);
  const labels = { [STATE_LABEL]: config.stateDir };
  const recorded = readContainers(config);
  let network = recorded?.network;
  if (!network || docker(['network', 'inspect', network.id], true) === '') {
    const started = await new Network().start();
    network = { id: started.getId(), name: started.getName() };
  }
  const records: ContainerRecord[] = [];
  const save = () => writeContainers(config, { version: 1, network, containers: records });
  save();
  const newLogs = new Set<RegionId>();
  const readyMs = options.readyTimeoutMs ?? 120_000;
  const named = (suffix: string) => `concord-${config.namespace}-${suffix}`;
  const base = (image: string, name: string) =>
    new GenericContainer(image)
      .withName(name)
      .withLabels(labels)
      .withNetworkMode(network.name)
      .withStartupTimeout(readyMs);

  const specs: PartSpec[] = config.regions
    .filter((r) => config.byRegion[r]!.kafka.managed)
    .map((r) => {
      const k = config.byRegion[r]!.kafka;
      const peer = config.links.filter((l) => l.from === r).map((l) => l.upstreamPort);
      const clusterIdFile = paths.kafka(r).clusterIdFile;
      return {
        part: 'kafka',
        region: r,
        image: images.kafka,
        ports: [k.port, ...peer].map((port) => ({ port, owner: `kafka ${r} container` })),
        onCreate: () => {
          // A new container formats new storage: a new log, bound afresh (prepareRegions).
          mkdirSync(paths.kafka(r).dir, { recursive: true });
          writeFileSync(clusterIdFile, newClusterId() + '\n');
          newLogs.add(r);
        },
        container: () =>
          base(images.kafka, named(`kafka-${r}`))
            .withCopyContentToContainer([
              {
                content: renderServerProperties(config, r, {
                  dataDir: '/var/lib/kafka/data',
                  bindHost: '0.0.0.0',
                }),
                target: '/opt/kafka/server.properties',
              },
            ])
            .withCommand(['/opt/kafka/server.properties'])
            .withEnvironment({
              CLUSTER_ID: readFileSync(clusterIdFile, 'utf8').trim(),
              KAFKA_HEAP_OPTS: `-Xmx${config.kafka.heapMb}m -Xms64m`,
            })
            .withExposedPorts(...[k.port, ...peer].map((p) => ({ container: p, host: p })))
            .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/)),
        ready: () => waitKafkaReady(k.port, readyMs),
      } satisfies PartSpec;
    });
  const pgPort = config.postgres.privatePort;
  specs.push({
    part: 'postgres',
    image: images.postgres,
    ports: [{ port: pgPort, owner: 'postgres container' }],
    container: () =>
      base(images.postgres, named('postgres'))
        .withEnvironment({ PGPORT: String(pgPort) })
        .withExposedPorts({ container: pgPort, host: pgPort })
        .withWaitStrategy(
          Wait.forSuccessfulCommand(`pg_isready -h 127.0.0.1 -p ${pgPort} -U postgres`),
        ),
  });
  for (const r of config.regions) {
    const port = config.byRegion[r]!.redis.privatePort;
    specs.push({
      part: 'redis',
      region: r,
      image: images.redis,
      ports: [{ port, owner: `redis ${r} container` }],
      container: () =>
        base(images.redis, named(`redis-${r}`))
          .withCommand(['redis-server', '--port', String(port), '--save', '', '--appendonly', 'no'])
          .withExposedPorts({ container: port, host: port })
          .withWaitStrategy(Wait.forSuccessfulCommand(`redis-cli -p ${port} ping | grep -q PONG`)),
    });
  }

  const started: string[] = [];
  const alreadyRunning: string[] = [];
  const label = (s: PartSpec) => `${s.part}${s.region ? ` ${s.region}` : ''}`;
  const existing = (s: PartSpec) =>
    recorded?.containers.find((c) => c.part === s.part && c.region === s.region);
  const toCreate = specs.filter((s) => {
    const c = existing(s);
    return !c || docker(['inspect', '-f', '{{.Id}}', c.id], true) === '';
  });
  await assertPortsFree(toCreate.flatMap((s) => s.ports));

  await Promise.all([
    ...specs.map(async (s) => {
      const c = existing(s);
      if (c && !toCreate.includes(s)) {
        records.push(c);
        save();
        const state = containerState(c.id);
        if (state === 'stopped') {
          docker(['start', c.id]);
          started.push(label(s));
        } else alreadyRunning.push(label(s));
        if (state !== 'paused') await s.ready?.();
        return;
      }
      s.onCreate?.();
      progress?.({ part: s.part, region: s.region, message: 'starting container' });
      const container = await s.container().start();
      records.push({
        part: s.part,
        ...(s.region ? { region: s.region } : {}),
        id: container.getId(),
        name: container.getName().replace(/^\//, ''),
        image: s.image,
      });
      save();
      await s.ready?.();
      progress?.({
        part: s.part,
        region: s.region,
        message: `container ${container.getId().slice(0, 12)} ready (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
      });
      started.push(label(s));
    }),
    ensureLinkDaemon(config, progress).then((how) =>
      (how === 'started' ? started : alreadyRunning).push('links'),
    ),
  ]);

  const generated = ensureSigningKeys(config);
  if (generated.length > 0)
    progress?.({ part: 'keys', message: `generated Ed25519 keys for ${generated.join(', ')}` });
  await prepareRegions(config, {
    pgMode: 'private',
    redisMode: 'private',
    replication: 'direct',
    newLogs,
    progress,
    ready: (r) => {
      const c = records.find((x) => x.part === 'kafka' && x.region === r);
      return c !== undefined && containerState(c.id) === 'running';
    },
  });
  const modes = { replication: 'direct', secure: false } as const;
  const endpoints = {
    ...buildEndpoints(config, 'private', 'private', modes),
    provider: 'containers' as const,
  };
  writeStackEndpoints(config, endpoints);
  return { endpoints, started, alreadyRunning, elapsedMs: Date.now() - t0, modes };
}

/** True when this state folder's stack runs on containers (recorded, or chosen for a new one). */
export function usesContainers(config: Pick<ConcordConfig, 'stateDir' | 'stackProvider'>): boolean {
  return readContainers(config) !== undefined || config.stackProvider === 'containers';
}
