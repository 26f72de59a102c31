import { randomUUID } from 'node:crypto';
import { topics, type ConcordConfig, type RegionId } from '@concord/config';
import { sleep, type UnsignedEnvelope } from '@concord/core';
import { createKafka } from '@concord/kafka';
import type { TopicRecord } from '../checker/History.js';
import { workloadValue } from '../checker/ownFold.js';

/**
 * Every event id in `origin`'s events topic (the log of record), read on origin's own broker
 * from the beginning up to the high watermarks taken at the start. Records that are not JSON
 * envelopes are skipped (the mirror sends those to its DLQ).
 */
export async function readTopicIds(config: ConcordConfig, origin: RegionId): Promise<string[]> {
  return (await readTopicRecords(config, origin)).map((r) => r.eventId);
}

/** The records of `origin`'s events topic with their streams and workload values. */
export async function readTopicRecords(
  config: ConcordConfig,
  origin: RegionId,
): Promise<TopicRecord[]> {
  const records: TopicRecord[] = [];
  await readEnvelopes(config, origin, topics(config).events(origin), (e) => {
    const value = workloadValue(e);
    records.push({ eventId: e.id, stream: e.stream, ...(value === undefined ? {} : { value }) });
  });
  return records;
}

/**
 * `region`'s applied feed (`<ns>.applied.<region>`) from its beginning, in feed order: the
 * envelopes as published (an id may repeat: the feed is at-least-once).
 */
export async function readAppliedFeed(
  config: ConcordConfig,
  region: RegionId,
): Promise<UnsignedEnvelope[]> {
  const envelopes: UnsignedEnvelope[] = [];
  await readEnvelopes(config, region, topics(config).applied(region), (e) => envelopes.push(e));
  return envelopes;
}

/** Reads `topic` on `region`'s broker to the high watermarks taken at the start. */
async function readEnvelopes(
  config: ConcordConfig,
  region: RegionId,
  topic: string,
  onEnvelope: (e: UnsignedEnvelope) => void,
): Promise<void> {
  const kafka = createKafka({
    clientId: 'concord-chaos-observe',
    brokers: config.byRegion[region]!.kafka.brokers,
  });
  const admin = kafka.admin();
  await admin.connect();
  const high = new Map<number, bigint>();
  try {
    for (const p of await admin.fetchTopicOffsets(topic)) high.set(p.partition, BigInt(p.high));
  } finally {
    await admin.disconnect();
  }
  const remaining = new Set([...high].filter(([, h]) => h > 0n).map(([p]) => p));
  if (remaining.size === 0) return;
  const groupId = `concord-chaos-observe-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxBytesPerPartition: 8 * 1024 * 1024 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        try {
          const e = JSON.parse(message.value?.toString() ?? '') as Partial<UnsignedEnvelope>;
          if (typeof e.id === 'string' && typeof e.stream === 'string') {
            onEnvelope(e as UnsignedEnvelope);
          }
        } catch {
          // not an envelope
        }
        if (BigInt(message.offset) + 1n >= (high.get(partition) ?? 0n)) remaining.delete(partition);
      },
    });
    const deadline = Date.now() + 120_000;
    while (remaining.size > 0 && Date.now() < deadline) await sleep(50);
    if (remaining.size > 0)
      throw new Error(
        `could not read ${topic} to its end (partitions ${[...remaining].join(',')})`,
      );
  } finally {
    await consumer.disconnect();
    const a = kafka.admin();
    await a.connect();
    await a.deleteGroups([groupId]).catch(() => undefined);
    await a.disconnect();
  }
}
