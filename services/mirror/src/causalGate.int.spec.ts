import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestEventFactory } from '@concord/core';
import type { pg } from '@concord/postgres';
import {
  cleanupNamespace,
  createDatabases,
  createTopics,
  metricValue,
  regionPool,
  RegionProducers,
  signAll,
  testConfig,
  testStack,
  waitFor,
} from '@concord/test-support';
import { startMirror, type MirrorHandle } from './index.js';
import { appliedIds } from './testing/signedEvents.fixtures.js';

const config = testConfig({ CONCORD_INSECURE: 'true', CONCORD_LOG_LEVEL: 'error' });
const stack = testStack(config);
const mirrors = new Map<string, MirrorHandle>();
const pools = new Map<string, pg.Pool>();
const producers = new RegionProducers(config);

beforeAll(async () => {
  await Promise.all([createTopics(config), createDatabases(config)]);
  for (const region of config.regions) {
    pools.set(region, regionPool(config, region));
    mirrors.set(
      region,
      await startMirror(config, { region, port: 0, host: '127.0.0.1', statsIntervalMs: 100 }),
    );
  }
});

afterAll(async () => {
  await stack.links.heal('us', 'ap').catch(() => undefined);
  await Promise.allSettled([...mirrors.values()].map((m) => m.close()));
  await producers.close();
  await Promise.allSettled([...pools.values()].map((p) => p.end()));
  await cleanupNamespace(config);
});

async function isApplied(region: string, id: string): Promise<boolean> {
  const { rowCount } = await pools
    .get(region)!
    .query('select 1 from projection.events where id = $1', [id]);
  return rowCount === 1;
}

describe('the causal gate across regions', () => {
  it('parks an event whose cause has not crossed a slow link yet, and applies it right after the cause', async () => {
    const factory = new TestEventFactory({ startWall: Date.now(), seed: config.namespace });
    // Warm up every path first, so the only delay left is the one injected below.
    const [warmUs] = signAll(config, [
      factory.event({ type: 'Set', stream: 'warm-us', origin: 'us' }),
    ]);
    await producers.sendEvents([warmUs!]);
    await waitFor(
      async () =>
        (await Promise.all(config.regions.map((r) => isApplied(r, warmUs!.id)))).every(Boolean),
      {
        timeoutMs: 60_000,
        message: 'warm-up event applied everywhere',
      },
    );

    const ap = mirrors.get('ap')!;
    const pendingSeen: number[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const text = await fetch(`${ap.url}/metrics`).then((r) => r.text());
        pendingSeen.push(metricValue(text, 'concord_pending_events') ?? -1);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    try {
      // us → ap is slow (one way: only ap's reads of us's topic).
      await stack.links.latency('us', 'ap', 1500, { oneway: true });
      const [x] = signAll(config, [
        factory.event({ type: 'Set', stream: 'order-1', origin: 'us', data: { placed: true } }),
      ]);
      await producers.sendEvents([x!]);
      await waitFor(() => isApplied('eu', x!.id), { timeoutMs: 20_000, message: 'eu applies X' });
      // eu writes Y, caused by X (eu has applied X).
      const [y] = signAll(config, [
        factory.event({
          type: 'Set',
          stream: 'invoice-1',
          origin: 'eu',
          causedBy: x!.id,
          data: { for: 'order-1' },
        }),
      ]);
      await producers.sendEvents([y!]);

      // ap: Y arrives first and waits, durably, in projection.pending.
      await waitFor(
        async () => {
          const { rows } = await pools
            .get('ap')!
            .query<{ missing: string[] }>('select missing from projection.pending where id = $1', [
              y!.id,
            ]);
          return rows[0]?.missing.includes(x!.id);
        },
        { timeoutMs: 10_000, intervalMs: 20, message: 'ap parks Y on X' },
      );
      expect(await isApplied('ap', x!.id)).toBe(false);

      await waitFor(() => isApplied('ap', y!.id), { timeoutMs: 30_000, message: 'ap applies Y' });
      const order = await appliedIds(pools.get('ap')!);
      expect(order.indexOf(x!.id)).toBeGreaterThanOrEqual(0);
      expect(order.indexOf(x!.id)).toBeLessThan(order.indexOf(y!.id));
      const pending = await pools
        .get('ap')!
        .query('select count(*)::int as n from projection.pending');
      expect(pending.rows[0]).toEqual({ n: 0 });
      // Y went in the transaction that applied X: never seen by the safety sweep.
      expect(ap.stats().sweepUnparked).toBe(0);
      expect(ap.stats().unparked).toBeGreaterThanOrEqual(1);
      await waitFor(() => pendingSeen.at(-1) === 0 && pendingSeen.includes(1), {
        timeoutMs: 5000,
        message: 'concord_pending_events went 0 → 1 → 0',
      });
      const rise = pendingSeen.indexOf(1);
      expect(pendingSeen.slice(0, rise)).toContain(0);
      expect(pendingSeen.slice(rise)).toContain(0);
      // Lag of the slow origin shows in ap's histogram.
      const text = await fetch(`${ap.url}/metrics`).then((r) => r.text());
      expect(
        metricValue(text, 'concord_replication_lag_seconds_count', { origin: 'us' }),
      ).toBeGreaterThanOrEqual(2);
    } finally {
      watching = false;
      await watcher;
      await stack.links.heal('us', 'ap');
    }
  });
});
