import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventId, StreamId, UnsignedEnvelope } from '../envelope/Envelope.js';
import { detectConflict } from '../conflicts/analyzeConflict.js';
import { projectionStreamDigest, rollUpDigestSums } from '../digests/setSum.js';
import { foldStream } from '../fold/foldStream.js';
import { StreamProjection } from '../fold/StreamProjection.js';
import type { StreamFold } from '../fold/StreamFold.js';
import { CausalGate } from '../gate/CausalGate.js';
import { dependenciesOf } from '../gate/GateDecision.js';
import { historyArbitrary, shuffle, split, testRegistry } from './historyArbitrary.fixtures.js';

const registry = testRegistry();

function byStream(events: readonly UnsignedEnvelope[]): Map<StreamId, UnsignedEnvelope[]> {
  const map = new Map<StreamId, UnsignedEnvelope[]>();
  for (const event of events) map.set(event.stream, [...(map.get(event.stream) ?? []), event]);
  return map;
}

/** Everything a region exposes about a stream, to compare regions. */
function observe(fold: StreamFold<unknown>) {
  const module = registry.forStream(fold.stream);
  const digest = projectionStreamDigest(
    fold.stream,
    fold.order.map((e) => e.id),
    fold.state,
  );
  return {
    state: fold.state,
    heads: fold.heads,
    order: fold.order.map((e) => e.id),
    noops: fold.noops,
    conflict: detectConflict({ fold }, module),
    digest,
  };
}

/**
 * One region's mirror, in memory: the gate decides each batch against a fake store of applied
 * ids and parked rows, the store "commits", then the gate commits. Asserts causal closure at
 * every apply. Sometimes the process "restarts" and restores the gate from the store.
 */
function mirror(g: fc.GeneratorValue, deliveries: readonly UnsignedEnvelope[]) {
  const store = {
    applied: new Set<EventId>(),
    parked: new Map<EventId, { event: UnsignedEnvelope; parkedAt: number }>(),
  };
  const projections = new Map<StreamId, StreamProjection<unknown>>();
  const checkpointEvery = g(fc.constantFrom, 1, 2, 3, 128);
  let now = 0;
  const newGate = () =>
    new CausalGate<UnsignedEnvelope>({
      now: () => now,
      appliedCacheSize: g(fc.constantFrom, 0, 2, Infinity),
    });
  let gate = newGate();
  const persist = (decision: ReturnType<typeof gate.decide>) => {
    const perStream = new Map<StreamId, UnsignedEnvelope[]>();
    for (const event of decision.ready) {
      for (const dep of dependenciesOf(event)) {
        if (!store.applied.has(dep))
          throw new Error(`applied ${event.id} before its dependency ${dep}`);
      }
      store.applied.add(event.id);
      perStream.set(event.stream, [...(perStream.get(event.stream) ?? []), event]);
    }
    for (const [stream, events] of perStream) {
      let projection = projections.get(stream);
      if (!projection) {
        projection = new StreamProjection(stream, registry.forStream(stream).reducer, {
          checkpointEvery,
        });
        projections.set(stream, projection);
      }
      projection.apply(events);
    }
    for (const id of decision.unparked) store.parked.delete(id);
    for (const duplicate of decision.duplicates) {
      if (store.applied.has(duplicate.event.id)) store.parked.delete(duplicate.event.id);
    }
    for (const parked of decision.parked)
      store.parked.set(parked.event.id, { event: parked.event, parkedAt: parked.parkedAt });
    gate.commit(decision);
  };
  for (const batch of split(g, deliveries, 6)) {
    now++;
    if (g(fc.integer, { min: 0, max: 9 }) === 0) {
      gate = newGate();
      const rows = [...store.parked.values()];
      const lookup = gate
        .unknownIds(rows.map((r) => r.event))
        .filter((id) => store.applied.has(id));
      persist(gate.restore(rows, lookup));
    }
    const lookup = gate.unknownIds(batch).filter((id) => store.applied.has(id));
    persist(gate.decide(batch, lookup));
  }
  return { store, projections, gate };
}

describe('convergence (property)', () => {
  it('any delivery order, with duplicates and redeliveries, through gate + fold gives the same state, heads, conflicts and digests', () => {
    fc.assert(
      fc.property(historyArbitrary(), fc.gen(), ({ events }, g) => {
        const reference = new Map(
          [...byStream(events)].map(([stream, list]) => [
            stream,
            observe(foldStream(list, registry.forStream(stream).reducer)),
          ]),
        );
        // Every event once, some twice, in any order.
        const deliveries = shuffle(g, [...events, ...events.filter(() => g(fc.boolean))]);
        const { store, projections, gate } = mirror(g, deliveries);
        expect(store.parked.size).toBe(0);
        expect(gate.parkedCount).toBe(0);
        expect(store.applied.size).toBe(events.length);
        for (const [stream, expected] of reference) {
          const projection = projections.get(stream);
          expect(projection).toBeDefined();
          expect(observe(projection!.toFold())).toEqual(expected);
        }
        const rollup = (digests: Iterable<{ digest: ReturnType<typeof observe>['digest'] }>) =>
          rollUpDigestSums([...digests].map((d) => d.digest));
        expect(rollup([...projections.values()].map((p) => observe(p.toFold())))).toEqual(
          rollup(reference.values()),
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('a prefix of the deliveries leaves a causally closed applied set that folds like from scratch', () => {
    fc.assert(
      fc.property(historyArbitrary(), fc.gen(), ({ events }, g) => {
        const deliveries = shuffle(g, events).slice(
          0,
          g(fc.integer, { min: 0, max: events.length }),
        );
        const { store, projections } = mirror(g, deliveries);
        const applied = events.filter((e) => store.applied.has(e.id));
        for (const event of applied) {
          for (const dep of dependenciesOf(event)) expect(store.applied.has(dep)).toBe(true);
        }
        // Everything delivered is either applied or parked.
        for (const event of deliveries)
          expect(store.applied.has(event.id) || store.parked.has(event.id)).toBe(true);
        for (const [stream, list] of byStream(applied)) {
          const scratch = foldStream(list, registry.forStream(stream).reducer);
          expect(observe(projections.get(stream)!.toFold())).toEqual(observe(scratch));
        }
      }),
      { numRuns: 1000 },
    );
  });
});
