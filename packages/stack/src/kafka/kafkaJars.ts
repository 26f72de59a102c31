import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ConcordConfig } from '@concord/config';
import { ConcordError } from '@concord/core';
import { requireMaven } from '../prerequisites.js';
import type { ProgressSink } from '../progress.js';

type JarConfig = Pick<ConcordConfig, 'cacheDir' | 'kafka'>;

/**
 * A set of jars resolved with one pom under infra/kafka into one cache folder: the broker
 * (`libs/`) or MirrorMaker 2 (`mm2-libs/`, connect-mirror + connect-runtime: kept apart so the
 * brokers never load Connect's Jetty/Jersey stack).
 */
interface JarBundle {
  readonly what: string;
  /** Progress part. */
  readonly part: 'kafka' | 'mm2';
  /** Path of the pom relative to the workspace root. */
  readonly pom: readonly string[];
  readonly folder: string;
  /** The jar whose presence marks a complete cache entry. */
  readonly marker: (version: string) => string;
}

const BROKER: JarBundle = {
  what: 'Kafka',
  part: 'kafka',
  pom: ['infra', 'kafka', 'pom.xml'],
  folder: 'libs',
  marker: (version) => `kafka_2.13-${version}.jar`,
};

const MIRROR_MAKER: JarBundle = {
  what: 'MirrorMaker 2',
  part: 'mm2',
  pom: ['infra', 'kafka', 'mm2', 'pom.xml'],
  folder: 'mm2-libs',
  marker: (version) => `connect-mirror-${version}.jar`,
};

function bundleDir(config: JarConfig, bundle: JarBundle): string {
  return join(config.cacheDir, 'kafka', config.kafka.version, bundle.folder);
}

function bundleCached(config: JarConfig, bundle: JarBundle): boolean {
  return existsSync(join(bundleDir(config, bundle), bundle.marker(config.kafka.version)));
}

/** `<cacheDir>/kafka/<version>/libs`. */
export function kafkaJarsDir(config: JarConfig): string {
  return bundleDir(config, BROKER);
}

/** True when the jars of config.kafka.version are in the cache. */
export function kafkaJarsCached(config: JarConfig): boolean {
  return bundleCached(config, BROKER);
}

/** `<cacheDir>/kafka/<version>/mm2-libs`. */
export function mirrorMakerJarsDir(config: JarConfig): string {
  return bundleDir(config, MIRROR_MAKER);
}

/** True when the MirrorMaker 2 jars of config.kafka.version are in the cache. */
export function mirrorMakerJarsCached(config: JarConfig): boolean {
  return bundleCached(config, MIRROR_MAKER);
}

/**
 * Makes sure the Kafka broker jars of `config.kafka.version` are in the shared cache
 * (`<cacheDir>/kafka/<version>/libs`), fetching them from Maven Central with
 * infra/kafka/pom.xml when missing. The jars are copied into a private folder first and
 * renamed into place, so concurrent checkouts never see half a cache entry.
 */
export function ensureKafkaJars(
  config: Pick<ConcordConfig, 'cacheDir' | 'kafka' | 'workspaceRoot'>,
  progress?: ProgressSink,
): Promise<string> {
  return ensureJars(config, BROKER, progress);
}

/**
 * Like {@link ensureKafkaJars} for MirrorMaker 2 (`org.apache.kafka:connect-mirror` and
 * `connect-runtime` of config.kafka.version, with infra/kafka/mm2/pom.xml) into
 * `<cacheDir>/kafka/<version>/mm2-libs`.
 */
export function ensureMirrorMakerJars(
  config: Pick<ConcordConfig, 'cacheDir' | 'kafka' | 'workspaceRoot'>,
  progress?: ProgressSink,
): Promise<string> {
  return ensureJars(config, MIRROR_MAKER, progress);
}

async function ensureJars(
  config: Pick<ConcordConfig, 'cacheDir' | 'kafka' | 'workspaceRoot'>,
  bundle: JarBundle,
  progress?: ProgressSink,
): Promise<string> {
  const dir = bundleDir(config, bundle);
  if (bundleCached(config, bundle)) return dir;
  const mvn = requireMaven();
  const pom = join(config.workspaceRoot, ...bundle.pom);
  if (!existsSync(pom)) {
    throw new ConcordError(
      'PREREQUISITE_MISSING',
      `${pom} not found — run concord from a Concord checkout`,
    );
  }
  const tmp = `${dir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  progress?.({
    part: bundle.part,
    message: `fetching ${bundle.what} ${config.kafka.version} jars from Maven Central`,
  });
  const args = [
    '-B',
    '-f',
    pom,
    `-Dkafka.version=${config.kafka.version}`,
    'dependency:copy-dependencies',
    `-DoutputDirectory=${tmp}`,
    '-DincludeScope=runtime',
  ];
  const output: string[] = [];
  let downloaded = 0;
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(mvn, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const onLine = (line: string) => {
      output.push(line);
      if (output.length > 40) output.shift();
      // Maven prints one "Downloaded from <repo>: <url>" line per artifact.
      if (/^Downloaded from /.test(line)) {
        downloaded++;
        const artifact = line.slice(line.lastIndexOf('/') + 1).replace(/ \(.*$/, '');
        progress?.({
          part: bundle.part,
          message: `downloaded ${downloaded} files (${artifact})`,
          transient: true,
        });
      }
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
    child.once('error', reject);
    child.once('close', (c) => resolve(c ?? 1));
  });
  if (code !== 0 || !existsSync(join(tmp, bundle.marker(config.kafka.version)))) {
    rmSync(tmp, { recursive: true, force: true });
    const errors = output
      .filter((l) => l.includes('FATAL') || l.includes('ERROR'))
      .sort((a, b) => Number(b.includes('FATAL')) - Number(a.includes('FATAL')))
      .slice(0, 3)
      .join(' | ');
    throw new ConcordError(
      'PREREQUISITE_MISSING',
      `could not fetch ${bundle.what} ${config.kafka.version} jars with Maven (exit ${code}): ${errors || output.slice(-3).join(' | ')} — check that Maven Central is reachable and CONCORD_KAFKA_VERSION exists`,
      { retriable: false },
    );
  }
  if (bundleCached(config, bundle)) {
    // Another process finished first; its copy is as good as ours.
    rmSync(tmp, { recursive: true, force: true });
  } else {
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  }
  progress?.({
    part: bundle.part,
    message: `cached ${readdirSync(dir).length} ${bundle.what} jars in ${dir}`,
  });
  return dir;
}
