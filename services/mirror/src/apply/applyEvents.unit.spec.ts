import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  conflictId,
  dependenciesOf,
  DomainRegistry,
  eventSetSum,
  foldStream,
  projectionStreamDigest,
  rollUpDigestSums,
  stateHash,
  type Envelope,
  type UnsignedEnvelope,
} from '@concord/core';
import { defaultDomains, defaultReadModels } from '@concord/domains';
import { InMemoryProjectionStore } from '../testing/InMemoryProjectionStore.fixtures.js';
import { prng, randomHistory } from '../testing/signedEvents.fixtures.js';
import { candidateOf } from './ApplyTypes.js';
import { applyEvents } from './applyEvents.js';

const registry = new DomainRegistry(defaultDomains);
const readModels = defaultReadModels;

/** Everything the projection must satisfy after every transaction. */
function checkInvariants(store: InMemoryProjectionStore, everything: boolean, total: number) {
  const order = store.appliedOrder();
  const seqOf = new Map(order.map((e) => [e.envelope.id, e.seq]));
  // Causally closed, in causal applied order.
  for (const e of order) {
    for (const dep of dependenciesOf(e.envelope)) {
      expect(seqOf.get(dep), `${dep} before ${e.envelope.id}`).toBeLessThan(e.seq);
    }
  }
  // Every stream row is what a fold from scratch of its stored events says.
  const byStream = new Map<string, UnsignedEnvelope[]>();
  for (const e of order) byStream.set(e.stream, [...(byStream.get(e.stream) ?? []), e.envelope]);
  const digests = [];
  for (const [stream, events] of byStream) {
    const fold = foldStream(events, registry.forStream(stream).reducer, {
      stream,
      checkpointEvery: 3,
    });
    const row = store.streams.get(stream)!;
    expect(row.state).toEqual(JSON.parse(JSON.stringify(fold.state)));
    expect(row.heads).toEqual(fold.heads);
    expect(row.version).toBe(fold.version);
    expect(row.idsHash).toBe(eventSetSum(events.map((e) => e.id)));
    expect(row.stateHash).toBe(stateHash(fold.state));
    fold.order.forEach((e, i) => expect(store.events.get(e.id)!.position).toBe(i));
    const noops = new Set(fold.noops);
    for (const e of events) expect(store.events.get(e.id)!.noop).toBe(noops.has(e.id));
    digests.push(
      projectionStreamDigest(
        stream,
        events.map((e) => e.id),
        fold.state,
      ),
    );
    // Open conflict ⇔ several heads.
    const open = [...store.conflicts.values()].filter(
      (c) => c.stream === stream && c.status === 'open',
    );
    expect(open.map((c) => c.id)).toEqual(
      fold.heads.length > 1 ? [conflictId(stream, fold.heads)] : [],
    );
    if (stream.startsWith('account-')) {
      expect(store.readModel<{ balance: string }>('account_balances').get(stream)?.balance).toBe(
        String((fold.state as { balance: number }).balance),
      );
    }
  }
  const rollup = rollUpDigestSums(digests);
  expect(Object.fromEntries([...store.buckets].map(([b, r]) => [b, r.hash]))).toEqual(
    Object.fromEntries(Object.entries(rollup).map(([b, h]) => [Number(b), h])),
  );
  // Parked rows wait for something that is not applied, and say what.
  for (const row of store.pending.values()) {
    expect(store.events.has(row.id)).toBe(false);
    const unapplied = dependenciesOf(row.envelope).filter((d) => !store.events.has(d));
    expect(unapplied.length).toBeGreaterThan(0);
    for (const d of unapplied) expect(row.missing).toContain(d);
  }
  if (everything) {
    expect(store.pending.size).toBe(0);
    expect(store.events.size).toBe(total);
  }
}

describe('applyEvents (real apply path, in-memory store)', () => {
  it('any delivery order, any batching, any duplicates: causal, equal to the fold from scratch', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer({ min: 5, max: 120 }),
        fc.integer({ min: 1, max: 30 }),
        fc.constantFrom(0.05, 0.3, 0.6),
        fc.constantFrom(2, 3, 128),
        async (seed, ops, maxBatch, syncRate, checkpointEvery) => {
          const history = randomHistory({ seed, ops, regions: ['us', 'eu', 'ap'], syncRate });
          const random = prng(seed ^ 0x5bd1e995);
          const deliveries = [...history, ...history.filter(() => random() < 0.15)];
          for (let i = deliveries.length - 1; i > 0; i--) {
            const j = Math.floor(random() * (i + 1));
            [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
          }
          const store = new InMemoryProjectionStore();
          let duplicates = 0;
          for (let i = 0; i < deliveries.length;) {
            const size = 1 + Math.floor(random() * maxBatch);
            const batch = deliveries.slice(i, i + size);
            i += size;
            const result = await applyEvents(
              store,
              batch.map((e, k) => candidateOf(e as Envelope, `t:0@${i + k}`, JSON.stringify(e))),
              { region: 'us', regions: ['us', 'eu', 'ap'], registry, readModels, checkpointEvery },
            );
            for (const [kind, n] of result.duplicates)
              if (kind !== 'idempotency-noop') duplicates += n;
            checkInvariants(store, false, history.length);
          }
          checkInvariants(store, true, history.length);
          expect(duplicates).toBe(deliveries.length - history.length);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses an event whose parent is in another stream and keeps its descendants parked', async () => {
    const base = {
      v: 1 as const,
      type: 'Set',
      data: {},
      origin: 'us',
      meta: {},
      sig: 'x'.repeat(86),
    };
    const x1 = {
      ...base,
      id: '01900000-0000-7000-8000-000000000001',
      stream: 'x-1',
      hlc: { wall: 1, logical: 0 },
      parents: [],
    };
    const y1 = {
      ...base,
      id: '01900000-0000-7000-8000-000000000002',
      stream: 'y-1',
      hlc: { wall: 2, logical: 0 },
      parents: [x1.id],
    };
    const y2 = {
      ...base,
      id: '01900000-0000-7000-8000-000000000003',
      stream: 'y-1',
      hlc: { wall: 3, logical: 0 },
      parents: [y1.id],
    };
    const z1 = {
      ...base,
      id: '01900000-0000-7000-8000-000000000004',
      stream: 'z-1',
      hlc: { wall: 4, logical: 0 },
      parents: [],
      causedBy: y1.id,
    };
    const store = new InMemoryProjectionStore();
    const apply = (events: Envelope[]) =>
      applyEvents(
        store,
        events.map((e, i) => candidateOf(e, `t:0@${i}`, JSON.stringify(e))),
        { region: 'us', regions: ['us', 'eu', 'ap'], registry, readModels, checkpointEvery: 128 },
      );
    // y2 and z1 arrive first (parked on y1), then x1 and y1 together.
    await apply([y2, z1] as Envelope[]);
    const result = await apply([y1, x1] as Envelope[]);
    expect(result.applied.map((e) => e.id)).toEqual([x1.id]);
    expect(result.dlq).toHaveLength(1);
    expect(result.dlq[0]!.headers).toMatchObject({
      'concord-dlq-code': 'ENVELOPE_INVALID',
      'concord-dlq-field': 'parents',
      'concord-dlq-reason': 'parent-in-other-stream',
    });
    expect([...store.pending.keys()].sort()).toEqual([y2.id, z1.id]);
    expect(store.pending.get(y2.id)!.missing).toEqual([y1.id]);
    expect(store.events.has(y1.id)).toBe(false);
  });
});
