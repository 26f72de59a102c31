import { randomUUID } from 'node:crypto';
import { topics, type ConcordConfig, type RegionId } from '@concord/config';
import { sleep } from '@concord/core';
import { createKafka } from '@concord/kafka';

/**
 * Every event id in `origin`'s events topic (the log of record), read on origin's own broker
 * from the beginning up to the high watermarks taken at the start. Records that are not JSON
 * envelopes are skipped (the mirror sends those to its DLQ).
 */
export async function readTopicIds(config: ConcordConfig, origin: RegionId): Promise<string[]> {
  const topic = topics(config).events(origin);
  const kafka = createKafka({
    clientId: 'concord-chaos-observe',
    brokers: config.byRegion[origin]!.kafka.brokers,
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
  const ids: string[] = [];
  if (remaining.size === 0) return ids;
  const groupId = `concord-chaos-observe-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxBytesPerPartition: 8 * 1024 * 1024 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        try {
          const id = (JSON.parse(message.value?.toString() ?? '') as { id?: unknown }).id;
          if (typeof id === 'string') ids.push(id);
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
  return ids;
}
