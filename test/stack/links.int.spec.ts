import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { brokersFor, kafkaRoute, topics, type ConcordConfig, type RegionId } from '@concord/config';
import { sleep } from '@concord/core';
import { createKafka, type Consumer } from '@concord/kafka';
import {
  cleanupNamespace,
  createTopics,
  testConfig,
  testStack,
  waitFor,
} from '@concord/test-support';

/**
 * Replication over the WAN links of the running stack: every region's events reach every
 * other region through its link proxy, a partition stops exactly the links it cuts, and after
 * heal the cut-off reader catches up with nothing lost.
 */
let config: ConcordConfig;
const received = new Map<string, string[]>(); // `${origin}->${reader}` → message values
const consumers: Consumer[] = [];
const producers: { disconnect(): Promise<void> }[] = [];
const key = (origin: RegionId, reader: RegionId) => `${origin}->${reader}`;
const got = (origin: RegionId, reader: RegionId) => received.get(key(origin, reader)) ?? [];

async function produce(origin: RegionId, values: string[]): Promise<void> {
  const kafka = createKafka({
    clientId: `test-producer-${origin}`,
    brokers: brokersFor(config, origin),
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  producers.push(producer);
  await producer.connect();
  await producer.send({
    topic: topics(config).events(origin),
    acks: -1,
    messages: values.map((value) => ({ key: `stream-${origin}`, value })),
  });
}

function batch(origin: RegionId, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${origin}-${i}-${randomUUID()}`);
}

beforeAll(async () => {
  config = testConfig();
  await createTopics(config);
  for (const origin of config.regions) {
    for (const reader of config.regions) {
      if (reader === origin) continue;
      // A reader-region client: its only way to `origin`'s broker is the link proxy.
      const kafka = createKafka({
        clientId: `test-${reader}-reads-${origin}`,
        brokers: kafkaRoute(config, origin, reader),
        requestTimeoutMs: 3000,
        retry: { retries: 1000, initialRetryTime: 200, maxRetryTime: 1000 },
      });
      const consumer = kafka.consumer({
        groupId: `${config.namespace}-${reader}-${origin}`,
        sessionTimeout: 10_000,
        heartbeatInterval: 1000,
        maxWaitTimeInMs: 200,
        retry: { retries: 1000, initialRetryTime: 200, maxRetryTime: 1000 },
      });
      consumers.push(consumer);
      received.set(key(origin, reader), []);
      await consumer.connect();
      await consumer.subscribe({ topic: topics(config).events(origin), fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          got(origin, reader).push(message.value?.toString() ?? '');
        },
      });
    }
  }
});

afterEach(async () => {
  await testStack(config).links.heal();
});

afterAll(async () => {
  await testStack(config).links.heal();
  await Promise.allSettled([...consumers, ...producers].map((c) => c.disconnect()));
  await cleanupNamespace(config);
});

describe('WAN links', () => {
  it('carry every region’s events to every other region', async () => {
    const sent = new Map(config.regions.map((r) => [r, batch(r, 5)]));
    await Promise.all(config.regions.map((r) => produce(r, sent.get(r)!)));
    for (const origin of config.regions) {
      for (const reader of config.regions) {
        if (reader === origin) continue;
        await waitFor(() => sent.get(origin)!.every((v) => got(origin, reader).includes(v)), {
          timeoutMs: 60_000,
          message: `${reader} did not receive ${origin}'s events`,
        });
      }
    }
    const status = await testStack(config).links.status();
    expect(status.every((l) => l.bytesToClient > 0)).toBe(true);
  });

  it('partition us eu stops us→eu (and eu→us) but not us→ap; heal catches up with nothing lost', async () => {
    const [us, eu, ap] = ['us', 'eu', 'ap'] as const;
    const stack = testStack(config);
    const cut = await stack.links.partition(us, eu);
    expect(cut.map((l) => `${l.from}->${l.to}:${l.cut}`).sort()).toEqual([
      'eu->us:true',
      'us->eu:true',
    ]);

    const beforeEu = got(us, eu).length;
    const beforeUs = got(eu, us).length;
    const fromUs = batch(us, 5);
    const fromEu = batch(eu, 5);
    await produce(us, fromUs);
    await produce(eu, fromEu);
    // ap still reads us: its link is up.
    await waitFor(() => fromUs.every((v) => got(us, ap).includes(v)), {
      timeoutMs: 30_000,
      message: 'ap lost us',
    });
    await sleep(5_000);
    expect(got(us, eu).length).toBe(beforeEu);
    expect(got(eu, us).length).toBe(beforeUs);

    const healedAt = Date.now();
    await stack.links.heal(us, eu);
    await waitFor(() => fromUs.every((v) => got(us, eu).includes(v)), {
      timeoutMs: 60_000,
      message: 'eu did not catch up',
    });
    await waitFor(() => fromEu.every((v) => got(eu, us).includes(v)), {
      timeoutMs: 60_000,
      message: 'us did not catch up',
    });
    // Heal closes the blackholed connections, so clients reconnect at once, not after a timeout.
    expect(Date.now() - healedAt).toBeLessThan(25_000);
    // Nothing lost, nothing invented: every value eu has from us was sent by us.
    const all = got(us, eu);
    expect(new Set(all).size).toBeGreaterThanOrEqual(beforeEu + 5);
    expect(all.every((v) => v.startsWith('us-'))).toBe(true);
  });

  it('partition --oneway us eu cuts only us→eu', async () => {
    const stack = testStack(config);
    await stack.links.partition('us', 'eu', { oneway: true });
    const status = await stack.links.status();
    const cutLinks = status.filter((l) => l.cut).map((l) => `${l.from}->${l.to}`);
    expect(cutLinks).toEqual(['us->eu']);
    const fromEu = batch('eu', 3);
    await produce('eu', fromEu);
    await waitFor(() => fromEu.every((v) => got('eu', 'us').includes(v)), {
      timeoutMs: 30_000,
      message: 'us lost eu',
    });
  });
});
