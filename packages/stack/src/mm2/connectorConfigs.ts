import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RegionId } from '@concord/config';
import { ConcordError, sleep } from '@concord/core';
import { createKafka } from '@concord/kafka';

/**
 * Kafka Connect's config topic of the flow `<source>-><target>`, on the target cluster: MirrorMaker
 * 2 (dedicated mode) keeps the connector configs it generated from its properties there.
 */
export function connectorConfigTopic(source: RegionId): string {
  return `mm2-configs.${source}.internal`;
}

/** `key=value` lines of a properties file as MirrorMaker reads them (comments skipped). */
function propertyLines(text: string): Map<string, string> {
  const lines = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf('=');
    if (i > 0) lines.set(line.slice(0, i), line.slice(i + 1));
  }
  return lines;
}

/**
 * The sources whose connection settings (`<source>.*`: bootstrap servers, security protocol,
 * SASL, TLS) differ between the properties a MirrorMaker was last started with and the ones it
 * is about to start with (pure).
 *
 * Why it matters: at start every herder first runs the connectors as stored in its config topic,
 * and only then does its leader write the configs generated from the new properties. Connectors
 * stored while the sources were plaintext would open plaintext connections to listeners that
 * now speak TLS; a Kafka client reads the TLS alert it gets back as a ~350 MB response size and
 * the JVM dies of OutOfMemoryError (seen on `stack up --mm2 --secure` over a plaintext mm2
 * stack).
 */
export function sourcesWithNewConnection(
  previous: string,
  next: string,
  sources: readonly RegionId[],
): RegionId[] {
  const before = propertyLines(previous);
  const after = propertyLines(next);
  return sources.filter((source) => {
    const keys = new Set(
      [...before.keys(), ...after.keys()].filter((k) => k.startsWith(`${source}.`)),
    );
    return [...keys].some((k) => before.get(k) !== after.get(k));
  });
}

/**
 * Deletes `topics` on `brokers` (those that exist) and waits until they are gone, so a Connect
 * worker starting next creates them afresh, empty. Returns the topics deleted.
 */
export async function deleteTopicsAndWait(
  brokers: readonly string[],
  topics: readonly string[],
  timeoutMs = 20_000,
): Promise<string[]> {
  const admin = createKafka({ clientId: 'concord-stack-mm2', brokers }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const doomed = topics.filter((t) => existing.has(t));
    if (doomed.length === 0) return [];
    await admin.deleteTopics({ topics: doomed, timeout: timeoutMs });
    const deadline = Date.now() + timeoutMs;
    while ((await admin.listTopics()).some((t) => doomed.includes(t))) {
      if (Date.now() > deadline) throw new Error(`${doomed.join(', ')} still listed after delete`);
      await sleep(200);
    }
    return doomed;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** The built entry of {@link forgetConnectorConfigs}' helper process (`pnpm build` first). */
function helperScript(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return join(here, '..', '..', 'dist', 'mm2', 'forgetConnectorConfigsMain.js');
}

/**
 * Deletes the Connect config topics of the flows from `sources` on the target cluster, before its
 * MirrorMaker starts: the leader writes every connector config again from the properties at
 * start, and the source offsets (which records were copied) live in the offsets topic, which
 * stays. Runs synchronously — in a short-lived helper process — because MirrorMakerProcess.start
 * is synchronous for its callers; it only runs when a source's connection settings changed.
 */
export function forgetConnectorConfigs(
  targetBrokers: readonly string[],
  sources: readonly RegionId[],
): string[] {
  const script = helperScript();
  if (!existsSync(script)) {
    throw new ConcordError('PREREQUISITE_MISSING', `${script} not found — run \`pnpm build\``);
  }
  const run = spawnSync(
    process.execPath,
    [script, targetBrokers.join(','), ...sources.map(connectorConfigTopic)],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (run.status !== 0) {
    throw new ConcordError(
      'STACK_START_FAILED',
      `could not delete MirrorMaker 2's stale connector configs (${sources.map(connectorConfigTopic).join(', ')}) on ${targetBrokers.join(',')}: ${(run.stderr || run.error?.message || `exit ${run.status}`).trim()}`,
      { retriable: true },
    );
  }
  return JSON.parse(run.stdout) as string[];
}
