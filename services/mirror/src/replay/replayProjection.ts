import { randomBytes } from 'node:crypto';
import { readRegionKeys, type ConcordConfig, type RegionId } from '@concord/config';
import {
  ConcordError,
  DomainRegistry,
  RegionKeyring,
  sleep,
  verifyEnvelopes,
  type ReadModel,
} from '@concord/core';
import { defaultDomains, defaultReadModels } from '@concord/domains';
import { createConsumer, createKafka, kafkaSecurityFor, type Consumer } from '@concord/kafka';
import {
  copyFeedPositions,
  copyPending,
  copySourceOffsets,
  createPool,
  createProjectionSchema,
  dropSchema,
  feedPositionFromLive,
  ident,
  inTransaction,
  migrate,
  resumeAppliedSeq,
  sourceOffsetRows,
  storedEventsAfter,
  takeXactLock,
  type pg,
} from '@concord/postgres';
import { candidateOf, type PartitionSubmission } from '../apply/ApplyTypes.js';
import { applyEvents, type ApplyEventsOptions } from '../apply/applyEvents.js';
import { applyRound } from '../apply/applyRound.js';
import { classifyRecords } from '../consume/classifyRecords.js';
import { planSources } from '../consume/sources.js';
import { ProjectionStore } from '../store/ProjectionStore.js';
import { APPLY_LOCK, FEED_LOCK, LIVE_SCHEMA } from '../store/locks.js';
import type { RegionDigest } from '../store/regionDigest.js';
import { swapSchemas } from './finishReplay.js';

/** The schema replay builds before swapping it in. */
export const NEXT_SCHEMA = `${LIVE_SCHEMA}_next`;

export interface ReplayOptions {
  readonly region: RegionId;
  /**
   * `false` (default): re-fold the live projection's stored events (re-verified) into a fresh
   * schema. `true`: re-read every source topic from offset 0 (the log of record).
   */
  readonly fromBeginning?: boolean;
  readonly domains?: DomainRegistry;
  /** The read models rebuilt (docs/mirror.md, "Read models"). Default: `defaultReadModels`. */
  readonly readModels?: readonly ReadModel[];
  /** Keep the replaced schema as `projection_prev` (default true). */
  readonly keepPrevious?: boolean;
  /** Events per transaction. Default 5000. */
  readonly chunk?: number;
  readonly checkpointEvery?: number;
  /** Progress lines (stderr in the CLI). */
  readonly progress?: (message: string) => void;
  /** Longest wait for the source topics to reach the live offsets, in ms. Default 600 000. */
  readonly timeoutMs?: number;
}

export interface ReplayResult {
  readonly region: RegionId;
  readonly mode: 'events' | 'kafka';
  /** The live projection's digest at the swap. */
  readonly before: RegionDigest;
  /** The rebuilt projection's digest at the swap. */
  readonly after: RegionDigest;
  readonly match: boolean;
  readonly generation: number;
  readonly openConflicts: number;
  /** Records refused while rebuilding (invalid or forged envelopes, already in the DLQ). */
  readonly refused: number;
  readonly previousSchema: string | undefined;
  readonly elapsedMs: number;
}

/**
 * `concord replay`: rebuilds a region's projection into a fresh schema and swaps it in
 * atomically while the live mirror keeps running. The rebuild runs beside the live schema;
 * the last catch-up, the comparison of digests and the two `ALTER SCHEMA … RENAME` run in one
 * transaction holding the apply lock (the live mirror waits a moment, then sees the new
 * generation) and the feed lock (no publisher round spans the swap).
 */
export async function replayProjection(
  config: ConcordConfig,
  options: ReplayOptions,
): Promise<ReplayResult> {
  const started = Date.now();
  const rc = config.byRegion[options.region];
  if (!rc) {
    throw new ConcordError('UNKNOWN_REGION', `unknown region ${options.region}`, {
      details: { field: 'region', region: options.region },
    });
  }
  const progress = options.progress ?? (() => undefined);
  const registry = options.domains ?? new DomainRegistry(defaultDomains);
  const applyOptions: ApplyEventsOptions = {
    region: options.region,
    registry,
    regions: config.regions,
    readModels: options.readModels ?? defaultReadModels,
    checkpointEvery: options.checkpointEvery ?? 128,
    conflicts: false,
  };
  const keyring = RegionKeyring.from(readRegionKeys(config).publicKeysPem);
  await migrate(rc.postgres.url);
  const pool = createPool(rc.postgres.url, { max: 4, applicationName: 'concord-replay' });
  try {
    await inTransaction(pool, async (client) => {
      await dropSchema(client, ident(NEXT_SCHEMA), true);
      await createProjectionSchema(client, NEXT_SCHEMA);
    });
    const mode = options.fromBeginning ? 'kafka' : 'events';
    progress(
      `rebuilding ${options.region} into ${NEXT_SCHEMA} from ${mode === 'kafka' ? 'the source topics (offset 0)' : 'the stored events'}`,
    );
    const build =
      mode === 'kafka'
        ? await fromTopics(config, pool, options, applyOptions, keyring, progress)
        : await fromStoredEvents(pool, options, applyOptions, keyring, progress);
    const swap = build.swap;
    progress(
      `swapped: generation ${swap.generation}, ${swap.after.events} events, ${swap.after.streams} streams`,
    );
    return {
      region: options.region,
      mode,
      before: swap.before,
      after: swap.after,
      match: swap.before.digest === swap.after.digest && swap.before.events === swap.after.events,
      generation: swap.generation,
      openConflicts: swap.openConflicts,
      refused: build.refused,
      previousSchema: swap.previousSchema,
      elapsedMs: Date.now() - started,
    };
  } finally {
    await pool.end();
  }
}

