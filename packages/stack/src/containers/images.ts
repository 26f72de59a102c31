import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ConcordConfig } from '@concord/config';
import { ensureKafkaJars } from '../kafka/kafkaJars.js';
import { findExecutable, prerequisiteMissing } from '../prerequisites.js';
import type { ProgressSink } from '../progress.js';
import { imageExists, requireDocker, runCommand } from './docker.js';

/** The local image names (docs/containers.md). */
export function imageNames(config: Pick<ConcordConfig, 'kafka'>) {
  return {
    base: 'concord-base:bookworm',
    node: 'concord-node:20',
    kafka: `concord-kafka:${config.kafka.version}`,
    postgres: 'concord-postgres:15',
    redis: 'concord-redis:7',
    prometheus: 'concord-prometheus:2',
    concord: 'concord:local',
  } as const;
}

export type ImageNames = ReturnType<typeof imageNames>;

export interface ImagesBuildOptions {
  readonly progress?: ProgressSink;
  /**
   * true: build on the official debian:bookworm-slim and node:20-bookworm-slim images (a
   * registry is reachable); false (default): on the base made locally with debootstrap.
   */
  readonly registry?: boolean;
}

export interface ImagesBuildResult {
  readonly images: ImageNames;
  /** Seconds per image, in build order. */
  readonly seconds: Readonly<Record<string, number>>;
}

/** Hard-links (or copies, across file systems) every file of `from` into `to`. */
function linkTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    const target = join(to, name);
    if (existsSync(target)) continue;
    try {
      linkSync(join(from, name), target);
    } catch {
      copyFileSync(join(from, name), target);
    }
  }
}

/** `debootstrap --variant=minbase bookworm`, imported as the base image; the folder is removed. */
async function buildBase(
  config: ConcordConfig,
  docker: string,
  image: string,
  progress?: ProgressSink,
): Promise<void> {
  const debootstrap = findExecutable('debootstrap') ?? findExecutable('debootstrap', '/usr/sbin');
  if (!debootstrap) {
    throw prerequisiteMissing(
      'debootstrap not found (needed once to make the base image without a registry)',
      'apt-get install debootstrap, or build on the official images with `concord images build --registry`',
    );
  }
  const root = join(config.cacheDir, 'images', `rootfs-${process.pid}`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(config.cacheDir, 'images'), { recursive: true });
  progress?.({ part: 'images', message: `debootstrap bookworm into ${root} (about a minute)` });
  try {
    await runCommand(
      debootstrap,
      ['--variant=minbase', 'bookworm', root, 'http://deb.debian.org/debian'],
      { part: 'images', progress },
    );
    const tar = spawn('tar', ['-C', root, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    await runCommand(docker, ['import', '-', image], {
      part: 'images',
      progress,
      stdinFrom: tar.stdout,
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * `concord images build`: the base (unless `registry`), Node, Kafka, Postgres, Redis, Prometheus and the
 * Concord services image from the Dockerfiles under infra/docker. Idempotent: the base is made
 * once, every other image is a `docker build` whose layers the engine caches. The Concord
 * image copies the workspace as built on the host (`./concord` builds it first).
 */
export async function buildImages(
  config: ConcordConfig,
  options: ImagesBuildOptions = {},
): Promise<ImagesBuildResult> {
  const progress = options.progress;
  const docker = requireDocker();
  const images = imageNames(config);
  const dockerDir = join(config.workspaceRoot, 'infra', 'docker');
  const seconds: Record<string, number> = {};
  const timed = async (name: string, step: () => Promise<void>) => {
    const t0 = Date.now();
    await step();
    seconds[name] = Math.round((Date.now() - t0) / 100) / 10;
    progress?.({ part: 'images', message: `${name} ready (${seconds[name]} s)` });
  };
  const base = options.registry ? 'debian:bookworm-slim' : images.base;
  const nodeImage = options.registry ? 'node:20-bookworm-slim' : images.node;
  if (!options.registry && !imageExists(docker, images.base))
    await timed(images.base, () => buildBase(config, docker, images.base, progress));
  const build = (image: string, dockerfile: string, context: string, from = base) =>
    timed(image, async () => {
      progress?.({ part: 'images', message: `building ${image}` });
      await runCommand(
        docker,
        [
          'build',
          '-f',
          join(dockerDir, dockerfile),
          '-t',
          image,
          '--build-arg',
          `BASE_IMAGE=${from}`,
          '--build-arg',
          `NODE_IMAGE=${nodeImage}`,
          context,
        ],
        { part: 'images', progress },
      );
    });

  if (!options.registry) {
    const nodeContext = join(config.cacheDir, 'images', 'node-context');
    mkdirSync(nodeContext, { recursive: true });
    copyFileSync(process.execPath, join(nodeContext, 'node'));
    await build(images.node, 'node.Dockerfile', nodeContext);
  }
  const jars = await ensureKafkaJars(config, progress);
  const kafkaContext = join(config.cacheDir, 'images', `kafka-${config.kafka.version}-context`);
  linkTree(jars, join(kafkaContext, 'libs'));
  copyFileSync(join(dockerDir, 'kafka-entrypoint.sh'), join(kafkaContext, 'kafka-entrypoint.sh'));
  await build(images.kafka, 'kafka.Dockerfile', kafkaContext);
  await build(images.postgres, 'postgres.Dockerfile', dockerDir);
  await build(images.redis, 'redis.Dockerfile', dockerDir);
  await build(images.prometheus, 'prometheus.Dockerfile', dockerDir);
  // The services image starts from the Node image: the official one, or the host's binary.
  await build(images.concord, 'concord.Dockerfile', config.workspaceRoot, nodeImage);
  return { images, seconds };
}

/** The images missing from the engine (the containers provider and compose need them all). */
export function missingImages(config: ConcordConfig, docker = requireDocker()): string[] {
  const { base: _base, ...needed } = imageNames(config);
  return Object.values(needed).filter((image) => !imageExists(docker, image));
}
