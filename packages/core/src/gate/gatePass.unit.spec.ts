import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Envelope, EventId, UnsignedEnvelope } from '../envelope/Envelope.js';
import { historyArbitrary, shuffle, split } from '../testing/historyArbitrary.fixtures.js';
import { dependenciesOf } from './GateDecision.js';
import { candidateOf, gatePass, type Candidate } from './gatePass.js';
import { SCHEMA_UPGRADE_DEPENDENCY } from './holds.js';
import { MemoryGateStore } from './MemoryGateStore.js';

/*
 * The gate protocol on the in-memory store: whatever order and batching the events arrive in
 * (with re-deliveries), after every transaction the applied set is exactly the causally closed
 * part of what arrived, nothing is released before its dependencies or twice, and what waits
 * is parked. With a hold, the held events and their descendants wait until a pass without
 * the hold releases them from the parked rows (the release after an upgrade).
 */

const toCandidate = (e: UnsignedEnvelope, i: number): Candidate =>
  candidateOf({ ...e, sig: '' } as Envelope, `t:0@${i}`, JSON.stringify(e));

/** The events of `arrived` whose every ancestor arrived, without `blocked` and their descendants. */
function closedPart(
  all: readonly UnsignedEnvelope[],
  arrived: ReadonlySet<EventId>,
  blocked: ReadonlySet<EventId> = new Set(),
): Set<EventId> {
  const byId = new Map(all.map((e) => [e.id, e] as const));
  const memo = new Map<EventId, boolean>();
  const closed = (id: EventId): boolean => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    const event = byId.get(id);
    const ok =
      event !== undefined &&
      arrived.has(id) &&
      !blocked.has(id) &&
      dependenciesOf(event).every((dep) => closed(dep));
    memo.set(id, ok);
    return ok;
  };
  return new Set(all.map((e) => e.id).filter(closed));
}

const scenario = fc.tuple(historyArbitrary({ maxOps: 30 }), fc.gen());

describe('gate pass on the in-memory store', () => {
  it('releases exactly the causally closed set, each event after its dependencies, once', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ([{ events }, g]) => {
        const store = new MemoryGateStore();
        const deliveries = shuffle(g, [...events, ...events.filter((_, i) => i % 3 === 0)]);
        const arrived = new Set<EventId>();
        const released: EventId[] = [];
        let clock = 0;
        for (const batch of split(g, deliveries, 5)) {
          const result = await gatePass(batch.map(toCandidate), store, () => clock++);
          for (const c of result.ready) {
            // Each after its dependencies: applied before, or earlier in this pass.
            for (const dep of dependenciesOf(c)) {
              expect(store.applied.has(dep) || released.includes(dep)).toBe(true);
            }
            expect(released).not.toContain(c.id);
            released.push(c.id);
          }
          store.commit(result);
          for (const e of batch) arrived.add(e.id);
          const closed = closedPart(events, arrived);
          expect(new Set(store.applied.keys())).toEqual(closed);
          const waiting = [...arrived].filter((id) => !closed.has(id));
          expect(new Set(store.pending.keys())).toEqual(new Set(waiting));
          for (const row of store.pending.values()) {
            expect(row.missing.length).toBeGreaterThan(0);
            for (const id of row.missing) expect(store.applied.has(id)).toBe(false);
          }
        }
        expect(store.applied.size).toBe(events.length);
        expect(store.pending.size).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  it('keeps held events and their descendants parked, and releases them without the hold', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, fc.nat(), async ([{ events }, g], seed) => {
        const held = new Set(events.filter((_, i) => (i + seed) % 5 === 0).map((e) => e.id));
        const hold = (c: Candidate) => (held.has(c.id) ? SCHEMA_UPGRADE_DEPENDENCY : undefined);
        const store = new MemoryGateStore();
        const arrived = new Set<EventId>();
        for (const batch of split(g, shuffle(g, events), 6)) {
          store.commit(await gatePass(batch.map(toCandidate), store, () => 0, [], hold));
          for (const e of batch) arrived.add(e.id);
          expect(new Set(store.applied.keys())).toEqual(closedPart(events, arrived, held));
        }
        // A held event waits for the upgrade alone once its dependencies are applied.
        for (const e of events.filter((e) => held.has(e.id))) {
          const complete = dependenciesOf(e).every((dep) => store.applied.has(dep));
          if (complete) {
            expect(store.pending.get(e.id)?.missing).toEqual([SCHEMA_UPGRADE_DEPENDENCY]);
          } else expect(store.pending.has(e.id)).toBe(true);
        }
        // The upgraded code restores the held rows: everything is applied, nothing waits.
        const rows = [...store.pending.values()].filter((r) =>
          r.missing.includes(SCHEMA_UPGRADE_DEPENDENCY),
        );
        store.commit(await gatePass([], store, () => 0, rows));
        expect(store.applied.size).toBe(events.length);
        expect(store.pending.size).toBe(0);
      }),
      { numRuns: 40 },
    );
  });
});