/** Default mode: the stored events, in applied order, re-verified and re-folded. */
async function fromStoredEvents(
  pool: pg.Pool,
  options: ReplayOptions,
  applyOptions: ApplyEventsOptions,
  keyring: RegionKeyring,
  progress: (message: string) => void,
) {
  const chunk = options.chunk ?? 5000;
  const live = ident(LIVE_SCHEMA);
  let last = '0';
  let refused = 0;
  let copied = 0;
  const copyFrom = async (client: pg.ClientBase, limit: number): Promise<number> => {
    const rows = await storedEventsAfter(client, live, last, limit);
    if (rows.length === 0) return 0;
    const checks = await verifyEnvelopes(
      rows.map((r) => r.envelope),
      keyring,
    );
    const candidates = rows
      .filter((_, i) => checks[i]!.ok)
      .map((r) => ({ ...candidateOf(r.envelope, r.source, r.text), appliedSeq: r.applied_seq }));
    refused += rows.length - candidates.length;
    await applyEvents(new ProjectionStore(client, NEXT_SCHEMA), candidates, applyOptions);
    last = rows.at(-1)!.applied_seq;
    copied += rows.length;
    return rows.length;
  };
  // Bulk, beside the live mirror.
  for (;;) {
    const n = await inTransaction(pool, (client) => copyFrom(client, chunk));
    if (n > 0) progress(`${copied} events re-folded`);
    if (n < chunk) break;
  }
  const swap = await inTransaction(pool, async (client) => {
    await takeXactLock(client, APPLY_LOCK);
    await takeXactLock(client, FEED_LOCK);
    while ((await copyFrom(client, chunk)) > 0);
    const n = ident(NEXT_SCHEMA);
    await copyPending(client, n, live);
    await copySourceOffsets(client, n, live);
    // applied_seq is kept, so the feed position carries over as is.
    await copyFeedPositions(client, n, live);
    await resumeAppliedSeq(client, NEXT_SCHEMA, n);
    return swapSchemas(client, NEXT_SCHEMA, {
      registry: applyOptions.registry,
      rebuiltBy: 'replay:events',
      keepPrevious: options.keepPrevious ?? true,
    });
  });
  return { swap, refused };
}

