import { describe, expect, it } from 'vitest';
import { diffDigests, differingBuckets, missingEventIds } from './diffDigests.js';
import { eventSetSum, projectionStreamDigest, rollUpDigestSums } from './setSum.js';
import { bucketOf, stateHash } from './streamDigest.js';

const A = '01900000-0000-7000-8000-00000000000a';
const B = '01900000-0000-7000-8000-00000000000b';
const C = '01900000-0000-7000-8000-00000000000c';

describe('digests', () => {
  it('event-set hash ignores order and repeats; state hash is canonical', () => {
    expect(eventSetSum([B, A, B])).toBe(eventSetSum([A, B]));
    expect(eventSetSum([A])).not.toBe(eventSetSum([A, B]));
    expect(stateHash({ b: 1, a: [1, 2] })).toBe(stateHash({ a: [1, 2], b: 1 }));
    expect(stateHash({ a: [1, 2] })).not.toBe(stateHash({ a: [2, 1] }));
    expect(bucketOf('account-1')).toBeGreaterThanOrEqual(0);
    expect(bucketOf('account-1')).toBeLessThan(256);
  });

  it('names exactly the differing buckets, streams, missing ids, and state-only divergence', () => {
    const same = projectionStreamDigest('profile-1', [A], { x: 1 });
    const usOnly = projectionStreamDigest('account-1', [A, B, C], { balance: 5 });
    const euLag = projectionStreamDigest('account-1', [A, C], { balance: 3 });
    const usState = projectionStreamDigest('cart-1', [B], { items: {} });
    const euState = projectionStreamDigest('cart-1', [B], { items: { x: 1 } });
    const regions = {
      us: [same, usOnly, usState],
      eu: [same, euLag, euState],
      ap: [same, usOnly, usState],
    };
    const rollups = Object.fromEntries(
      Object.entries(regions).map(([r, d]) => [r, rollUpDigestSums(d)]),
    );
    const buckets = differingBuckets(rollups);
    expect(buckets).toEqual(
      [...new Set([bucketOf('account-1'), bucketOf('cart-1')])].sort((a, b) => a - b),
    );
    expect(buckets).not.toContain(
      bucketOf('profile-1') === bucketOf('account-1') ? -1 : bucketOf('profile-1'),
    );
    const diff = diffDigests({
      rollups,
      streams: regions,
      eventIds: (stream) =>
        stream === 'account-1' ? { us: [A, B, C], eu: [A, C], ap: [C, B, A] } : undefined,
    });
    expect(diff.converged).toBe(false);
    expect(diff.streams.map((s) => [s.stream, s.kind])).toEqual([
      ['account-1', 'events'],
      ['cart-1', 'state'],
    ]);
    expect(diff.streams[0]?.missing).toEqual({ us: [], eu: [B], ap: [] });
  });

  it('converged only when nothing differs; a stream absent in one region differs', () => {
    const d = projectionStreamDigest('p-1', [A], {});
    expect(
      diffDigests({ rollups: { us: rollUpDigestSums([d]), eu: rollUpDigestSums([d]) } }).converged,
    ).toBe(true);
    const diff = diffDigests({
      rollups: { us: rollUpDigestSums([d]), eu: rollUpDigestSums([]) },
      streams: { us: [d], eu: [] },
    });
    expect(diff.converged).toBe(false);
    expect(diff.buckets).toEqual([bucketOf('p-1')]);
    expect(diff.streams[0]).toMatchObject({
      stream: 'p-1',
      kind: 'events',
      eventSetHashes: { eu: null },
    });
    expect(missingEventIds({ us: [A, B], eu: [] })).toEqual({ us: [], eu: [A, B] });
  });
});
