import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '@concord/config';
import {
  DomainRegistry,
  foldStream,
  projectionStreamDigest,
  rollUpDigestSums,
  type UnsignedEnvelope,
} from '@concord/core';
import { cartLines, defaultDomains, type CartState } from '@concord/domains';
import { eventRecord, mirrorFixture, signAll, waitFor } from '@concord/test-support';
import { checkProjection } from './index.js';
import { randomHistory, readProjection } from './testing/signedEvents.fixtures.js';

const registry = new DomainRegistry(defaultDomains);
const fx = mirrorFixture();
const { config, producers, pools, mirrors } = fx;

beforeAll(fx.setup);
afterAll(fx.teardown);

/** The digests core computes from the event set alone (no projection involved). */
function expectedDigests(events: readonly UnsignedEnvelope[]) {
  const byStream = new Map<string, UnsignedEnvelope[]>();
  for (const e of events) byStream.set(e.stream, [...(byStream.get(e.stream) ?? []), e]);
  const digests = [...byStream].map(([stream, list]) => {
    const fold = foldStream(list, registry.forStream(stream).reducer, { stream });
    return {
      digest: projectionStreamDigest(
        stream,
        list.map((e) => e.id),
        fold.state,
      ),
      heads: fold.heads,
    };
  });
  return { digests, rollup: rollUpDigestSums(digests.map((d) => d.digest)) };
}

describe('mirror: three regions', () => {
  it('apply a random history with forks, merges and cross-stream causes to identical projections', async () => {
    const history = randomHistory({ seed: 20261126, ops: 500, regions: config.regions });
    const signed = signAll(config, history);
    for (const region of config.regions) await fx.start({ region, sweepIntervalMs: 2000 });
    // Each region's events on its own topic, in creation order, in a few waves; some twice, and
    // a few copies on ap's repair topic (as anti-entropy would write them).
    for (let i = 0; i < signed.length; i += 100)
      await producers.sendEvents(signed.slice(i, i + 100));
    await producers.sendEvents(signed.filter((_, i) => i % 10 === 3));
    await producers.send(
      'ap',
      signed
        .filter((_, i) => i % 7 === 0)
        .map((e) => eventRecord(config, e, topics(config).repair('ap'))),
    );

    const ids = new Set(signed.map((e) => e.id));
    await waitFor(
      async () => {
        for (const pool of pools.values()) {
          const { rows } = await pool.query<{ n: string }>(
            'select count(*) as n from projection.events',
          );
          if (Number(rows[0]!.n) !== ids.size) return false;
        }
        return true;
      },
      { timeoutMs: 120_000, intervalMs: 500, message: 'every region applies every event' },
    );

    const views = await Promise.all(config.regions.map((r) => readProjection(pools.get(r)!)));
    expect(views[1]).toEqual(views[0]);
    expect(views[2]).toEqual(views[0]);

    const expected = expectedDigests(history);
    for (const d of expected.digests) {
      expect(views[0]!.streams[d.digest.stream]).toMatchObject({
        idsHash: d.digest.eventSetHash,
        stateHash: d.digest.stateHash,
        heads: d.heads,
      });
    }
    expect(views[0]!.buckets).toEqual(
      Object.fromEntries(Object.entries(expected.rollup).map(([b, h]) => [Number(b), h])),
    );
    for (const r of config.regions) {
      const client = await pools.get(r)!.connect();
      try {
        const check = await checkProjection(client, 'projection', registry);
        expect(check.mismatches).toEqual([]);
        expect(check.ok).toBe(true);
      } finally {
        client.release();
      }
    }
    // Read models follow the stream states (cart lines replaced batch after batch).
    for (const pool of pools.values()) {
      const carts = await pool.query<{ stream: string; sku: string; quantity: string }>(
        'select stream, sku, quantity from projection.cart_items order by stream, sku',
      );
      const balances = await pool.query<{ stream: string; balance: string }>(
        'select stream, balance from projection.account_balances order by stream',
      );
      const profiles = await pool.query<{ stream: string; doc: unknown }>(
        'select stream, doc from projection.profiles order by stream',
      );
      const streams = Object.entries(views[0]!.streams);
      expect(carts.rows).toEqual(
        streams
          .filter(([stream]) => stream.startsWith('cart-'))
          .flatMap(([stream, s]) =>
            cartLines(s.state as CartState).map((l) => ({
              stream,
              sku: l.sku,
              quantity: String(l.quantity),
            })),
          ),
      );
      expect(carts.rows.length).toBeGreaterThan(0);
      expect(balances.rows).toEqual(
        streams
          .filter(([stream]) => stream.startsWith('account-'))
          .map(([stream, s]) => ({
            stream,
            balance: String((s.state as { balance: number }).balance),
          })),
      );
      expect(profiles.rows).toEqual(
        streams
          .filter(([stream]) => stream.startsWith('profile-'))
          .map(([stream, s]) => ({ stream, doc: s.state })),
      );
    }
    const pending = await pools
      .get('us')!
      .query('select count(*)::int as n from projection.pending');
    expect(pending.rows[0]).toEqual({ n: 0 });
    const stats = mirrors.map((m) => m.stats());
    expect(stats.every((s) => s.sweepUnparked === 0)).toBe(true);
    expect(stats.every((s) => s.duplicates > 0)).toBe(true);
  });
});
