import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ConcordConfig, RegionId } from '@concord/config';
import { readStackEndpoints, writeStackEndpoints } from './endpoints/StackEndpoints.js';
import { KafkaBroker } from './kafka/KafkaBroker.js';
import { ensureKafkaJars, ensureMirrorMakerJars } from './kafka/kafkaJars.js';
import { ensureSigningKeys } from './keys/signingKeys.js';
import {
  ensureLinkDaemon,
  linkDaemonProcesses,
  managedLinks,
  stopLinkDaemon,
} from './links/linkDaemonProcess.js';
import { assertPortsFree, type PortClaim } from './ports/portCheck.js';
import { ensurePrivatePostgres, resolvePostgresMode } from './postgres/PostgresServer.js';
import { requireJava } from './prerequisites.js';
import { withStackLock } from './process/stackLock.js';
import { ensurePrivateRedis, resolveRedisMode } from './redis/RedisServers.js';
import { livePid } from './process/PidFile.js';
import { MirrorMakerProcess, stopMirrorMakers } from './mm2/MirrorMakerProcess.js';
import { ensureReaderAcls } from './security/readerAcls.js';
import { ensureScramPasswords, ensureScramUsers } from './security/scramUsers.js';
import { ensureStackCertificates } from './security/stackCertificates.js';
import { brokerSecurity, mirrorMakerSecurity } from './security/stackSecurity.js';
import { resolveStackModes } from './stackModes.js';
import { runningParts, stopStartedSince } from './process/startedParts.js';
import { stackPaths } from './StackPaths.js';
import { containersStackUp, usesContainers } from './containers/containerStack.js';
import {
  buildEndpoints,
  prepareRegions,
  type StackUpOptions,
  type StackUpResult,
} from './stackUpShared.js';

/**
 * Brings the local stack of `config` up, idempotently: every part that runs is left alone,
 * only missing parts start. Checks prerequisites and ports first (nothing starts when one is
 * missing), starts the brokers, link daemon, Postgres and Redis in parallel, then creates the
 * topics, runs the migrations, generates missing signing keys, waits until everything answers
 * and writes stack.json.
 *
 * A `secure` stack also issues its certificates and SCRAM passwords before anything starts,
 * makes sure every broker holds its remote readers' SCRAM users and read-only ACLs once it
 * answers; an `mm2` stack then starts (or restarts, when its configuration changed) one
 * MirrorMaker 2 process per region and waits until each flow consumes.
 */
export async function stackUp(
  config: ConcordConfig,
  options: StackUpOptions = {},
): Promise<StackUpResult> {
  return withStackLock(config.stateDir, () =>
    usesContainers(config) ? containersStackUp(config, options) : up(config, options),
  );
}

