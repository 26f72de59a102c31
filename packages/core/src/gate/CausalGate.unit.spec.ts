import { describe, expect, it } from 'vitest';
import { CausalGate } from './CausalGate.js';
import type { Causal, GateDecision } from './GateDecision.js';

const ev = (id: string, parents: string[] = [], causedBy?: string): Causal => ({
  id,
  parents,
  ...(causedBy === undefined ? {} : { causedBy }),
});
const ids = (decision: GateDecision<Causal>) => decision.ready.map((e) => e.id);

function run(gate: CausalGate, batch: Causal[], applied: Iterable<string> = []) {
  const decision = gate.decide(batch, applied);
  gate.commit(decision);
  return decision;
}

describe('CausalGate', () => {
  it('applies an event whose dependencies are applied, parks one that waits', () => {
    const gate = new CausalGate({ now: () => 42 });
    const d = run(gate, [ev('b', ['a']), ev('a')]);
    expect(ids(d)).toEqual(['a', 'b']);
    const d2 = run(gate, [ev('d', ['c'])]);
    expect(d2.ready).toEqual([]);
    expect(d2.parked).toEqual([{ event: ev('d', ['c']), missing: ['c'], parkedAt: 42 }]);
    expect(gate.stats()).toEqual({ parked: 1, waitingOn: 1, oldestParkedAt: 42 });
  });

  it('unparks chains across streams (parents and causedBy) in dependency order', () => {
    const gate = new CausalGate();
    // x2 (stream X) waits for x1; y1 (stream Y) is caused by x2; y2 waits for y1 and x1.
    run(gate, [ev('y2', ['y1', 'x1'])]);
    run(gate, [ev('y1', [], 'x2')]);
    run(gate, [ev('x2', ['x1'])]);
    expect(gate.parkedCount).toBe(3);
    expect(gate.missingFor('y2')).toEqual(['x1', 'y1']);
    const d = run(gate, [ev('x1')]);
    expect(ids(d)).toEqual(['x1', 'x2', 'y1', 'y2']);
    expect([...d.unparked].sort()).toEqual(['x2', 'y1', 'y2']);
    expect(gate.parkedCount).toBe(0);
    expect(gate.stats().oldestParkedAt).toBeUndefined();
  });

  it('classifies duplicates: applied, parked, repeated within the batch', () => {
    const gate = new CausalGate();
    run(gate, [ev('a')]);
    run(gate, [ev('p', ['missing'])]);
    const d = gate.decide([ev('a'), ev('p', ['missing']), ev('n'), ev('n')]);
    expect(d.duplicates.map((x) => [x.event.id, x.kind])).toEqual([
      ['a', 'already-applied'],
      ['p', 'already-parked'],
      ['n', 'repeated-in-batch'],
    ]);
    expect(ids(d)).toEqual(['n']);
  });

  it('decide changes nothing until commit; a stale decision is refused', () => {
    const gate = new CausalGate();
    run(gate, [ev('b', ['a'])]);
    const first = gate.decide([ev('a')]);
    expect(gate.parkedCount).toBe(1);
    // The transaction failed: decide again, nothing was lost.
    const again = gate.decide([ev('a')]);
    expect(ids(again)).toEqual(['a', 'b']);
    gate.commit(again);
    expect(() => gate.commit(first)).toThrow(
      expect.objectContaining({
        code: 'INTERNAL',
        details: expect.objectContaining({ reason: 'stale-decision' }),
      }),
    );
  });

  it('asks for exactly the ids it does not know, and trusts the answer', () => {
    const gate = new CausalGate({ appliedCacheSize: 0 });
    run(gate, [ev('p', ['q'])]);
    const batch = [ev('c', ['a', 'p'], 'b'), ev('d', ['c'])];
    expect(gate.unknownIds(batch).sort()).toEqual(['a', 'b', 'c', 'd']);
    const d = gate.decide(batch, new Set(['a', 'b']));
    expect(d.parked.map((p) => [p.event.id, p.missing])).toEqual([
      ['c', ['p']],
      ['d', ['c']],
    ]);
    gate.commit(d);
    // A lookup function works as well.
    const d2 = gate.decide([ev('q')], (id) => id === 'zzz');
    expect(ids(d2)).toEqual(['q', 'p', 'c', 'd']);
  });

  it('restores the parked set after a restart, re-checking what was applied meanwhile', () => {
    let now = 1000;
    const gate = new CausalGate({ now: () => now });
    const rows = [
      { event: ev('late', ['gone']), parkedAt: 900 },
      { event: ev('wait', ['never']), parkedAt: 500 },
      { event: ev('done'), parkedAt: 100 },
    ];
    const d = gate.restore(rows, new Set(['gone', 'done']));
    expect(ids(d)).toEqual(['late']);
    expect(d.unparked).toEqual(['late']);
    expect(d.duplicates.map((x) => [x.event.id, x.kind])).toEqual([['done', 'already-applied']]);
    expect(d.parked.map((p) => [p.event.id, p.parkedAt])).toEqual([['wait', 500]]);
    gate.commit(d);
    expect(gate.oldestParkedAt()).toBe(500);
    now = 2000;
    expect(gate.parkedOlderThan(1000).map((p) => p.event.id)).toEqual(['wait']);
    expect(gate.parkedOlderThan(1600)).toEqual([]);
  });

  it('handles 100k parked events without rescanning (linear unpark of a long chain)', () => {
    const gate = new CausalGate({ appliedCacheSize: Infinity });
    const n = 100_000;
    const events: Causal[] = [];
    for (let i = 1; i <= n; i++) events.push(ev(`e${i}`, [`e${i - 1}`]));
    // Deliver children first: everything parks.
    run(gate, events.reverse());
    expect(gate.parkedCount).toBe(n);
    // Its speed is measured by `concord bench core` (gate.unparkMs), not here.
    const d = run(gate, [ev('e0')]);
    expect(d.ready).toHaveLength(n + 1);
    expect(d.ready[1]?.id).toBe('e1');
    expect(d.ready[n]?.id).toBe(`e${n}`);
    expect(gate.parkedCount).toBe(0);
  });
});
