import { APPLIED_HEADERS } from '@concord/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '@concord/config';
import { DomainRegistry, type Envelope } from '@concord/core';
import { defaultDomains } from '@concord/domains';
import type { pg } from '@concord/postgres';
import {
  cleanupNamespace,
  createDatabases,
  createTopics,
  readTopic,
  regionPool,
  RegionProducers,
  signAll,
  testConfig,
  waitFor,
} from '@concord/test-support';
import { checkProjection, startMirror, type MirrorHandle } from './index.js';
import {
  appliedIds,
  offsetsBehindLogEnd,
  readModelDrift,
  randomHistory,
} from './testing/signedEvents.fixtures.js';

const config = testConfig({ CONCORD_INSECURE: 'true', CONCORD_LOG_LEVEL: 'error' });
const registry = new DomainRegistry(defaultDomains);
const producers = new RegionProducers(config);
const mirrors: MirrorHandle[] = [];
let pool: pg.Pool;

beforeAll(async () => {
  await Promise.all([createTopics(config), createDatabases(config)]);
  pool = regionPool(config, 'us');
});

afterAll(async () => {
  await Promise.allSettled(mirrors.map((m) => m.close()));
  await producers.close();
  await pool?.end();
  await cleanupNamespace(config);
});

describe('two mirror instances of one region', () => {
  it('share the partitions under load and still apply every event exactly once', async () => {
    const history = signAll(
      config,
      randomHistory({ seed: 4242, ops: 3000, regions: config.regions }),
    );
    const start = (instance: string) =>
      startMirror(config, {
        region: 'us',
        port: 0,
        host: '127.0.0.1',
        instance,
        maxTransactionRecords: 200,
      });
    const a = await start('a');
    mirrors.push(a);
    let sent = 0;
    const load = (async () => {
      for (let i = 0; i < history.length; i += 25) {
        const chunk: Envelope[] = history.slice(i, i + 25);
        // Some events twice: duplicates across instances are dropped by id.
        await producers.sendEvents(i % 100 === 0 ? [...chunk, ...chunk.slice(0, 5)] : chunk);
        sent = i + chunk.length;
        await new Promise((r) => setTimeout(r, 15));
      }
    })();
    await waitFor(() => sent > history.length / 5, { timeoutMs: 60_000, message: 'load running' });
    const b = await start('b'); // rebalance: b takes some partitions
    mirrors.push(b);
    await waitFor(() => b.stats().applied > 0, {
      timeoutMs: 60_000,
      message: 'b applies its share',
    });
    await a.close(); // rebalance again: b takes everything
    await waitFor(() => sent > (history.length * 3) / 5, {
      timeoutMs: 60_000,
      message: 'load going on',
    });
    const a2 = await start('a2'); // and back
    mirrors.push(a2);
    await load;

    const ids = new Set(history.map((e) => e.id));
    await waitFor(async () => (await appliedIds(pool)).length >= ids.size, {
      timeoutMs: 120_000,
      intervalMs: 500,
      message: 'every event applied',
    });
    const applied = await appliedIds(pool);
    expect(applied.length).toBe(ids.size);
    expect(new Set(applied)).toEqual(ids);
    expect(a.stats().applied).toBeGreaterThan(0);
    expect(b.stats().applied).toBeGreaterThan(0);
    const client = await pool.connect();
    try {
      const check = await checkProjection(client, 'projection', registry);
      expect(check.mismatches).toEqual([]);
      expect(check.ok).toBe(true);
    } finally {
      client.release();
    }
    expect(await offsetsBehindLogEnd(config, pool)).toEqual([]);
    expect(await readModelDrift(pool)).toEqual([]);
    // One publisher at a time (feed lock): the feed holds every id, first occurrences in applied order.
    const feed = await readTopic(config, 'us', topics(config).applied('us'), {
      expected: ids.size,
    });
    const firsts: string[] = [];
    const seen = new Set<string>();
    for (const r of feed) {
      const id = r.headers[APPLIED_HEADERS.id]!;
      if (!seen.has(id)) firsts.push(id);
      seen.add(id);
    }
    expect(firsts).toEqual(applied);
  });
});
