import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConcordConfig } from '@concord/config';
import type { RunningWriter } from '../startWriter.js';
import { PrivatePostgres, withRegionServers } from '@concord/test-support';
import {
  ADMIN_TOKEN,
  cleanup,
  client,
  prepareNamespace,
  readEventsTopic,
  startTestWriter,
  writerTestConfig,
} from '../testing/writerFixture.js';

/**
 * Postgres of the region down (docs/architecture.md, Failure behaviour): writes go on where the heads are known from Redis
 * (Kafka is the log), reads answer 503, unknown streams 503 STORE_UNAVAILABLE. Uses a PRIVATE
 * Postgres cluster (initdb in a tmp folder) so it can be stopped without touching anyone.
 */
let server: PrivatePostgres;
let base: ConcordConfig;
let config: ConcordConfig;
let a: RunningWriter;
let b: RunningWriter;

beforeAll(async () => {
  server = await PrivatePostgres.start();
  base = writerTestConfig();
  await prepareNamespace(base); // topics (and a database on the shared server, unused)
  const url = await server.migrate(base.byRegion['us']!.postgres.database);
  config = withRegionServers(base, { postgresUrl: url });
  a = await startTestWriter(config);
});

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await server?.destroy();
  await cleanup(base);
});

const code = (r: { body: unknown }) => (r.body as { error?: { code?: string } }).error?.code;

describe('Postgres down, then back', () => {
  it('accepts writes with heads from the caches, answers 503 to reads and unknown streams', async () => {
    const api = client(a.url);
    const first = await api.append('pg-1', { type: 'T', data: { n: 1 } });
    expect(first.status).toBe(201);
    const opened = await api.append('account-pg', { type: 'Opened', data: {} });
    expect(opened.status).toBe(201);
    const funded = await api.append('account-pg', { type: 'Deposited', data: { amount: 10 } });
    expect(funded.status).toBe(201);

    await server.stop();
    try {
      // Heads from this process's caches.
      const second = await api.append('pg-1', { type: 'T', data: { n: 2 } });
      expect(second.status).toBe(201);
      expect(second.body.event.parents).toEqual([first.body.event.id]);
      // A writer process started now knows the heads from Redis only.
      b = await startTestWriter(config);
      const third = await client(b.url).append('pg-1', { type: 'T', data: { n: 3 } });
      expect(third.status).toBe(201);
      expect(third.body.event.parents).toEqual([second.body.event.id]);
      // The domain's prepare runs on the cached state plus own events (balance 10).
      const spend = await api.append('account-pg', { type: 'Withdrawn', data: { amount: 7 } });
      expect(spend.status).toBe(201);
      const overdraft = await api.append('account-pg', {
        type: 'Withdrawn',
        data: { amount: 7 },
      });
      expect(overdraft.status).toBe(422);
      // Heads unknown: 503 STORE_UNAVAILABLE with Retry-After.
      const unknown = await api.append('pg-never-seen', { type: 'T', data: {} });
      expect(unknown.status).toBe(503);
      expect(code(unknown)).toBe('STORE_UNAVAILABLE');
      expect(unknown.headers.get('retry-after')).toBe('2');
      // Reads and the fence need the projection: 503.
      const read = await api.get('/v1/streams/pg-1');
      expect(read.status).toBe(503);
      expect(code(read)).toBe('STORE_UNAVAILABLE');
      expect((await api.get('/v1/streams/pg-1/events')).status).toBe(503);
      const fence = await client(a.url, ADMIN_TOKEN).call('POST', '/v1/admin/fence', {});
      expect(fence.status).toBe(503);
      const ready = await client(a.url, null).get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ checks: { postgres: false, kafka: true } });
    } finally {
      await server.start();
    }

    // Back: reads answer again (the stream is not projected: no mirror here), writes go on.
    await expect
      .poll(async () => (await api.get('/v1/streams/pg-1')).status, { timeout: 10_000 })
      .toBe(404);
    const fourth = await api.append('pg-1', { type: 'T', data: { n: 4 } });
    expect(fourth.status).toBe(201);
    expect((await api.append('pg-never-seen', { type: 'T', data: {} })).status).toBe(201);
    // Everything acknowledged is in the log.
    const ids = (await readEventsTopic(config)).map((r) => r.value.id);
    expect(ids).toContain(fourth.body.event.id);
  });
});
