import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketOf, stateHash } from './streamDigest.js';
import {
  addToEventSetSum,
  adjustSum,
  digestLine,
  EMPTY_SET_SUM,
  eventSetSum,
  projectionStreamDigest,
  rollUpDigestSums,
  sumOfHashes,
} from './setSum.js';

const id = fc.uuid({ version: 7 });
const ids = fc.uniqueArray(id, { maxLength: 40 });

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const result = [...items];
  let s = seed;
  for (let i = result.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [result[i], result[j]] = [result[j] as T, result[i] as T];
  }
  return result;
}

describe('incremental set digests', () => {
  it('the empty set sums to zero; a sum is 64 lower-case hex digits', () => {
    expect(eventSetSum([])).toBe(EMPTY_SET_SUM);
    expect(eventSetSum(['01900000-0000-7000-8000-00000000000a'])).toMatch(/^[0-9a-f]{64}$/);
  });

  it('depends only on the set: any order, any repeats, same sum', () => {
    fc.assert(
      fc.property(ids, fc.nat(), fc.nat({ max: 5 }), (set, seed, repeats) => {
        const withRepeats = [...set, ...set.slice(0, repeats)];
        expect(eventSetSum(shuffled(withRepeats, seed))).toBe(eventSetSum(set));
      }),
    );
  });

  it('adding ids batch by batch equals the sum of the whole set, whatever the split', () => {
    fc.assert(
      fc.property(ids, fc.array(fc.nat({ max: 39 }), { maxLength: 6 }), (set, cuts) => {
        const points = [...new Set(cuts.filter((c) => c <= set.length))].sort((a, b) => a - b);
        let sum = EMPTY_SET_SUM;
        let from = 0;
        for (const to of [...points, set.length]) {
          sum = addToEventSetSum(sum, set.slice(from, to));
          from = to;
        }
        expect(sum).toBe(eventSetSum(set));
      }),
    );
  });

  it('different sets have different sums (no accidental collisions on small sets)', () => {
    fc.assert(
      fc.property(ids, ids, (a, b) => {
        const same = new Set(a).size === new Set([...a, ...b]).size && a.length === b.length;
        if (!same) expect(eventSetSum(a)).not.toBe(eventSetSum(b));
      }),
    );
  });

  it('adjustSum removes exactly what it added (mod 2^256 wraps around)', () => {
    fc.assert(
      fc.property(fc.array(fc.string()), fc.array(fc.string()), (base, extra) => {
        const sum = sumOfHashes(base);
        expect(adjustSum(adjustSum(sum, extra), [], extra)).toBe(sum);
        expect(adjustSum(sum, extra)).toBe(sumOfHashes([...base, ...extra]));
        expect(adjustSum(EMPTY_SET_SUM, [], extra)).toBe(
          adjustSum(EMPTY_SET_SUM, [], [...extra].reverse()),
        );
      }),
    );
    expect(() => adjustSum('xyz', ['a'])).toThrow(RangeError);
  });

  it('bucket roll-ups: order-independent and kept up to date by replacing one line', () => {
    const stream = fc.constantFrom('account-1', 'cart-2', 'profile-3', 'x', 'y:1', 'z-9');
    const digest = fc
      .record({ stream, ids, n: fc.integer() })
      .map(({ stream, ids, n }) => projectionStreamDigest(stream, ids, { n }));
    fc.assert(
      fc.property(
        fc.uniqueArray(digest, { selector: (d) => d.stream }),
        digest,
        fc.nat(),
        (digests, changed, seed) => {
          const rollup = rollUpDigestSums(digests);
          expect(rollUpDigestSums(shuffled(digests, seed))).toEqual(rollup);
          // Replace (or add) one stream's digest incrementally.
          const old = digests.find((d) => d.stream === changed.stream);
          const bucket = bucketOf(changed.stream);
          const updated = adjustSum(
            rollup[bucket] ?? EMPTY_SET_SUM,
            [digestLine(changed)],
            old ? [digestLine(old)] : [],
          );
          const after = rollUpDigestSums([
            ...digests.filter((d) => d.stream !== changed.stream),
            changed,
          ]);
          expect(updated).toBe(after[bucket]);
        },
      ),
    );
  });

  it('the projection digest keeps the state hash and only changes the event-set hash', () => {
    const a = '01900000-0000-7000-8000-00000000000a';
    const b = '01900000-0000-7000-8000-00000000000b';
    const digest = projectionStreamDigest('profile-1', [b, a, a], { x: 1 });
    expect(digest).toEqual({
      stream: 'profile-1',
      eventSetHash: eventSetSum([a, b]),
      stateHash: stateHash({ x: 1 }),
      eventCount: 2,
    });
    expect(digest.stateHash).toBe(stateHash({ x: 1 }));
  });
});
