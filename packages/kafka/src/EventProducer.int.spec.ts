import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics, type ConcordConfig } from '@concord/config';
import { ConcordError } from '@concord/core';
import {
  cleanupNamespace,
  createTopics,
  testConfig,
  testStack,
  waitFor,
} from '@concord/test-support';
import { createKafka } from './createKafka.js';
import { EventProducer } from './EventProducer.js';

/**
 * What a failed send proves (docs/decisions/0006-outcome-unknown.md), on the stack's real `us`
 * broker frozen by SIGSTOP: the record a request carries is OUTCOME_UNKNOWN; a record still
 * queued behind it and withdrawn is a definite BUS_UNAVAILABLE and never reaches the topic,
 * even once the broker runs again and the producer sends what came after it.
 */
let config: ConcordConfig;

beforeAll(async () => {
  config = testConfig({ CONCORD_REGION: 'us' });
  await createTopics(config, ['us']);
});

afterAll(async () => {
  await cleanupNamespace(config);
});

async function topicValues(kafka: ReturnType<typeof createKafka>, topic: string) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((n, o) => n + Number(o.high), 0);
  } finally {
    await admin.disconnect();
  }
}

describe('EventProducer failures', () => {
  it('in a request: unknown; withdrawn from the queue: definite, and never sent', async () => {
    const topic = topics(config).events('us');
    const kafka = createKafka({
      clientId: 'event-producer-test',
      brokers: config.byRegion.us!.kafka.brokers,
    });
    const producer = new EventProducer(kafka, { deadlineMs: 2000, retries: 1 });
    const send = (value: string, signal?: AbortSignal) =>
      producer
        .send({ topic, key: 'k', value }, signal ? { signal } : {})
        .then(() => 'ok' as const)
        .catch((e: unknown) => e as ConcordError);
    expect(await send('before')).toBe('ok');

    const broker = testStack(config).broker('us');
    let inFlight: Promise<'ok' | ConcordError>;
    let withdrawn: ConcordError | 'ok';
    try {
      await broker.pause();
      inFlight = send('in-flight'); // taken into a request at once (nothing else queued)
      const withdraw = new AbortController();
      const queued = send('queued', withdraw.signal); // waits behind the one request in flight
      withdraw.abort();
      withdrawn = await queued;
      expect(await inFlight).toMatchObject({
        code: 'OUTCOME_UNKNOWN',
        details: { ambiguous: true },
      });
    } finally {
      await broker.resume();
    }
    expect(withdrawn).toBeInstanceOf(ConcordError);
    expect(withdrawn).toMatchObject({
      code: 'BUS_UNAVAILABLE',
      details: { stage: 'queued', ambiguous: false },
    });

    // The producer resumes; the topic holds 'before', 'after' and at most 'in-flight'.
    await waitFor(async () => (await send('after')) === 'ok', {
      timeoutMs: 30_000,
      intervalMs: 500,
      message: 'the producer did not resume',
    });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: `event-producer-test-${Date.now()}` });
    const values: string[] = [];
    const total = await topicValues(kafka, topic);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value?.toString() ?? '');
      },
    });
    await waitFor(() => values.length >= total, { timeoutMs: 30_000 });
    await consumer.disconnect();
    expect(values).toContain('before');
    expect(values).toContain('after');
    expect(values).not.toContain('queued');
  });
});

describe('EventProducer positions', () => {
  it('answers each record with the partition and offset the broker wrote it at', async () => {
    const topic = topics(config).events('us');
    const kafka = createKafka({
      clientId: 'event-producer-positions',
      brokers: config.byRegion.us!.kafka.brokers,
    });
    const producer = new EventProducer(kafka, { deadlineMs: 5000 });
    const values = Array.from({ length: 60 }, (_, i) => `position-${process.pid}-${i}`);
    let positions: ({ partition: number; offset: number } | undefined)[];
    try {
      // Sent at once: the records share produce requests, several per partition in each.
      positions = await Promise.all(
        values.map((value, i) => producer.send({ topic, key: `stream-${i % 7}`, value })),
      );
    } finally {
      await producer.disconnect();
    }
    const admin = kafka.admin();
    const consumer = kafka.consumer({ groupId: `positions-${process.pid}-${Date.now()}` });
    const seen = new Map<string, string>();
    await admin.connect();
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          seen.set(message.value!.toString(), `${partition}@${message.offset}`);
        },
      });
      await waitFor(() => values.every((v) => seen.has(v)), {
        timeoutMs: 30_000,
        message: 'every record consumed',
      });
    } finally {
      await consumer.disconnect();
      await admin.disconnect();
    }
    expect(positions.map((p) => (p ? `${p.partition}@${p.offset}` : 'none'))).toEqual(
      values.map((v) => seen.get(v)),
    );
    // One stream, one partition (the key's murmur2, as kafkajs's default partitioner).
    const byStream = new Map<number, Set<number>>();
    positions.forEach((p, i) =>
      byStream.set(i % 7, (byStream.get(i % 7) ?? new Set()).add(p!.partition)),
    );
    for (const parts of byStream.values()) expect(parts.size).toBe(1);
  });
});