/** `--from-beginning`: every source topic of the region, from offset 0. */
async function fromTopics(
  config: ConcordConfig,
  pool: pg.Pool,
  options: ReplayOptions,
  applyOptions: ApplyEventsOptions,
  keyring: RegionKeyring,
  progress: (message: string) => void,
) {
  const live = ident(LIVE_SCHEMA);
  const n = ident(NEXT_SCHEMA);
  const region = options.region;
  const timeoutMs = options.timeoutMs ?? 600_000;
  const targets = new Map<string, bigint>();
  const reached = new Map<string, bigint>();
  let refused = 0;
  const loadTargets = async (client: pg.ClientBase | pg.Pool) => {
    const rows = await sourceOffsetRows(client, live);
    for (const r of rows) targets.set(`${r.topic}:${r.partition}`, BigInt(r.next_offset));
  };
  const behind = () =>
    [...targets].filter(([key, target]) => (reached.get(key) ?? 0n) < target).map(([key]) => key);

  // One consumer per source cluster, in a throwaway group, never committing.
  const group = `${config.namespace}.replay.${region}.${randomBytes(4).toString('hex')}`;
  const consumers: Consumer[] = [];
  let chain: Promise<unknown> = Promise.resolve();
  const serialized = <T>(task: () => Promise<T>): Promise<T> => {
    const run = chain.then(task, task);
    chain = run.catch(() => undefined);
    return run;
  };
  await loadTargets(pool);
  const paused = new Map<string, { consumer: Consumer; topic: string; partition: number }>();
  const resumeBehind = () => {
    for (const key of behind()) {
      const p = paused.get(key);
      if (!p) continue;
      paused.delete(key);
      p.consumer.resume([{ topic: p.topic, partitions: [p.partition] }]);
    }
  };
  try {
    for (const cluster of planSources(config, region)) {
      const kafka = createKafka({
        clientId: `concord-replay-${region}-from-${cluster.name}`,
        brokers: cluster.brokers,
        requestTimeoutMs: config.kafka.requestTimeoutMs,
        security: kafkaSecurityFor(config, cluster.name, region),
      });
      const consumer = createConsumer(kafka, { groupId: group });
      consumers.push(consumer);
      await consumer.connect();
      await consumer.subscribe({ topics: cluster.topics.map((t) => t.topic), fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset }) => {
          const key = `${batch.topic}:${batch.partition}`;
          const target = targets.get(key) ?? 0n;
          const fetched = BigInt(
            (batch as { fetchedOffset?: string }).fetchedOffset ?? batch.firstOffset() ?? '0',
          );
          const last = BigInt(batch.lastOffset());
          // Only what the live projection had consumed when the target was read.
          const end = last < target ? last : target - 1n;
          if (end >= fetched) {
            const records = await classifyRecords(
              batch.messages.filter((m) => BigInt(m.offset) <= end),
              { keyring, maxEventBytes: config.limits.maxEventBytes },
            );
            const submission: PartitionSubmission = {
              topic: batch.topic,
              partition: batch.partition,
              fetchedOffset: fetched,
              lastOffset: end,
              // Reading from the log start by definition: a first offset > 0 is retention.
              logStartOffset: fetched,
              records,
            };
            const result = await serialized(() =>
              inTransaction(pool, (client) =>
                applyRound(new ProjectionStore(client, NEXT_SCHEMA), [submission], {
                  ...applyOptions,
                  notify: false,
                }),
              ),
            );
            refused += result.dlqRows.length;
            reached.set(key, end + 1n);
            resolveOffset(end.toString());
          }
          if ((reached.get(key) ?? 0n) >= target) {
            paused.set(key, { consumer, topic: batch.topic, partition: batch.partition });
            consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
          }
        },
      });
    }
    const waitUntilCaughtUp = async (deadline: number) => {
      let lastReport = 0;
      while (behind().length > 0) {
        if (Date.now() > deadline) {
          throw new ConcordError(
            'TIMEOUT',
            `replay did not reach the live offsets of ${behind().join(', ')}`,
            {
              details: { behind: behind() },
            },
          );
        }
        resumeBehind();
        if (Date.now() - lastReport > 2000) {
          lastReport = Date.now();
          const total = [...reached.values()].reduce((a, b) => a + b, 0n);
          progress(
            `${total} records re-read; ${behind().length} partitions still behind the live offsets`,
          );
        }
        await sleep(50);
      }
    };
    const deadline = Date.now() + timeoutMs;
    await waitUntilCaughtUp(deadline);
    // Catch up with the live mirror, which kept going meanwhile, then swap under its lock.
    await loadTargets(pool);
    await waitUntilCaughtUp(deadline);
    const swap = await inTransaction(pool, async (client) => {
      await takeXactLock(client, APPLY_LOCK);
      await takeXactLock(client, FEED_LOCK);
      await loadTargets(client);
      await waitUntilCaughtUp(Date.now() + Math.min(timeoutMs, 120_000));
      await chain;
      // The feed: every event the live feed has not published yet must come after the position
      // (a few already published ones may be published again: at-least-once).
      await feedPositionFromLive(client, n, live);
      return swapSchemas(client, NEXT_SCHEMA, {
        registry: applyOptions.registry,
        rebuiltBy: 'replay:kafka',
        keepPrevious: options.keepPrevious ?? true,
      });
    });
    return { swap, refused };
  } finally {
    await Promise.all(consumers.map((c) => c.disconnect().catch(() => undefined)));
    // The throwaway group never committed anything; remove it from every cluster.
    for (const cluster of planSources(config, region)) {
      const admin = createKafka({
        clientId: `concord-replay-${region}`,
        brokers: cluster.brokers,
        requestTimeoutMs: config.kafka.requestTimeoutMs,
        security: kafkaSecurityFor(config, cluster.name, region),
      }).admin();
      await admin
        .connect()
        .then(() => admin.deleteGroups([group]))
        .catch(() => undefined)
        .finally(() => admin.disconnect().catch(() => undefined));
    }
  }
}
