import {
  buildMerge,
  DomainRegistry,
  domainSpec,
  foldStream,
  simulateHistory,
  upcastEvent,
  withSchemaVersion,
  withWriteVersions,
  type SimulationOp,
  type UnsignedEnvelope,
} from '@concord/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cartDomain } from '../cart/cartDomain.js';
import { profileDomain } from '../profile/profileDomain.js';
import { ACCOUNT_EVENTS, accountDomain } from './accountDomain.js';
import { accountDomainV1 } from './accountDomainV1.js';

/*
 * Schema version 2 of `Deposited` / `Withdrawn` (`{ amount, currency }`), and what a rolling
 * upgrade needs of it: the new release reads both versions, writes v1 until told otherwise,
 * and folds every history the old release can read to the very same state.
 */

const STREAMS = ['account-1', 'account-2'];
const oldRegistry = new DomainRegistry([accountDomainV1, cartDomain, profileDomain]);
const newRegistry = new DomainRegistry([accountDomain, cartDomain, profileDomain]);

describe('account schema version 2', () => {
  const spec = domainSpec(accountDomain, { stream: 'account-1' });
  const given = spec.given({ type: 'Opened' }, { type: 'Deposited', data: { amount: 50 } });

  it('prepare takes v1 and v2 payloads, defaults the currency, refuses any other', () => {
    given.prepare({ type: 'Deposited', data: { amount: 5 } }).then({ amount: 5, currency: 'EUR' });
    given
      .prepare({ type: 'Withdrawn', data: { amount: 5, currency: 'EUR' } })
      .then({ amount: 5, currency: 'EUR' });
    given
      .prepare({ type: 'Deposited', data: { amount: 5, currency: 'USD' } })
      .rejects('DOMAIN_REJECTED');
    given
      .prepare({ type: 'Deposited', data: { amount: 5, currency: 7 } })
      .rejects('DOMAIN_REJECTED');
  });

  it('reads v1 and v2 events alike; ignores v2 data in another currency', () => {
    spec
      .given(
        { type: 'Opened' },
        { type: 'Deposited', data: { amount: 50 } },
        { type: 'Deposited', data: { amount: 7, currency: 'EUR' }, schemaVersion: 2 },
        { type: 'Withdrawn', data: { amount: 5, currency: 'EUR' }, schemaVersion: 2 },
        { type: 'Deposited', data: { amount: 1000, currency: 'USD' }, schemaVersion: 2 },
      )
      .then({ open: true, balance: 52, bounced: [], compensations: [] });
  });

  it('is written as v1 by default (expand), as v2 once the write version is raised (contract)', () => {
    const prepared = { amount: 5, currency: 'EUR' };
    expect(newRegistry.encodeForWrite('account-1', 'Deposited', prepared)).toEqual({
      data: { amount: 5 },
      version: 1,
    });
    const contracted = new DomainRegistry([
      withWriteVersions(accountDomain, { Deposited: 2, Withdrawn: 2 }),
    ]);
    expect(contracted.encodeForWrite('account-1', 'Deposited', prepared)).toEqual({
      data: prepared,
      version: 2,
    });
    expect(oldRegistry.encodeForWrite('account-1', 'Deposited', { amount: 5 })).toEqual({
      data: { amount: 5 },
      version: 1,
    });
  });

  it('the old release cannot interpret v2 events; the new one cannot interpret unknown types', () => {
    const v2 = { stream: 'account-1', type: 'Deposited', meta: { schemaVersion: 2 } };
    expect(oldRegistry.schemaGap(v2)).toEqual({ type: 'Deposited', version: 2, readable: 1 });
    expect(newRegistry.schemaGap(v2)).toBeUndefined();
    expect(newRegistry.schemaGap({ stream: 'account-1', type: 'Frozen', meta: {} })).toEqual({
      type: 'Frozen',
      version: 1,
      readable: undefined,
    });
  });
});

const randomOp: fc.Arbitrary<SimulationOp> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('write' as const),
      region: fc.nat(2),
      stream: fc.nat(1),
      type: fc.constantFrom(ACCOUNT_EVENTS.deposited, ACCOUNT_EVENTS.withdrawn),
      data: fc.record({ amount: fc.integer({ min: 1, max: 80 }) }),
      causedByOtherStream: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('sync' as const), from: fc.nat(2), to: fc.nat(2) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('merge' as const),
      region: fc.nat(2),
      stream: fc.nat(1),
    }),
  },
);

const setUp: SimulationOp[] = [
  { op: 'write', region: 0, stream: 0, type: ACCOUNT_EVENTS.opened, data: {} },
  { op: 'write', region: 0, stream: 1, type: ACCOUNT_EVENTS.opened, data: {} },
  { op: 'write', region: 0, stream: 0, type: ACCOUNT_EVENTS.deposited, data: { amount: 100 } },
];

/** A v1 history written by the old release, with concurrency and merges. */
const v1History = fc.array(randomOp, { maxLength: 40, size: 'max' }).map(
  (ops) =>
    simulateHistory([...setUp, ...ops], {
      regions: ['ap', 'eu', 'us'],
      streams: STREAMS,
      registry: oldRegistry,
    }).events,
);

/** The same event written as v2 by a region on the new release (same id, same causal place). */
function asV2(event: UnsignedEnvelope): UnsignedEnvelope {
  if (event.type !== ACCOUNT_EVENTS.deposited && event.type !== ACCOUNT_EVENTS.withdrawn)
    return event;
  return {
    ...event,
    data: { ...event.data, currency: 'EUR' },
    meta: withSchemaVersion(event.meta, 2),
  };
}

describe('account schema version 2 (properties of a rolling upgrade)', () => {
  it('the new release folds every v1 history to the state (and merges) of the old release', () => {
    fc.assert(
      fc.property(v1History, (events) => {
        for (const stream of STREAMS) {
          const own = events.filter((e) => e.stream === stream);
          const old = foldStream(own, accountDomainV1.reducer, { stream });
          const now = foldStream(own, accountDomain.reducer, { stream });
          expect(now.state).toEqual(old.state);
          expect(now.heads).toEqual(old.heads);
          // A conflict gets the same merge whichever release's reconciler resolves it.
          if (old.heads.length > 1) {
            const regions = ['ap', 'eu', 'us'];
            expect(buildMerge({ fold: now, module: accountDomain, regions }).merge).toEqual(
              buildMerge({ fold: old, module: accountDomainV1, regions }).merge,
            );
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('any mix of v1 and v2 events folds to the state of the all-v1 history (and of the all-upcast one)', () => {
    fc.assert(
      fc.property(v1History, fc.gen(), (events, g) => {
        const mixed = events.map((e) => (g(fc.boolean) ? asV2(e) : e));
        for (const stream of STREAMS) {
          const own = (list: readonly UnsignedEnvelope[]) =>
            list.filter((e) => e.stream === stream);
          const reference = foldStream(own(events), accountDomainV1.reducer, { stream }).state;
          expect(foldStream(own(mixed), accountDomain.reducer, { stream }).state).toEqual(
            reference,
          );
          const upcast = own(mixed).map((e) => upcastEvent(accountDomain, e));
          expect(foldStream(upcast, accountDomain.reducer, { stream }).state).toEqual(reference);
        }
      }),
      { numRuns: 300 },
    );
  });
});
