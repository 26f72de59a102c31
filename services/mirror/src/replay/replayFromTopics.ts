/**
 * `concord replay --from-beginning` (docs/mirror.md, "Replay"): rebuilds the schema from every
 * source topic of the region, read from offset 0, then swaps it in under the apply lock.
 */
import { randomBytes } from 'node:crypto';
import type { ConcordConfig } from '@concord/config';
import { ConcordError, sleep, type RegionKeyring } from '@concord/core';
import { createConsumer, createKafka, kafkaSecurityFor, type Consumer } from '@concord/kafka';
import {
  feedPositionFromLive,
  ident,
  inTransaction,
  sourceOffsetRows,
  takeXactLock,
  type pg,
} from '@concord/postgres';
import type { PartitionSubmission } from '../apply/ApplyTypes.js';
import type { ApplyEventsOptions } from '../apply/applyEvents.js';
import { applyRound } from '../apply/applyRound.js';
import { classifyRecords } from '../consume/classifyRecords.js';
import { planSources } from '../consume/sources.js';
import { ProjectionStore } from '../store/ProjectionStore.js';
import { APPLY_LOCK, FEED_LOCK, LIVE_SCHEMA } from '../store/locks.js';
import { swapSchemas } from './finishReplay.js';
import { NEXT_SCHEMA, type ReplayOptions } from './replayOptions.js';

/** `--from-beginning`: every source topic of the region, from offset 0. */
export async function fromTopics(
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
