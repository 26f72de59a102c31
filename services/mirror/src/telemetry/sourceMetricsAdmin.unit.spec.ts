import { describe, expect, it } from 'vitest';
import type { Admin, Kafka } from '@concord/kafka';
import { createMetrics } from '@concord/telemetry';
import { SourceMetrics, type BacklogSource } from './sourceMetrics.js';

/** A source cluster whose admin clients (the injected factory: `kafka.admin()`) are counted. */
function fakeCluster(topics: readonly string[], high: bigint) {
  const counts = { created: 0, connects: 0, disconnects: 0, fetches: 0 };
  let failNext = false;
  const kafka = {
    admin: () => {
      counts.created++;
      return {
        connect: () => {
          counts.connects++;
          return Promise.resolve();
        },
        disconnect: () => {
          counts.disconnects++;
          return Promise.resolve();
        },
        fetchTopicOffsets: () => {
          counts.fetches++;
          if (failNext) {
            failNext = false;
            return Promise.reject(new Error('broker unreachable'));
          }
          return Promise.resolve([{ partition: 0, low: '0', high: String(high), offset: '0' }]);
        },
      } as unknown as Admin;
    },
  } as unknown as Kafka;
  const source: BacklogSource = {
    kafka,
    carries: new Map(topics.map((t) => [t, t.split('.')[1]!])),
    backlog: () =>
      topics.map((topic) => ({
        topic,
        partition: 0,
        applied: 1n,
        oldestUnappliedAt: undefined,
        fetchedLogEnd: undefined,
      })),
  };
  return {
    counts,
    source,
    failOnce: () => {
      failNext = true;
    },
  };
}

describe('SourceMetrics log-end readings', () => {
  it('keep one admin client per source cluster, reconnect it after an error, close it once', async () => {
    const a = fakeCluster(['events.us', 'repair.us'], 5n);
    const b = fakeCluster(['events.eu'], 3n);
    const sm = new SourceMetrics(createMetrics({ region: 'us', service: 'mirror' }), 500);
    sm.watch([a.source, b.source]);

    for (let i = 0; i < 3; i++) await sm.backlog(10_000);
    expect(a.counts).toMatchObject({ created: 1, connects: 1, fetches: 6, disconnects: 0 });
    expect(b.counts).toMatchObject({ created: 1, connects: 1, fetches: 3, disconnects: 0 });
    expect(await sm.backlog(10_000)).toEqual([
      { origin: 'us', records: 8, seconds: 0 },
      { origin: 'eu', records: 2, seconds: 0 },
    ]);

    // An error drops the connection; the next reading reconnects the same client.
    b.failOnce();
    await sm.backlog(10_000);
    expect(b.counts).toMatchObject({ created: 1, connects: 1, disconnects: 1 });
    await sm.backlog(10_000);
    expect(b.counts).toMatchObject({ created: 1, connects: 2, disconnects: 1 });

    await sm.close();
    expect(a.counts).toMatchObject({ created: 1, disconnects: 1 });
    expect(b.counts).toMatchObject({ created: 1, disconnects: 2 });
    // After close no admin client is made again; the last reading stands.
    expect(await sm.backlog(10_000)).toEqual([
      { origin: 'us', records: 8, seconds: 0 },
      { origin: 'eu', records: 2, seconds: 0 },
    ]);
    expect(a.counts.created + b.counts.created).toBe(2);
  });
});
