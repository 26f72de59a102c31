import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  describeFault,
  FAULT_KINDS,
  faultsForMode,
  parseFaultKinds,
  planFaults,
  type FaultKind,
} from './planFaults.js';

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

  it('kills the MirrorMaker 2 of a real region (mm2 faults)', () => {
    const plan = planFaults({ seed: 3, durationMs: 120_000, faults: ['mm2'], regions });
    expect(plan.length).toBeGreaterThan(3);
    for (const f of plan) {
      expect(f.action.kind).toBe('mm2');
      if (f.action.kind === 'mm2') expect(regions).toContain(f.action.region);
    }
    expect(describeFault({ kind: 'mm2', region: 'eu' })).toBe('SIGKILL MirrorMaker 2 into eu');
  });

  it('drops mm2 faults on a direct stack, keeping the schedule a direct run had before they existed', () => {
    const all = [...FAULT_KINDS];
    expect(faultsForMode(all, 'mm2')).toEqual({ faults: all, skipped: [] });
    const direct = faultsForMode(all, 'direct');
    expect(direct.skipped).toEqual(['mm2']);
    expect(direct.faults).toEqual(all.filter((k) => k !== 'mm2'));
    const before: FaultKind[] = [
      'partition',
      'latency',
      'kill',
      'pause',
      'redis',
      'postgres',
      'broker',
      'clock',
    ];
    expect(direct.faults).toEqual(before);
    for (const seed of [5, 11]) {
      const opts = { seed, durationMs: 90_000, regions };
      expect(planFaults({ ...opts, faults: direct.faults })).toEqual(
        planFaults({ ...opts, faults: before }),
      );
    }
  });

  it('rejects unknown fault names', () => {
    expect(parseFaultKinds('kill, pause')).toEqual(['kill', 'pause']);
    expect(() => parseFaultKinds('kill,meteor')).toThrow(/unknown fault kind\(s\) meteor/);
  });
});
