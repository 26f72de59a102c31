import { describe, expect, it } from 'vitest';
import {
  DomainRegistry,
  TestEventFactory,
  withWriteVersions,
  type UnsignedEnvelope,
} from '@concord/core';
import { accountDomain, accountDomainV1 } from '@concord/domains';
import { planResolution } from '../conflicts/planResolution.js';
import { classifyMissing, MISSING_STATUS } from './classifyMissing.js';
import { divergenceCandidates } from './planDrillDown.js';
import { StallWatch } from './splitBrain.js';

/*
 * A version gap (a region holds events its code cannot interpret yet) is reported as such and
 * never taken for divergence: no candidate, no repair copy, no stalled pair, no misread merge.
 */

const id = (n: number) => `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`;

describe('version gaps in anti-entropy', () => {
  const streams = new Map([
    [
      'account-1',
      {
        us: {
          events: [
            { id: id(1), source: 'ns.events.us:0@1' },
            { id: id(2), source: 'ns.events.us:0@2' },
          ],
          pending: [],
        },
        // eu received id(2) and holds it: its code reads account events up to v1.
        eu: {
          events: [{ id: id(1), source: 'ns.events.us:0@1' }],
          pending: [id(2)],
          held: [id(2)],
        },
        // ap runs older reconciler code: `held` is absent, the event counts as parked.
        ap: { events: [{ id: id(1), source: 'ns.events.us:0@1' }], pending: [id(2)] },
      },
    ],
  ]);
  const offsets = {
    us: new Map([['ns.events.us:0', 3n]]),
    eu: new Map([['ns.events.us:0', 3n]]),
    ap: new Map([['ns.events.us:0', 3n]]),
  };
  const missing = classifyMissing({
    streams,
    offsets,
    isOriginTopic: (t) => /^ns\.events\.[a-z]+$/.test(t),
  });

  it('classifies an event held for its schema version as `schema-version`, not lost', () => {
    expect(missing.map((m) => [m.region, m.id, m.status])).toEqual([
      ['ap', id(2), MISSING_STATUS.pending],
      ['eu', id(2), MISSING_STATUS.schemaVersion],
    ]);
  });

  it('makes no divergence candidate (so nothing is confirmed or copied) and no stalled pair', () => {
    expect(divergenceCandidates({ missing, stateDivergences: [], localMismatches: [] })).toEqual(
      [],
    );
    const stalls = new StallWatch();
    stalls.observe(0, missing, 1000);
    expect(stalls.observe(10_000, missing, 1000)).toEqual([]);
  });
});

describe('conflict resolution over events this code cannot interpret', () => {
  it('waits (`schema-version`) instead of building a merge from a misread', () => {
    const f = new TestEventFactory({ stream: 'account-9', seed: 'version-gap' });
    const opened = f.event({ type: 'Opened' });
    const a = f.event({ type: 'Deposited', data: { amount: 5 }, parents: [opened.id] });
    const b = f.event({
      type: 'Deposited',
      data: { amount: 7, currency: 'EUR' },
      parents: [opened.id],
      origin: 'eu',
      schemaVersion: 2,
    });
    const events: UnsignedEnvelope[] = [opened, a, b];
    const conflict = { id: 'c', stream: 'account-9', heads: [a.id, b.id].sort() };
    const plan = (module: typeof accountDomain) =>
      planResolution({
        conflict,
        module,
        regions: ['us'],
        self: 'us',
        isReachable: () => true,
        events: () => events,
      });
    expect(plan(accountDomainV1)).toMatchObject({ action: 'skip', reason: 'schema-version' });
    expect(plan(accountDomain)).toMatchObject({ action: 'emit' });
    const contracted = new DomainRegistry([
      withWriteVersions(accountDomain, { Deposited: 2, Withdrawn: 2 }),
    ]);
    expect(plan(contracted.forCategory('account') as typeof accountDomain)).toMatchObject({
      action: 'emit',
    });
  });
});
