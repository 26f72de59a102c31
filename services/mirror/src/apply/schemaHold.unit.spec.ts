import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dependenciesOf,
  DomainRegistry,
  foldStream,
  SCHEMA_UPGRADE_DEPENDENCY,
  withWriteVersions,
  type Envelope,
  type UnsignedEnvelope,
} from '@concord/core';
import {
  accountDomain,
  accountDomainV1,
  cartDomain,
  defaultDomains,
  defaultReadModels,
  profileDomain,
} from '@concord/domains';
import { InMemoryProjectionStore } from '../testing/InMemoryProjectionStore.fixtures.js';
import { prng, randomHistory } from '../testing/signedEvents.fixtures.js';
import { candidateOf } from './ApplyTypes.js';
import { applyEvents } from './applyEvents.js';

/*
 * The mirror's apply path in a region that still runs the previous account release while
 * another region writes account events at schema version 2: those are held (parked, missing
 * only SCHEMA_UPGRADE_DEPENDENCY), whatever depends on them waits, everything else applies;
 * the upgraded code releases them and the projection equals the fold of the whole history.
 */

const oldCode = new DomainRegistry([accountDomainV1, cartDomain, profileDomain]);
const newCode = new DomainRegistry(defaultDomains);
const writerCode = new DomainRegistry([
  withWriteVersions(accountDomain, { Deposited: 2, Withdrawn: 2 }),
  cartDomain,
  profileDomain,
]);
const readModels = defaultReadModels;

function foldEquals(store: InMemoryProjectionStore, registry: DomainRegistry): void {
  const order = store.appliedOrder();
  const seqOf = new Map(order.map((e) => [e.envelope.id, e.seq]));
  for (const e of order) {
    for (const dep of dependenciesOf(e.envelope)) expect(seqOf.get(dep)).toBeLessThan(e.seq);
    expect(registry.schemaGap(e.envelope)).toBeUndefined();
  }
  const byStream = new Map<string, UnsignedEnvelope[]>();
  for (const e of order) byStream.set(e.stream, [...(byStream.get(e.stream) ?? []), e.envelope]);
  for (const [stream, events] of byStream) {
    const fold = foldStream(events, registry.forStream(stream).reducer, { stream });
    expect(store.streams.get(stream)!.state).toEqual(JSON.parse(JSON.stringify(fold.state)));
    expect(store.streams.get(stream)!.heads).toEqual(fold.heads);
  }
}

describe('applyEvents: events this code cannot interpret', () => {
  it('holds them, keeps the applied set causally closed, releases them after the upgrade', async () => {
    let held = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer({ min: 40, max: 160 }),
        fc.integer({ min: 1, max: 20 }),
        async (seed, ops, maxBatch) => {
          const history = randomHistory({
            seed,
            ops,
            regions: ['us', 'eu', 'ap'],
            registry: writerCode,
          });
          const random = prng(seed);
          const deliveries = [...history].sort(() => random() - 0.5);
          const store = new InMemoryProjectionStore();
          const options = {
            region: 'eu',
            regions: ['us', 'eu', 'ap'],
            registry: oldCode,
            readModels,
            checkpointEvery: 3,
          };
          for (let i = 0; i < deliveries.length;) {
            const size = 1 + Math.floor(random() * maxBatch);
            const batch = deliveries.slice(i, i + size);
            i += size;
            const result = await applyEvents(
              store,
              batch.map((e, k) => candidateOf(e as Envelope, `t:0@${i + k}`, JSON.stringify(e))),
              options,
            );
            for (const e of result.held) expect(oldCode.schemaGap(e)).toBeDefined();
            foldEquals(store, oldCode);
          }
          // Parked: exactly the v2 events and what depends on them; held ones say so.
          const blocked = new Set<string>();
          for (const e of history) {
            if (oldCode.schemaGap(e) !== undefined || dependenciesOf(e).some((d) => blocked.has(d)))
              blocked.add(e.id);
          }
          expect(new Set(store.pending.keys())).toEqual(blocked);
          for (const row of store.pending.values()) {
            const complete = dependenciesOf(row.envelope).every((d) => store.events.has(d));
            expect(row.missing.includes(SCHEMA_UPGRADE_DEPENDENCY)).toBe(complete);
            if (complete) held++;
          }
          // The upgrade: the held rows, restored under the new code, apply with their dependants.
          const heldRows = [...store.pending.values()].filter((r) =>
            r.missing.includes(SCHEMA_UPGRADE_DEPENDENCY),
          );
          const released = await applyEvents(
            store,
            [],
            { ...options, registry: newCode },
            heldRows,
          );
          expect(released.held).toEqual([]);
          expect(store.pending.size).toBe(0);
          expect(store.events.size).toBe(history.length);
          foldEquals(store, newCode);
        },
      ),
      { numRuns: 50 },
    );
    // The histories must really hold events (v2 writes applied after their parents).
    expect(held).toBeGreaterThan(20);
  });
});
