import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConcordConfig } from '@concord/config';
import type { Envelope } from '@concord/core';
import type { pg } from '@concord/postgres';
import type { RunningWriter } from '../startWriter.js';
import { PrivateRedis, withRegionServers } from '@concord/test-support';
import {
  cleanup,
  client,
  prepareNamespace,
  readEventsTopic,
  regionPool,
  seedProjection,
  startTestWriter,
  writerTestConfig,
} from '../testing/writerFixture.js';

/**
 * Redis only accelerates (docs/architecture.md, Failure behaviour): two writer processes of region us share a PRIVATE
 * redis-server (never the machine's), which the test kills and restarts.
 */
let redis: PrivateRedis;
let config: ConcordConfig;
let a: RunningWriter;
let b: RunningWriter;
let pool: pg.Pool;

beforeAll(async () => {
  redis = await PrivateRedis.start();
  const base = writerTestConfig();
  await prepareNamespace(base);
  config = withRegionServers(base, { redisUrl: redis.url });
  [a, b] = await Promise.all([startTestWriter(config), startTestWriter(config)]);
  pool = regionPool(config);
});

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await pool?.end();
  await redis?.kill();
  await cleanup(config);
});

/** Appends `n` events to `stream`, alternating between the two writers, all at once. */
async function burst(stream: string, n: number, tag: string): Promise<Envelope[]> {
  const clients = [client(a.url), client(b.url)];
  const results = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      clients[i % 2]!.append(stream, { type: 'T', data: { tag, i } }),
    ),
  );
  expect(results.map((r) => r.status)).toEqual(Array.from({ length: n }, () => 201));
  return results.map((r) => r.body.event);
}

/** The events of `stream` in the topic, in offset order. */
async function logOf(stream: string): Promise<Envelope[]> {
  return (await readEventsTopic(config))
    .filter((r) => r.key === stream)
    .sort((x, y) => Number(BigInt(x.offset) - BigInt(y.offset)))
    .map((r) => r.value);
}

/** No fork among `events` (offset order): each names exactly the previous one. */
function expectChain(events: readonly Envelope[]): void {
  for (let i = 1; i < events.length; i++) expect(events[i]!.parents).toEqual([events[i - 1]!.id]);
}

describe('Redis down, then back', () => {
  it('serialises across processes while up; stays correct without it; resumes by itself', async () => {
    // Up: two processes, one stream, no fork.
    await burst('acct-1', 40, 'up');
    expectChain(await logOf('acct-1'));

    // A key whose event the projection has (as the mirror would store it).
    const keyed = await client(a.url).append('acct-2', {
      type: 'T',
      data: { pay: 1 },
      idempotencyKey: 'pay-1',
    });
    expect(keyed.status).toBe(201);
    await seedProjection(pool, [keyed.body.event]);

    await redis.kill();
    const started = Date.now();
    // Writes go on (known and new streams), fast: Redis failures are fail-fast.
    const during = await burst('acct-1', 40, 'down');
    await burst('acct-new', 10, 'down');
    expect(Date.now() - started).toBeLessThan(5000);
    // Within one process the in-process queue still serialises: a chain per process.
    const perProcess = during.filter((_, i) => i % 2 === 0);
    for (let i = 1; i < perProcess.length; i++) {
      expect(perProcess[i]!.parents).toContain(perProcess[i - 1]!.id);
    }
    // Idempotency through the projection (Postgres) …
    const again = await client(b.url).append('acct-2', {
      type: 'T',
      data: { pay: 1 },
      idempotencyKey: 'pay-1',
    });
    expect(again.status).toBe(200);
    expect(again.body.event.id).toBe(keyed.body.event.id);
    const reused = await client(b.url).append('acct-2', {
      type: 'T',
      data: { pay: 2 },
      idempotencyKey: 'pay-1',
    });
    expect(reused.status).toBe(422);
    // … and through this process's own unprojected events, concurrently.
    const same = await Promise.all(
      Array.from({ length: 5 }, () =>
        client(a.url).append('acct-3', { type: 'T', data: {}, idempotencyKey: 'k' }),
      ),
    );
    expect(same.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(new Set(same.map((r) => r.body.event.id)).size).toBe(1);
    // Redis is reported, not required.
    const ready = await client(a.url, null).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ checks: { redis: false, kafka: true, postgres: true } });

    // Back (empty: no persistence). Serialisation resumes without a restart.
    await redis.start();
    await expect
      .poll(async () => (await client(a.url, null).get('/readyz')).body, { timeout: 10_000 })
      .toMatchObject({ checks: { redis: true } });
    await expect
      .poll(async () => (await client(b.url, null).get('/readyz')).body, { timeout: 10_000 })
      .toMatchObject({ checks: { redis: true } });
    const after = await burst('acct-1', 40, 'back');
    const log = await logOf('acct-1');
    const tail = log.filter((e) => after.some((x) => x.id === e.id));
    expect(tail).toHaveLength(40);
    // Every event written after the recovery continues the previous one: no new fork.
    expectChain(tail);
    // Every event of the stream is valid and acknowledged exactly once.
    expect(new Set(log.map((e) => e.id)).size).toBe(log.length);
    expect(log).toHaveLength(120);
  });
});
