import type { ConcordConfig, RegionId } from '@concord/config';
import type { BrokerStatus } from '../kafka/KafkaBroker.js';
import {
  containerState,
  docker,
  requireContainer,
  type ContainerRecord,
} from './containerParts.js';
import { waitKafkaReady } from './containerStack.js';

/**
 * Fault injection on a containers stack (docs/containers.md), by the recorded container id:
 * the same faces as the process stack's controls (StackController), with `docker stop`
 * (SIGTERM, SIGKILL after the grace period), `docker kill`, `docker pause` (the cgroup
 * freezer: a hung server, connections left open) and `docker start`. No PIDs: undefined.
 */
export function containerBrokerControl(config: ConcordConfig, region: RegionId) {
  const k = config.byRegion[region]!.kafka;
  const id = () => requireContainer(config, 'kafka', region).id;
  return {
    status: (): BrokerStatus => ({
      region,
      state: containerState(id()),
      pid: undefined,
      port: k.port,
      controllerPort: k.controllerPort,
    }),
    stop: async () => void docker(['stop', '-t', '20', id()]),
    kill: async () => void docker(['kill', id()]),
    start: async () => {
      if (containerState(id()) === 'stopped') docker(['start', id()]);
      await waitKafkaReady(k.port, 120_000);
    },
    pause: async () => void docker(['pause', id()]),
    resume: async () => void docker(['unpause', id()]),
  };
}

/** Stop/start/restart of the Postgres or a region's Redis container. */
export function containerServerControl(
  config: ConcordConfig,
  part: Exclude<ContainerRecord['part'], 'kafka'>,
  region?: RegionId,
) {
  const id = () => requireContainer(config, part, region).id;
  const ready =
    part === 'postgres'
      ? [
          'pg_isready',
          '-h',
          '127.0.0.1',
          '-p',
          String(config.postgres.privatePort),
          '-U',
          'postgres',
        ]
      : ['redis-cli', '-p', String(config.byRegion[region!]!.redis.privatePort), 'ping'];
  const start = async () => {
    if (containerState(id()) === 'stopped') docker(['start', id()]);
    // The same readiness as the container's wait strategy (pg_isready, PING), event by event.
    for (let i = 0; i < 120; i++) {
      if (docker(['exec', id(), ...ready], true).match(/accepting|PONG/)) return;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`${part} container ${id().slice(0, 12)} did not answer after start`);
  };
  return {
    stop: async () => void docker(['stop', '-t', '20', id()]),
    start,
    restart: async () => {
      docker(['stop', '-t', '20', id()]);
      await start();
    },
  };
}
