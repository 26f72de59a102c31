import { join } from 'node:path';
import type { ConcordConfig, RegionId } from '@concord/config';
import { ConcordError } from '@concord/core';
import { findExecutable, prerequisiteMissing } from '../prerequisites.js';
import type { ProgressSink } from '../progress.js';
import { docker } from './containerParts.js';
import { requireDocker, runCommand } from './docker.js';
import { imageNames, missingImages } from './images.js';

/** The tokens docker-compose.yml falls back to (CONCORD_API_TOKENS, CONCORD_ADMIN_TOKEN). */
const COMPOSE_API_TOKEN = 'change-me-api-token-0001';
const COMPOSE_ADMIN_TOKEN = 'change-me-admin-token-01';
/** The containers of a region that reach other regions (on the `wan` network). */
const WAN_SERVICES = ['kafka', 'mirror', 'reconciler'] as const;

export interface ComposeOptions {
  readonly progress?: ProgressSink;
  /** Use the official images of docker-compose.yml instead of `concord images build`'s. */
  readonly registry?: boolean;
}

/** The compose project of this namespace: containers `<project>_kafka-us_1`, networks `<project>_wan`. */
export function composeProject(config: Pick<ConcordConfig, 'namespace'>): string {
  return `concord-${config.namespace.replace(/_/g, '-')}`;
}

/**
 * The variables docker-compose.yml reads: host ports in this config's port layout (the
 * thousands of CONCORD_PORT_BASE; Postgres at base+998, Redis at base+79, Prometheus and
 * Grafana at base+990/+991) and, unless `registry`, the local images.
 */
export function composeEnv(config: ConcordConfig, registry = false): Record<string, string> {
  if (config.portBase % 1000 !== 0) {
    throw new ConcordError(
      'VALIDATION_FAILED',
      `concord compose publishes the port layout by its thousands: CONCORD_PORT_BASE must be a multiple of 1000 (got ${config.portBase})`,
    );
  }
  const images = imageNames(config);
  return {
    CONCORD_HOST_PORT_PREFIX: String(config.portBase / 1000),
    CONCORD_POSTGRES_HOST_PORT: String(config.portBase + 998),
    CONCORD_REDIS_HOST_PORT: String(config.portBase + 79),
    CONCORD_PROMETHEUS_HOST_PORT: String(config.portBase + 990),
    CONCORD_GRAFANA_HOST_PORT: String(config.portBase + 991),
    CONCORD_API_TOKENS: config.auth.apiTokens[0] ?? COMPOSE_API_TOKEN,
    CONCORD_ADMIN_TOKEN: config.auth.adminToken ?? COMPOSE_ADMIN_TOKEN,
    ...(registry
      ? {}
      : {
          CONCORD_IMAGE: images.concord,
          CONCORD_KAFKA_IMAGE: images.kafka,
          CONCORD_POSTGRES_IMAGE: images.postgres,
          CONCORD_REDIS_IMAGE: images.redis,
          CONCORD_PROMETHEUS_IMAGE: images.prometheus,
        }),
  };
}

/**
 * The environment under which the host's `concord` CLI (verify, status, the demo workload)
 * talks to the compose deployment: its namespace, tokens and the published ports.
 */
export function composeClientEnv(config: ConcordConfig): Record<string, string> {
  const env = composeEnv(config, true);
  return {
    CONCORD_NAMESPACE: 'concord',
    CONCORD_PORT_BASE: String(config.portBase),
    CONCORD_REGIONS: 'us,eu,ap',
    CONCORD_API_TOKENS: env.CONCORD_API_TOKENS!,
    CONCORD_ADMIN_TOKEN: env.CONCORD_ADMIN_TOKEN!,
    CONCORD_PG_MODE: 'external',
    CONCORD_PG_URL: `postgres://postgres:concord@127.0.0.1:${env.CONCORD_POSTGRES_HOST_PORT}/postgres`,
    CONCORD_REDIS_MODE: 'external',
    CONCORD_REDIS_URL: `redis://127.0.0.1:${env.CONCORD_REDIS_HOST_PORT}`,
  };
}

function requireCompose(): string {
  const compose = findExecutable('docker-compose');
  if (!compose) {
    throw prerequisiteMissing(
      'docker-compose not found on PATH',
      'apt-get install docker-compose (docs/containers.md)',
    );
  }
  return compose;
}

