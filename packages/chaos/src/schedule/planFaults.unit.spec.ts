import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FAULT_KINDS, parseFaultKinds, planFaults, type FaultKind } from './planFaults.js';

const regions = ['us', 'eu', 'ap'];

describe('planFaults', () => {
  it('gives the same schedule for the same seed and another one for another seed', () => {
    const opts = { durationMs: 300_000, faults: [...FAULT_KINDS], regions };
    expect(planFaults({ ...opts, seed: 7 })).toEqual(planFaults({ ...opts, seed: 7 }));
    expect(planFaults({ ...opts, seed: 7 })).not.toEqual(planFaults({ ...opts, seed: 8 }));
  });

  it('spaces faults 10–15 s apart, heals each before the next, keeps the quiet period and the kinds asked for', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 20_000, max: 600_000 }),
        fc.subarray([...FAULT_KINDS], { minLength: 1 }),
        (seed, durationMs, faults: FaultKind[]) => {
          const plan = planFaults({ seed, durationMs, faults, regions, quietMs: 15_000 });
          plan.forEach((f, i) => {
            expect(faults).toContain(f.action.kind);
            expect(f.healAt).toBeGreaterThan(f.at);
            expect(f.healAt).toBeLessThanOrEqual(durationMs - 15_000);
            const next = plan[i + 1];
            if (next) {
              expect(next.at - f.at).toBeGreaterThanOrEqual(10_000);
              expect(next.at - f.at).toBeLessThanOrEqual(15_000);
              expect(next.at - f.healAt).toBeGreaterThanOrEqual(2_000);
            }
          });
          if (durationMs >= 60_000) expect(plan.length).toBeGreaterThanOrEqual(2);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('meets every kind before repeating one', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const kinds = planFaults({
        seed,
        durationMs: 300_000,
        faults: [...FAULT_KINDS],
        regions,
      }).map((f) => f.action.kind);
      expect(new Set(kinds.slice(0, FAULT_KINDS.length)).size).toBe(FAULT_KINDS.length);
      expect(new Set(kinds).size).toBe(FAULT_KINDS.length);
    }
  });

  it('draws partitions of every shape over real region pairs', () => {
    const plan = planFaults({ seed: 1, durationMs: 2_000_000, faults: ['partition'], regions });
    const shapes = new Set(plan.map((f) => (f.action.kind === 'partition' ? f.action.shape : '')));
    expect([...shapes].sort()).toEqual(['majority', 'one', 'ring']);
    for (const f of plan) {
      if (f.action.kind !== 'partition') continue;
      for (const [a, b] of f.action.cuts) {
        expect(a).not.toBe(b);
        expect(regions).toContain(a);
        expect(regions).toContain(b);
      }
    }
  });

  it('rejects unknown fault names', () => {
    expect(parseFaultKinds('kill, pause')).toEqual(['kill', 'pause']);
    expect(() => parseFaultKinds('kill,meteor')).toThrow(/unknown fault kind\(s\) meteor/);
  });
});