async function up(config: ConcordConfig, options: StackUpOptions): Promise<StackUpResult> {
  const t0 = Date.now();
  const progress = options.progress;
  const started: string[] = [];
  const alreadyRunning: string[] = [];
  const paths = stackPaths(config);

  // 1. Decide and check everything before starting anything.
  const modes = resolveStackModes(config, readStackEndpoints(config), options);
  const managed = config.regions.filter((r) => config.byRegion[r]!.kafka.managed);
  let reissued: RegionId[] = [];
  if (modes.secure) {
    reissued = await ensureStackCertificates(config, managed, progress);
    ensureScramPasswords(config, config.regions);
  }
  const brokerOf = (r: RegionId, java = 'java') =>
    new KafkaBroker(config, r, java, modes.secure ? brokerSecurity(config, r) : undefined);
  const brokers = managed.map((r) => brokerOf(r));
  // A broker whose certificate was just issued again restarts to serve it.
  const toStart = brokers.filter((b) => !b.process() || b.isStale() || reissued.includes(b.region));
  const mirrorMakers =
    modes.replication === 'mm2'
      ? config.regions.map(
          (r) =>
            new MirrorMakerProcess(
              config,
              r,
              'java',
              modes.secure ? mirrorMakerSecurity(config, r) : undefined,
            ),
        )
      : [];
  const mmToStart = mirrorMakers.filter((m) => !m.process() || m.isStale());
  const java = toStart.length > 0 || mmToStart.length > 0 ? requireJava() : 'java';
  const [pgMode, redisMode] = await Promise.all([
    resolvePostgresMode(config),
    resolveRedisMode(config),
  ]);
  const claims: PortClaim[] = [];
  for (const b of toStart) {
    if (b.process()) continue; // stale: its own ports are freed by its restart
    const k = config.byRegion[b.region]!.kafka;
    claims.push(
      { port: k.port, owner: `kafka ${b.region}` },
      { port: k.controllerPort, owner: `kafka ${b.region} controller` },
    );
    for (const [reader, port] of Object.entries(k.peerPorts))
      claims.push({ port, owner: `kafka ${b.region} listener for ${reader}` });
  }
  const daemon = linkDaemonProcesses(config);
  if (!daemon.supervisor && daemon.worker) await stopLinkDaemon(config);
  if (!daemon.supervisor) {
    claims.push({ port: config.linkControlPort, owner: 'link daemon control API' });
    for (const l of managedLinks(config))
      claims.push({ port: l.proxyPort, owner: `link proxy ${l.from}->${l.to}` });
  }
  if (pgMode === 'private' && !livePid(paths.postgres.pidFile)) {
    claims.push({ port: config.postgres.privatePort, owner: 'private postgres' });
  }
  if (redisMode === 'private') {
    for (const r of config.regions) {
      if (!livePid(paths.redis(r).pidFile))
        claims.push({ port: config.byRegion[r]!.redis.privatePort, owner: `private redis ${r}` });
    }
  }
  await assertPortsFree(claims);
  const jars = toStart.length > 0 ? await ensureKafkaJars(config, progress) : paths.kafkaJars;
  const mmJars =
    mmToStart.length > 0 ? await ensureMirrorMakerJars(config, progress) : paths.mm2Jars;

  const generated = ensureSigningKeys(config);
  if (generated.length > 0)
    progress?.({
      part: 'keys',
      message: `generated Ed25519 keys for ${generated.join(', ')} in ${config.keys.dir}`,
    });

  // A MirrorMaker that restarts anyway (its configuration changed, e.g. a switch to --secure)
  // stops before the brokers restart under it with other listeners: left running, it would
  // fail against them until it is replaced.
  const restartingBrokers = toStart.some((b) => b.process());
  for (const m of mmToStart) {
    if (restartingBrokers && m.process()) {
      progress?.({ part: 'mm2', region: m.target, message: 'configuration changed; stopping' });
      await m.stop();
    }
  }

  // 2–4 start processes: if any step fails, what this call started is stopped again.
  const before = runningParts(config);
  try {
    // 2. Start what is missing, in parallel.
    const note = (part: string, how: 'started' | 'running') =>
      (how === 'started' ? started : alreadyRunning).push(part);
    // Regions whose broker storage is formatted by this call: a new, empty log.
    const newLogs = new Set<RegionId>();
    const startBroker = async (broker: KafkaBroker) => {
      const javaBroker = brokerOf(broker.region, java);
      if (!existsSync(join(paths.kafka(broker.region).dataDir, 'meta.properties')))
        newLogs.add(broker.region);
      if (broker.process()) {
        progress?.({
          part: 'kafka',
          region: broker.region,
          message: 'configuration changed; restarting',
        });
        await broker.stop();
      }
      await javaBroker.start(jars, progress);
      await javaBroker.waitReady(options.readyTimeoutMs ?? 90_000);
      progress?.({
        part: 'kafka',
        region: broker.region,
        message: `ready (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
      });
      note(`kafka ${broker.region}`, 'started');
    };
    const checkRunningBroker = async (broker: KafkaBroker) => {
      if (broker.status().state === 'paused') {
        progress?.({
          part: 'kafka',
          region: broker.region,
          message: 'paused (SIGSTOP); left alone',
        });
      } else {
        await broker.waitReady(options.readyTimeoutMs ?? 90_000);
      }
      note(`kafka ${broker.region}`, 'running');
    };
    await settleAll([
      ...brokers.map((b) => (toStart.includes(b) ? startBroker(b) : checkRunningBroker(b))),
      ensureLinkDaemon(config, progress).then((how) => note('links', how)),
      pgMode === 'private'
        ? ensurePrivatePostgres(config, progress).then((how) => note('postgres', how))
        : Promise.resolve(),
      ...(redisMode === 'private'
        ? config.regions.map((r) =>
            ensurePrivateRedis(config, r, progress).then((how) => note(`redis ${r}`, how)),
          )
        : []),
    ]);

    // 3. Topics (and on a secure stack SCRAM users and ACLs), databases and schema; then every
    //    part must answer.
    await prepareRegions(config, {
      pgMode,
      redisMode,
      replication: modes.replication,
      newLogs,
      progress,
      ready: (r) => new KafkaBroker(config, r).status().state === 'running',
      beforeTopics: async (r) => {
        if (modes.secure && config.byRegion[r]!.kafka.managed) {
          await ensureScramUsers(config, r, java, jars, progress);
          await ensureReaderAcls(config, r);
        }
      },
    });

    // 4. MirrorMaker 2 once the target brokers and the topics exist (mm2), or none (direct).
    if (modes.replication === 'mm2') {
      for (const { target, pid } of await stopMirrorMakers(config, config.regions)) {
        progress?.({
          part: 'mm2',
          message: `stopped MirrorMaker 2 into ${target} (pid ${pid}): no longer a region`,
        });
      }
      await settleAll(
        mirrorMakers.map(async (m) => {
          if (!mmToStart.includes(m)) return note(`mm2 ${m.target}`, 'running');
          if (m.process()) {
            progress?.({
              part: 'mm2',
              region: m.target,
              message: 'configuration changed; restarting',
            });
            await m.stop();
          }
          const javaMm = new MirrorMakerProcess(
            config,
            m.target,
            java,
            modes.secure ? mirrorMakerSecurity(config, m.target) : undefined,
          );
          const { logOffset } = javaMm.start(mmJars, progress);
          const flowing = await javaMm.waitReady(
            logOffset,
            options.mirrorMakerReadyTimeoutMs ?? 60_000,
          );
          progress?.({
            part: 'mm2',
            region: m.target,
            message: flowing
              ? `replicating (${((Date.now() - t0) / 1000).toFixed(1)} s)`
              : 'started, but not every source answers yet (a cut link?); it keeps trying',
          });
          note(`mm2 ${m.target}`, 'started');
        }),
      );
    } else {
      for (const { target, pid } of await stopMirrorMakers(config)) {
        progress?.({
          part: 'mm2',
          message: `stopped MirrorMaker 2 into ${target} (pid ${pid}): direct mode`,
        });
      }
    }
  } catch (error) {
    const stopped = await stopStartedSince(config, before, progress);
    if (stopped.length > 0 && error instanceof Error) {
      error.message += ` (stopped what this start had started: ${stopped.join(', ')})`;
    }
    throw error;
  }

  const endpoints = buildEndpoints(config, pgMode, redisMode, modes);
  writeStackEndpoints(config, endpoints);
  return { endpoints, started, alreadyRunning, elapsedMs: Date.now() - t0, modes };
}

/** Like Promise.all, but waits for every promise before it rejects with the first failure. */
async function settleAll(promises: readonly Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(promises)).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}
