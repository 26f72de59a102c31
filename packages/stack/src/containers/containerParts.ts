import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ConcordConfig, RegionId } from '@concord/config';
import { ConcordError } from '@concord/core';
import type { PartState } from '../stackStatus.js';

/**
 * The containers of a stack run by the containers provider (docs/containers.md), recorded
 * in `<state>/containers.json` with their ids: every later action — status, fault injection,
 * `stack down` — acts on those ids and nothing else (no Ryuk: containers are removed by id).
 */
export interface ContainerRecord {
  /** `kafka`, `postgres` or `redis`. */
  readonly part: 'kafka' | 'postgres' | 'redis';
  readonly region?: RegionId;
  readonly id: string;
  readonly name: string;
  readonly image: string;
}

export interface ContainersFile {
  readonly version: 1;
  readonly network?: { readonly id: string; readonly name: string };
  readonly containers: readonly ContainerRecord[];
}

export function containersFile(config: Pick<ConcordConfig, 'stateDir'>): string {
  return join(config.stateDir, 'containers.json');
}

export function readContainers(
  config: Pick<ConcordConfig, 'stateDir'>,
): ContainersFile | undefined {
  try {
    return JSON.parse(readFileSync(containersFile(config), 'utf8')) as ContainersFile;
  } catch {
    return undefined;
  }
}

export function writeContainers(
  config: Pick<ConcordConfig, 'stateDir'>,
  file: ContainersFile,
): void {
  const path = containersFile(config);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, JSON.stringify(file, null, 2) + '\n');
  renameSync(`${path}.tmp`, path);
}

export function removeContainersFile(config: Pick<ConcordConfig, 'stateDir'>): void {
  rmSync(containersFile(config), { force: true });
}

/** `docker <args>`; throws CONTAINER_COMMAND_FAILED on a non-zero exit unless `allowFail`. */
export function docker(args: readonly string[], allowFail = false): string {
  const r = spawnSync('docker', args, { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0 && !allowFail) {
    throw new ConcordError(
      'CONTAINER_COMMAND_FAILED',
      `docker ${args.join(' ')} failed: ${(r.stderr || r.stdout || String(r.error)).trim()}`,
      { retriable: false },
    );
  }
  return (r.stdout ?? '').trim();
}

/** running, paused or stopped (also when the container no longer exists). */
export function containerState(id: string): PartState {
  const status = docker(['inspect', '-f', '{{.State.Status}}', id], true);
  if (status === 'running') return 'running';
  if (status === 'paused') return 'paused';
  return 'stopped';
}

/** The recorded container of `part` (and `region`), if any. */
export function findContainer(
  config: Pick<ConcordConfig, 'stateDir'>,
  part: ContainerRecord['part'],
  region?: RegionId,
): ContainerRecord | undefined {
  return readContainers(config)?.containers.find(
    (c) => c.part === part && (region === undefined || c.region === region),
  );
}

export function requireContainer(
  config: Pick<ConcordConfig, 'stateDir'>,
  part: ContainerRecord['part'],
  region?: RegionId,
): ContainerRecord {
  const found = findContainer(config, part, region);
  if (!found) {
    throw new ConcordError(
      'STACK_NOT_RUNNING',
      `no ${part}${region ? ` ${region}` : ''} container recorded in ${containersFile(config)}; run \`concord stack up\` with CONCORD_STACK_PROVIDER=containers`,
    );
  }
  return found;
}

/** Removes the recorded containers and network by id (force: running ones too). */
export function removeRecorded(config: Pick<ConcordConfig, 'stateDir'>): string[] {
  const file = readContainers(config);
  if (!file) return [];
  const removed: string[] = [];
  for (const c of file.containers) {
    const out = docker(['rm', '-f', '-v', c.id], true);
    if (out) removed.push(`${c.part}${c.region ? ` ${c.region}` : ''} (${c.id.slice(0, 12)})`);
  }
  if (file.network) docker(['network', 'rm', file.network.id], true);
  removeContainersFile(config);
  return removed;
}
