import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaRoute, topics, type ConcordConfig } from '@concord/config';
import { median } from '@concord/core';
import { createKafka } from '@concord/kafka';
import {
  cleanupNamespace,
  createTopics,
  testConfig,
  testStack,
  waitFor,
} from '@concord/test-support';

/** Latency and bandwidth on a link slow down the requests that cross it, and only those. */
let config: ConcordConfig;
let admin: ReturnType<ReturnType<typeof createKafka>['admin']>;

/** Median wall time of `n` ListOffsets round trips from eu to us's broker through the link. */
async function medianRoundTrip(n = 7): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await admin.fetchTopicOffsets(topics(config).events('us'));
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

beforeAll(async () => {
  config = testConfig();
  await createTopics(config, ['us']);
  admin = createKafka({
    clientId: 'test-latency',
    brokers: kafkaRoute(config, 'us', 'eu'),
    requestTimeoutMs: 10_000,
  }).admin();
  await admin.connect();
  // A topic just created has no partition leader for a moment (NOT_LEADER_FOR_PARTITION).
  await waitFor(
    () =>
      admin.fetchTopicOffsets(topics(config).events('us')).then(
        () => true,
        () => false,
      ),
    { timeoutMs: 30_000, intervalMs: 200, message: 'the new topic has partition leaders' },
  );
});

afterAll(async () => {
  await testStack(config).links.heal();
  await admin.disconnect();
  await cleanupNamespace(config);
});

describe('link latency', () => {
  it('latency us eu 100ms adds ≥ 100 ms to a round trip through the link, existing connection included', async () => {
    const baseline = await medianRoundTrip();
    const changed = await testStack(config).links.latency('us', 'eu', 100);
    expect(changed.map((l) => l.latencyMs)).toEqual([100, 100]);
    const slowed = await medianRoundTrip();
    // One-way 100 ms in each direction of the stream: the round trip grows by about 200 ms.
    expect(slowed - baseline).toBeGreaterThanOrEqual(100);
    expect(slowed - baseline).toBeLessThan(1000);

    await testStack(config).links.latency('us', 'eu', 0);
    const cleared = await medianRoundTrip();
    expect(cleared).toBeLessThan(baseline + 50);
  });
});
