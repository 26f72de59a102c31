import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isConcordError } from '../errors/ConcordError.js';
import { compareHlc, hlcSuccessor, maxHlc, type Hlc } from './Hlc.js';
import { HybridLogicalClock, isAfterAll } from './HybridLogicalClock.js';

describe('HybridLogicalClock', () => {
  it('follows the physical clock when it moves forward', () => {
    let now = 1000;
    const clock = new HybridLogicalClock({ now: () => now });
    expect(clock.now()).toEqual({ wall: 1000, logical: 0 });
    expect(clock.now()).toEqual({ wall: 1000, logical: 1 });
    now = 1005;
    expect(clock.now()).toEqual({ wall: 1005, logical: 0 });
  });

  it('never goes backwards when the wall clock does', () => {
    let now = 5000;
    const clock = new HybridLogicalClock({ now: () => now });
    const a = clock.now();
    now = 1000;
    const b = clock.now();
    expect(compareHlc(b, a)).toBeGreaterThan(0);
    expect(b).toEqual({ wall: 5000, logical: 1 });
  });

  it('receive orders the local event after the remote one', () => {
    const clock = new HybridLogicalClock({ now: () => 1000 });
    expect(clock.receive({ wall: 2000, logical: 7 })).toEqual({ wall: 2000, logical: 8 });
    expect(clock.receive({ wall: 2000, logical: 3 })).toEqual({ wall: 2000, logical: 9 });
    expect(clock.receive({ wall: 10, logical: 0 })).toEqual({ wall: 2000, logical: 10 });
  });

  it('bounds how far a remote clock may push it, and measures skew', () => {
    const clock = new HybridLogicalClock({ now: () => 1000, maxDriftMs: 500 });
    expect(clock.skewMs({ wall: 1400, logical: 0 })).toBe(400);
    expect(clock.receive({ wall: 1500, logical: 0 })).toEqual({ wall: 1500, logical: 1 });
    try {
      clock.receive({ wall: 1501, logical: 0 });
      expect.unreachable();
    } catch (error) {
      expect(isConcordError(error, 'HLC_DRIFT_EXCEEDED')).toBe(true);
      expect((error as { details: unknown }).details).toMatchObject({
        driftMs: 501,
        maxDriftMs: 500,
      });
    }
    expect(clock.last).toEqual({ wall: 1500, logical: 1 });
    expect(clock.withinDrift({ wall: 1501, logical: 0 })).toBe(false);
    expect(() => clock.stampAfter([{ wall: 9999, logical: 0 }])).toThrow(/ahead/);
  });

  it('property: never repeats or goes back, and stamps children after their parents', () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('now' as const), jump: fc.integer({ min: -50, max: 50 }) }),
      fc.record({
        kind: fc.constant('after' as const),
        jump: fc.integer({ min: -50, max: 50 }),
        parents: fc.array(
          fc.record({ wall: fc.integer({ min: 0, max: 1200 }), logical: fc.nat(5) }),
          { maxLength: 3 },
        ),
      }),
    );
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        let now = 1000;
        const clock = new HybridLogicalClock({ now: () => now, maxDriftMs: Infinity });
        let last: Hlc | undefined;
        for (const s of steps) {
          now = Math.max(0, now + s.jump);
          const stamp = s.kind === 'now' ? clock.now() : clock.stampAfter(s.parents);
          if (last) expect(compareHlc(stamp, last)).toBeGreaterThan(0);
          if (s.kind === 'after') expect(isAfterAll(stamp, s.parents)).toBe(true);
          // Stays close to physical time: never behind it, never beyond the greatest input.
          expect(stamp.wall).toBeGreaterThanOrEqual(now);
          last = stamp;
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('hlc helpers', () => {
    expect(hlcSuccessor({ wall: 5, logical: 2 })).toEqual({ wall: 5, logical: 3 });
    expect(
      maxHlc([
        { wall: 5, logical: 2 },
        { wall: 5, logical: 9 },
        { wall: 4, logical: 99 },
      ]),
    ).toEqual({ wall: 5, logical: 9 });
    expect(maxHlc([])).toBeUndefined();
  });
});
