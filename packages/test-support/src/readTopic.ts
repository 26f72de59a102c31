import type { ConcordConfig, RegionId } from '@concord/config';
import { createKafka } from '@concord/kafka';

/** A record read back from a topic. */
export interface ReadRecord {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, string>;
}

/**
 * Reads a topic of `region`'s cluster from the beginning until `expected` records arrived (or
 * `timeoutMs` passed), with a throwaway consumer group.
 */
export async function readTopic(
  config: ConcordConfig,
  region: RegionId,
  topic: string,
  { expected, timeoutMs = 30_000 }: { expected: number; timeoutMs?: number },
): Promise<ReadRecord[]> {
  const kafka = createKafka({
    clientId: 'mirror-test-reader',
    brokers: config.byRegion[region]!.kafka.brokers,
  });
  const groupId = `${config.namespace}.test-reader.${Math.random().toString(36).slice(2)}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200, maxBytes: 32 * 1024 * 1024 });
  const records: ReadRecord[] = [];
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) {
          const first = Array.isArray(v) ? v[0] : v;
          if (first !== undefined) headers[k] = first.toString();
        }
        records.push({
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? null,
          value: message.value,
          headers,
        });
        if (records.length >= expected) done();
      },
    });
    await Promise.race([finished, new Promise((r) => setTimeout(r, timeoutMs))]);
    return records;
  } finally {
    await consumer.disconnect().catch(() => undefined);
    const admin = kafka.admin();
    await admin
      .connect()
      .then(() => admin.deleteGroups([groupId]))
      .catch(() => undefined)
      .finally(() => admin.disconnect().catch(() => undefined));
  }
}
