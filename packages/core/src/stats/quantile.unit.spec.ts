import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ascending, median, quantile } from './quantile.js';

const sample = fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 200 });
const q = fc.double({ min: 0, max: 1, noNaN: true });

describe('quantile (nearest rank)', () => {
  it('is a member of the sample, with at least q of the sample at or below it and less than q strictly below', () => {
    fc.assert(
      fc.property(sample, q, (values, p) => {
        const sorted = ascending(values);
        const v = quantile(sorted, p);
        expect(sorted).toContain(v);
        const atOrBelow = sorted.filter((x) => x <= v).length;
        const below = sorted.filter((x) => x < v).length;
        expect(atOrBelow).toBeGreaterThanOrEqual(Math.ceil(p * sorted.length));
        expect(below).toBeLessThan(Math.max(1, Math.ceil(p * sorted.length)));
      }),
    );
  });

  it('is monotone in q and spans min..max', () => {
    fc.assert(
      fc.property(sample, q, q, (values, a, b) => {
        const sorted = ascending(values);
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(quantile(sorted, lo)).toBeLessThanOrEqual(quantile(sorted, hi));
        expect(quantile(sorted, 0)).toBe(sorted[0]);
        expect(quantile(sorted, 1)).toBe(sorted.at(-1));
      }),
    );
  });

  it('gives the stated value for an empty sample', () => {
    expect(quantile([], 0.5)).toBeNaN();
    expect(quantile([], 0.99, 0)).toBe(0);
    expect(median([])).toBeNaN();
  });

  it('matches known ranks', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4], 0.99)).toBe(4);
    expect(median([5, 1, 3])).toBe(3);
    expect(quantile(ascending(Array.from({ length: 100 }, (_, i) => i + 1)), 0.99)).toBe(99);
  });
});
