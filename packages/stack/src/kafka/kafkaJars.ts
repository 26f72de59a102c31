import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ConcordConfig } from '@concord/config';
import { ConcordError } from '@concord/core';
import { requireMaven } from '../prerequisites.js';
import type { ProgressSink } from '../progress.js';

/** The jar every broker start needs; its presence marks a complete cache entry. */
function brokerJar(version: string): string {
  return `kafka_2.13-${version}.jar`;
}

/** `<cacheDir>/kafka/<version>/libs`. */
export function kafkaJarsDir(config: Pick<ConcordConfig, 'cacheDir' | 'kafka'>): string {
  return join(config.cacheDir, 'kafka', config.kafka.version, 'libs');
}

/** True when the jars of config.kafka.version are in the cache. */
export function kafkaJarsCached(config: Pick<ConcordConfig, 'cacheDir' | 'kafka'>): boolean {
  const dir = kafkaJarsDir(config);
  return existsSync(join(dir, brokerJar(config.kafka.version)));
}

/**
 * Makes sure the Kafka broker jars of `config.kafka.version` are in the shared cache
 * (`<cacheDir>/kafka/<version>/libs`), fetching them from Maven Central with
 * infra/kafka/pom.xml when missing. The jars are copied into a private folder first and
 * renamed into place, so concurrent checkouts never see half a cache entry.
 */
export async function ensureKafkaJars(
  config: Pick<ConcordConfig, 'cacheDir' | 'kafka' | 'workspaceRoot'>,
  progress?: ProgressSink,
): Promise<string> {
  const dir = kafkaJarsDir(config);
  if (kafkaJarsCached(config)) return dir;
  const mvn = requireMaven();
  const pom = join(config.workspaceRoot, 'infra', 'kafka', 'pom.xml');
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
    part: 'kafka',
    message: `fetching Kafka ${config.kafka.version} jars from Maven Central`,
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
          part: 'kafka',
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
  if (code !== 0 || !existsSync(join(tmp, brokerJar(config.kafka.version)))) {
    rmSync(tmp, { recursive: true, force: true });
    const errors = output
      .filter((l) => l.includes('ERROR'))
      .slice(0, 3)
      .join(' | ');
    throw new ConcordError(
      'PREREQUISITE_MISSING',
      `could not fetch Kafka ${config.kafka.version} jars with Maven (exit ${code}): ${errors || output.slice(-3).join(' | ')} — check that Maven Central is reachable and CONCORD_KAFKA_VERSION exists`,
      { retriable: false },
    );
  }
  if (kafkaJarsCached(config)) {
    // Another process finished first; its copy is as good as ours.
    rmSync(tmp, { recursive: true, force: true });
  } else {
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  }
  progress?.({
    part: 'kafka',
    message: `cached ${readdirSync(dir).length} Kafka jars in ${dir}`,
  });
  return dir;
}