/** `docker-compose -p <project> -f docker-compose.yml ARGS` with composeEnv. */
export function runCompose(
  config: ConcordConfig,
  args: readonly string[],
  options: ComposeOptions = {},
): Promise<string> {
  return runCommand(
    requireCompose(),
    ['-p', composeProject(config), '-f', join(config.workspaceRoot, 'docker-compose.yml'), ...args],
    {
      cwd: config.workspaceRoot,
      env: composeEnv(config, options.registry),
      part: 'compose',
      ...(options.progress ? { progress: options.progress } : {}),
    },
  );
}

/** Waits until every service answers /readyz with 200 on its published port. */
async function waitServicesReady(
  config: ConcordConfig,
  timeoutMs: number,
  progress?: ProgressSink,
) {
  const deadline = Date.now() + timeoutMs;
  for (const r of config.regions) {
    for (const kind of ['writer', 'mirror', 'reconciler'] as const) {
      const url = `http://127.0.0.1:${config.byRegion[r]![kind].port}/readyz`;
      for (;;) {
        const ok = await fetch(url, { signal: AbortSignal.timeout(3000) })
          .then((res) => res.status === 200)
          .catch(() => false);
        if (ok) break;
        if (Date.now() > deadline) {
          throw new ConcordError(
            'STACK_START_FAILED',
            `${kind}-${r} did not answer ${url} with 200 within ${Math.round(timeoutMs / 1000)} s (docker-compose logs ${kind}-${r})`,
          );
        }
        await new Promise((done) => setTimeout(done, 1000));
      }
      progress?.({ part: 'compose', region: r, message: `${kind} ready` });
    }
  }
}

/** `concord compose up`: the compose topology with the local images, up until every service is ready. */
export async function composeUp(
  config: ConcordConfig,
  options: ComposeOptions = {},
): Promise<void> {
  requireDocker();
  if (!options.registry) {
    const missing = missingImages(config);
    if (missing.length > 0) {
      throw prerequisiteMissing(
        `container images not built: ${missing.join(', ')}`,
        'run `concord images build` (docs/containers.md)',
      );
    }
  }
  await runCompose(config, ['up', '-d', '--no-build'], options);
  // Generous: three JVMs and nine services start at once on what may be a busy machine.
  await waitServicesReady(config, 600_000, options.progress);
}

/** `concord compose down`: removes the project's containers, networks and volumes. */
export async function composeDown(
  config: ConcordConfig,
  options: ComposeOptions = {},
): Promise<string[]> {
  requireDocker();
  await runCompose(config, ['--profile', 'dashboards', 'down', '-v', '--remove-orphans'], options);
  // Anything compose no longer knows (a crashed run): removed by id.
  const left = docker(
    ['ps', '-aq', '--filter', `label=com.docker.compose.project=${composeProject(config)}`],
    true,
  )
    .split('\n')
    .filter(Boolean);
  for (const id of left) docker(['rm', '-f', '-v', id], true);
  return left;
}

function serviceContainer(config: ConcordConfig, service: string): string {
  const id = docker(
    [
      'ps',
      '-aq',
      '--filter',
      `label=com.docker.compose.project=${composeProject(config)}`,
      '--filter',
      `label=com.docker.compose.service=${service}`,
    ],
    true,
  ).split('\n')[0];
  if (!id) {
    throw new ConcordError(
      'STACK_NOT_RUNNING',
      `no ${service} container: run \`concord compose up\``,
    );
  }
  return id;
}

function onWan(config: ConcordConfig, id: string): boolean {
  const networks = docker(['inspect', '-f', '{{json .NetworkSettings.Networks}}', id]);
  return Object.keys(JSON.parse(networks) as object).includes(`${composeProject(config)}_wan`);
}

/** Cuts `region` off: its broker, mirror and reconciler leave the `wan` network. */
export function composePartition(config: ConcordConfig, region: RegionId): string[] {
  const cut: string[] = [];
  for (const kind of WAN_SERVICES) {
    const id = serviceContainer(config, `${kind}-${region}`);
    if (!onWan(config, id)) continue;
    docker(['network', 'disconnect', `${composeProject(config)}_wan`, id]);
    cut.push(`${kind}-${region}`);
  }
  return cut;
}

/** Reconnects every region's WAN containers (with their service names as aliases). */
export function composeHeal(config: ConcordConfig): string[] {
  const healed: string[] = [];
  for (const r of config.regions) {
    for (const kind of WAN_SERVICES) {
      const service = `${kind}-${r}`;
      const id = serviceContainer(config, service);
      if (onWan(config, id)) continue;
      docker(['network', 'connect', '--alias', service, `${composeProject(config)}_wan`, id]);
      healed.push(service);
    }
  }
  return healed;
}
