import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AvailabilityTracker } from './FailoverClient.js';

type Outcome = { home: string; kind: 'ack' | 'away' | 'refused' | 'failed' };

function record(outcomes: readonly Outcome[]): AvailabilityTracker {
  const tracker = new AvailabilityTracker();
  for (const o of outcomes) {
    if (o.kind === 'ack') tracker.ack(o.home, o.home, undefined);
    if (o.kind === 'away') tracker.ack(o.home, `${o.home}-other`, 120);
    if (o.kind === 'refused') tracker.refused(o.home);
    if (o.kind === 'failed') tracker.failed(o.home);
  }
  return tracker;
}

describe('AvailabilityTracker', () => {
  it('counts a 4xx refusal as answered, a failure as not, and writes acknowledged away', () => {
    const r = record([
      { home: 'us', kind: 'ack' },
      { home: 'us', kind: 'away' },
      { home: 'us', kind: 'refused' },
      { home: 'us', kind: 'failed' },
      { home: 'eu', kind: 'ack' },
    ]).report();
    expect(r.byRegion['us']).toEqual({ attempted: 4, acked: 2, refused: 1, ratio: 0.75 });
    expect(r.byRegion['eu']).toEqual({ attempted: 1, acked: 1, refused: 0, ratio: 1 });
    expect(r.overall).toEqual({ attempted: 5, acked: 3, refused: 1, ratio: 0.8 });
    expect(r.ackedAway).toBe(1);
    expect(r.failoverMs).toEqual({ count: 1, p50: 120, p99: 120, max: 120 });
  });

  it('overall is the sum of the regions, every ratio within [0, 1]', () => {
    const outcome = fc.record({
      home: fc.constantFrom('us', 'eu', 'ap'),
      kind: fc.constantFrom('ack', 'away', 'refused', 'failed') as fc.Arbitrary<Outcome['kind']>,
    });
    fc.assert(
      fc.property(fc.array(outcome, { maxLength: 200 }), (outcomes) => {
        const r = record(outcomes).report();
        const regions = Object.values(r.byRegion);
        expect(regions.reduce((n, x) => n + x.attempted, 0)).toBe(outcomes.length);
        expect(r.overall.attempted).toBe(outcomes.length);
        expect(r.overall.acked).toBe(regions.reduce((n, x) => n + x.acked, 0));
        expect(r.overall.refused).toBe(regions.reduce((n, x) => n + x.refused, 0));
        for (const x of [...regions, r.overall]) {
          expect(x.ratio).toBeGreaterThanOrEqual(0);
          expect(x.ratio).toBeLessThanOrEqual(1);
        }
        const failed = outcomes.filter((o) => o.kind === 'failed').length;
        expect(r.overall.attempted - r.overall.acked - r.overall.refused).toBe(failed);
      }),
    );
  });
});
