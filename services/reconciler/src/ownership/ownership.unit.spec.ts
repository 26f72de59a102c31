import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { failoverOrder, ownerRegion } from '@concord/core';
import { Reachability } from './Reachability.js';
import { responsibility } from './responsibility.js';

const REGIONS = ['us', 'eu', 'ap'];

describe('Reachability', () => {
  it('counts a region unreachable only after failing continuously for the failover time', () => {
    const r = new Reachability('us', 1000);
    expect(r.isReachable('eu', 0)).toBe(true); // never probed: reachable
    r.record('eu', false, 100, 'ECONNREFUSED');
    expect(r.isReachable('eu', 1099)).toBe(true);
    expect(r.isReachable('eu', 1100)).toBe(false);
    expect(r.view('eu', 1100)).toMatchObject({
      reachable: false,
      failingSince: 100,
      lastError: 'ECONNREFUSED',
    });
    r.record('eu', false, 1200); // still failing: the run started at 100
    expect(r.view('eu', 1200).failingSince).toBe(100);
    r.record('eu', true, 1300);
    expect(r.isReachable('eu', 1300)).toBe(true);
    expect(r.view('eu', 1300)).toMatchObject({ lastOkAt: 1300, failingSince: undefined });
  });

  it('one success in between restarts the clock (a quick restart never moves ownership)', () => {
    const r = new Reachability('us', 1000);
    r.record('ap', false, 0);
    r.record('ap', true, 900);
    r.record('ap', false, 950);
    expect(r.isReachable('ap', 1900)).toBe(true);
    expect(r.isReachable('ap', 1950)).toBe(false);
  });

  it('this region is always reachable to itself', () => {
    const r = new Reachability('us', 10);
    r.record('us', false, 0);
    expect(r.isReachable('us', 1_000_000)).toBe(true);
  });
});

describe('responsibility (owner and failover, docs/semantics.md §5)', () => {
  const streams = Array.from({ length: 60 }, (_, i) => `account-${i}`);

  it('the owner resolves while it is reachable; nobody else does', () => {
    for (const stream of streams) {
      const owner = ownerRegion(stream, REGIONS);
      for (const self of REGIONS) {
        const who = responsibility(stream, REGIONS, self, () => true);
        expect(who.owner).toBe(owner);
        expect(who.responsible).toBe(owner);
        expect(who.role).toBe(self === owner ? 'owner' : 'none');
      }
    }
  });

  it('the next region of the failover order stands in when the owner is unreachable', () => {
    for (const stream of streams) {
      const [owner, second, third] = failoverOrder(stream, REGIONS) as [string, string, string];
      const withoutOwner = (r: string) => r !== owner;
      expect(responsibility(stream, REGIONS, second, withoutOwner).role).toBe('failover');
      expect(responsibility(stream, REGIONS, third, withoutOwner).role).toBe('none');
      // Owner and second both gone: the third.
      const onlyThird = (r: string) => r === third;
      expect(responsibility(stream, REGIONS, third, onlyThird)).toMatchObject({
        responsible: third,
        role: 'failover',
      });
      // The owner itself keeps resolving whatever it thinks of the others.
      expect(responsibility(stream, REGIONS, owner, () => false).role).toBe('owner');
    }
  });

  it('regions that see the same reachability agree on exactly one responsible region', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 20 }),
        fc.subarray(REGIONS),
        (suffix, down) => {
          const stream = `s-${suffix}`;
          const reachable = (r: string) => !down.includes(r);
          const acting = REGIONS.filter(
            (self) =>
              !down.includes(self) &&
              responsibility(stream, REGIONS, self, reachable).role !== 'none',
          );
          expect(acting.length).toBe(down.length === REGIONS.length ? 0 : 1);
        },
      ),
    );
  });
});
