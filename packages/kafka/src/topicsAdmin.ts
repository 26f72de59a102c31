import type { Kafka } from 'kafkajs';
import { withRetry } from '@concord/core';
import { mapKafkaError } from './kafkaErrors.js';

export interface TopicSpec {
  topic: string;
  partitions: number;
  /** Topic configs, e.g. { 'retention.ms': '-1' }. */
  configs?: Record<string, string>;
}

/**
 * Creates the topics that do not exist yet (existing ones are left untouched) and waits for
 * their leaders. Safe to call concurrently from several processes.
 */
export async function ensureTopics(kafka: Kafka, specs: readonly TopicSpec[]): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await withRetry(
      async () => {
        try {
          const existing = new Set(await admin.listTopics());
          const missing = specs.filter((s) => !existing.has(s.topic));
          if (missing.length === 0) return;
          await admin.createTopics({
            waitForLeaders: true,
            topics: missing.map((s) => ({
              topic: s.topic,
              numPartitions: s.partitions,
              replicationFactor: 1,
              configEntries: Object.entries(s.configs ?? {}).map(([name, value]) => ({
                name,
                value,
              })),
            })),
          });
        } catch (error) {
          // TOPIC_ALREADY_EXISTS from a concurrent creator: the next attempt sees it listed.
          throw mapKafkaError(error, 'ensureTopics');
        }
      },
      { attempts: 6, initialDelayMs: 200 },
    );
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
