import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RegionHealth } from './RegionHealth.js';

const health = () =>
  new RegionHealth({ order: ['us', 'eu', 'ap'], recoveryMs: 5_000, probeFailures: 2 });

describe('RegionHealth', () => {
  it('fails over in order when a request finds the home region down, and skips down regions', () => {
    const h = health();
    expect(h.target).toBe('us');
    expect(h.markDown('us', 'unreachable', 0)).toEqual({
      from: 'us',
      to: 'eu',
      reason: 'unreachable',
    });
    expect(h.target).toBe('eu');
    expect(h.markDown('eu', 'fenced', 10)).toEqual({ from: 'eu', to: 'ap', reason: 'fenced' });
    expect(h.candidates()).toEqual(['ap', 'us', 'eu']);
  });

  it('comes back home only after recoveryMs of unbroken successful probes (no flapping)', () => {
    const h = health();
    h.markDown('us', 'unreachable', 0);
    expect(h.probed('us', true, 1_000)).toBeUndefined();
    expect(h.probed('us', true, 5_000)).toBeUndefined(); // 4 s of successes
    expect(h.probed('us', false, 5_500)).toBeUndefined(); // a break restarts the window
    expect(h.probed('us', true, 6_000)).toBeUndefined();
    expect(h.probed('us', true, 10_999)).toBeUndefined();
    expect(h.target).toBe('eu');
    expect(h.probed('us', true, 11_000)).toEqual({
      from: 'eu',
      to: 'us',
      reason: 'recovered',
      downMs: 11_000,
    });
    expect(h.target).toBe('us');
  });

  it('a probe takes a region down only after probeFailures failures in a row', () => {
    const h = health();
    expect(h.probed('us', false, 0)).toBeUndefined();
    expect(h.probed('us', true, 100)).toBeUndefined();
    expect(h.probed('us', false, 200)).toBeUndefined();
    expect(h.target).toBe('us');
    expect(h.probed('us', false, 300)).toEqual({ from: 'us', to: 'eu', reason: 'probe' });
  });

  it('whatever happens, the target is the first healthy region (or stays put when none is)', () => {
    const step = fc.record({
      region: fc.constantFrom('us', 'eu', 'ap'),
      kind: fc.constantFrom('down', 'ok', 'fail'),
      dt: fc.integer({ min: 0, max: 3_000 }),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const h = health();
        let now = 0;
        for (const s of steps) {
          now += s.dt;
          const before = h.target;
          if (s.kind === 'down') h.markDown(s.region, 'unreachable', now);
          else h.probed(s.region, s.kind === 'ok', now);
          const healthy = ['us', 'eu', 'ap'].filter((r) => h.isHealthy(r));
          expect(h.target).toBe(healthy[0] ?? before);
        }
      }),
    );
  });
});
