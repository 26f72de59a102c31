import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRegionKeys, topics } from '@concord/config';
import {
  defineDomain,
  DomainRegistry,
  RegionKeyring,
  serializeEnvelope,
  TestEventFactory,
  verifyEnvelope,
  type Envelope,
  type JsonObject,
} from '@concord/core';
import { defaultDomains } from '@concord/domains';
import type { OutgoingRecord } from '@concord/kafka';
import { mirrorFixture, readTopic, signAll, waitFor } from '@concord/test-support';
import { DLQ_HEADERS } from './index.js';
import { appliedIds } from './testing/signedEvents.fixtures.js';

/**
 * A domain with two bugs a region cannot fix by retrying: its reducer throws on `Explode`,
 * and on `Join` it returns a state holding U+0000, which Postgres `jsonb` cannot store.
 */
const fragile = defineDomain<JsonObject>({
  category: 'fragile',
  policy: 'lww',
  reducer: {
    initialState: () => ({}),
    evolve(state, event) {
      const data = event.data as JsonObject;
      if (event.type === 'Explode') throw new Error('Explode is not a known event');
      if (event.type === 'Join')
        return { ...state, joined: `${String(data['a'])}\u0000${String(data['b'])}` };
      return { ...state, ...data };
    },
  },
});

const registry = new DomainRegistry([...defaultDomains, fragile]);
const fx = mirrorFixture();
const { config, producers, pools } = fx;

beforeAll(async () => {
  await fx.setup();
  for (const region of config.regions) await fx.start({ region, domains: registry });
});

afterAll(fx.teardown);

describe('bad records', () => {
  it('each is applied canonically or refused alone in every region; the partition and every region keep flowing', async () => {
    const t = topics(config);
    const factory = new TestEventFactory({
      stream: 'profile-9',
      origin: 'us',
      startWall: Date.now(),
      seed: config.namespace,
    });
    const sign = (e: Parameters<typeof factory.event>[0]) =>
      signAll(config, [factory.event(e)])[0]!;
    const first = sign({ type: 'Set', data: { n: 1 } });
    const bom = sign({ type: 'Set', parents: [first.id], data: { n: 2 } });
    const zero = sign({ type: 'Set', parents: [bom.id], data: { n: 0 } });
    const twice = sign({ type: 'Set', parents: [zero.id], data: { n: 3 } });
    const large = sign({ type: 'Set', parents: [zero.id], data: { s: 'x'.repeat(1024 * 1024) } });
    const nulKey = sign({ type: 'Set', parents: [zero.id], data: { 'a\u0000b': 1 } });
    const explode = sign({ type: 'Explode', stream: 'fragile-1', parents: [], data: {} });
    const join = sign({ type: 'Join', stream: 'fragile-2', parents: [], data: { a: 'x', b: 'y' } });
    const fine = sign({ type: 'Set', stream: 'fragile-3', parents: [], data: { ok: true } });
    const last = sign({ type: 'Set', parents: [zero.id], data: { n: 5 } });
    // One key: every record below lands on one partition, in this order.
    const record = (value: Buffer | string): OutgoingRecord => ({
      topic: t.events('us'),
      key: 'bad-records',
      value,
    });
    const canonical = (e: Envelope) => serializeEnvelope(e);
    const sent: [Envelope, Buffer | string][] = [
      [first, canonical(first)],
      [bom, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(canonical(bom))])],
      [zero, canonical(zero).replace('"n":0', '"n":0e-100000')],
      [twice, canonical(twice).replace('"data":{', '"data":{"n":9,')],
      [large, canonical(large)],
      [nulKey, canonical(nulKey)],
      [explode, canonical(explode)],
      [join, canonical(join)],
      [fine, canonical(fine)],
      [last, canonical(last)],
    ];
    expect(sent[2]![1]).toContain('0e-100000');
    const p = producers.of('us');
    for (const [, value] of sent) await p.send(record(value));

    // Afterwards, a normal write in another region.
    const after = signAll(config, [
      new TestEventFactory({ stream: 'profile-eu', origin: 'eu', startWall: Date.now() }).event({
        type: 'Set',
        data: { after: true },
      }),
    ])[0]!;
    await producers.sendEvents([after]);

    const applied = [first, bom, zero, fine, last, after].map((e) => e.id);
    const refused = [twice, large, nulKey, explode, join].map((e) => e.id);
    for (const [region, pool] of pools) {
      await waitFor(
        async () => {
          const ids = await appliedIds(pool);
          return applied.every((id) => ids.includes(id));
        },
        { timeoutMs: 90_000, message: `${region} applies the valid events and the later write` },
      );
      const ids = await appliedIds(pool);
      for (const id of refused) expect(ids).not.toContain(id);
      // Stored as the canonical serialisation of what was verified: still verifies.
      const { rows } = await pool.query<{ id: string; envelope: Envelope }>(
        'select id, envelope from projection.events where id = any($1)',
        [[bom.id, zero.id]],
      );
      const keyring = RegionKeyring.from(readRegionKeys(config).publicKeysPem);
      for (const row of rows) {
        const signed = row.id === bom.id ? bom : zero;
        expect(row.envelope).toEqual(JSON.parse(canonical(signed)));
        expect(() => verifyEnvelope(row.envelope, keyring)).not.toThrow();
      }
      expect(rows).toHaveLength(2);
    }

    for (const region of config.regions) {
      const dlq = await readTopic(config, region, t.dlq(region), {
        expected: refused.length,
        timeoutMs: 60_000,
      });
      expect(dlq).toHaveLength(refused.length);
      const headers = [...dlq]
        .sort(
          (a, b) =>
            Number(a.headers[DLQ_HEADERS.sourceOffset]) -
            Number(b.headers[DLQ_HEADERS.sourceOffset]),
        )
        .map((r) => ({
          code: r.headers[DLQ_HEADERS.code],
          reason: r.headers[DLQ_HEADERS.reason],
          field: r.headers[DLQ_HEADERS.field],
          sqlstate: r.headers[DLQ_HEADERS.sqlstate],
        }));
      expect(headers).toEqual([
        { code: 'ENVELOPE_INVALID', reason: 'duplicate-key', field: 'data.n', sqlstate: undefined },
        { code: 'ENVELOPE_TOO_LARGE', reason: undefined, field: '$', sqlstate: undefined },
        {
          code: 'ENVELOPE_INVALID',
          reason: 'nul-character',
          field: 'data.a\\u0000b',
          sqlstate: undefined,
        },
        { code: 'APPLY_REFUSED', reason: 'reducer-threw', field: '$', sqlstate: undefined },
        { code: 'APPLY_REFUSED', reason: 'store-refused', field: '$', sqlstate: '22P05' },
      ]);
    }
  });
});
