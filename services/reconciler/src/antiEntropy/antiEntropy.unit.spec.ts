import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bucketOf,
  projectionStreamDigest,
  rollUpDigestSums,
  type StreamDigest,
} from '@concord/core';
import { classifyMissing, MISSING_STATUS, parseSource } from './classifyMissing.js';
import { ConvergenceClock } from './ConvergenceClock.js';
import { DivergenceTracker } from './DivergenceTracker.js';
import {
  bucketsToDrill,
  confirmedStreams,
  divergenceCandidates,
  planCopies,
  planRecomputes,
  streamsToDrill,
} from './planDrillDown.js';
import { splitBrainVerdict, StallWatch } from './splitBrain.js';

const id = (n: number) => `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`;
const digest = (stream: string, ids: number[], state: unknown = {}): StreamDigest =>
  projectionStreamDigest(stream, ids.map(id), state);

describe('DivergenceTracker (the confirmation rule)', () => {
  it('confirms a difference seen twice, at least an interval apart, with no change in between', () => {
    const t = new DivergenceTracker(1000);
    const c = { key: 'stream:a', fingerprint: 'x' };
    expect(t.observe(0, [c]).size).toBe(0);
    expect(t.observe(500, [c]).size).toBe(0); // not an interval yet
    expect([...t.observe(1000, [c])]).toEqual(['stream:a']);
  });

  it('a changed fingerprint (new events for it) restarts the clock; a vanished one is forgotten', () => {
    const t = new DivergenceTracker(1000);
    t.observe(0, [{ key: 'k', fingerprint: '1' }]);
    expect(t.observe(1500, [{ key: 'k', fingerprint: '2' }]).size).toBe(0);
    expect(t.observe(2400, [{ key: 'k', fingerprint: '2' }]).size).toBe(0);
    expect(t.observe(2500, [{ key: 'k', fingerprint: '2' }]).size).toBe(1);
    t.observe(3000, []);
    expect(t.tracked).toBe(0);
    expect(t.observe(9000, [{ key: 'k', fingerprint: '2' }]).size).toBe(0);
  });

  it('a proven difference is confirmed at once', () => {
    const t = new DivergenceTracker(1000);
    expect(t.observe(0, [{ key: 'k', fingerprint: '', proven: true }]).size).toBe(1);
  });

  it('load alone never confirms: a difference whose data changes at every comparison stays unconfirmed', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 20_000 }), { minLength: 1, maxLength: 50 }),
        fc.integer({ min: 100, max: 10_000 }),
        (gaps, interval) => {
          const t = new DivergenceTracker(interval);
          let now = 0;
          gaps.forEach((gap, i) => {
            now += gap;
            expect(t.observe(now, [{ key: 'stream:hot', fingerprint: `v${i}` }]).size).toBe(0);
          });
        },
      ),
    );
  });
});

describe('classifyMissing', () => {
  const topic = 'ns.events.us';
  const isOriginTopic = (t: string) => /^ns\.events\.[a-z]+$/.test(t);

  it('parses mirror sources', () => {
    expect(parseSource('ns.events.us:3@120')).toEqual({ topic, partition: 3, offset: 120n });
    expect(parseSource('weird')).toBeUndefined();
    expect(parseSource(null)).toBeUndefined();
  });

  it('tells in flight, lost, parked and unknown apart by the reader’s own offsets', () => {
    const streams = new Map([
      [
        's',
        {
          us: {
            events: [
              { id: id(1), source: `${topic}:0@10` },
              { id: id(2), source: `${topic}:0@11` },
              { id: id(3), source: `${topic}:0@12` },
              { id: id(4), source: 'ns.repair.us:0@5' },
            ],
            pending: [],
          },
          eu: { events: [{ id: id(1), source: `${topic}:0@10` }], pending: [id(3)] },
        },
      ],
    ]);
    const missing = classifyMissing({
      streams,
      // eu consumed us's partition 0 up to offset 11 (next = 12): id(2) at 11 is lost, id(3)
      // at 12 would be in flight but eu has it parked.
      offsets: { us: new Map(), eu: new Map([[`${topic}:0`, 12n]]) },
      isOriginTopic,
    });
    expect(missing.map((m) => [m.region, m.id, m.status])).toEqual([
      ['eu', id(2), MISSING_STATUS.lost],
      ['eu', id(3), MISSING_STATUS.pending],
      ['eu', id(4), MISSING_STATUS.unknown],
    ]);
    const inFlight = classifyMissing({
      streams,
      offsets: { us: new Map(), eu: new Map([[`${topic}:0`, 11n]]) },
      isOriginTopic,
    });
    expect(inFlight.find((m) => m.id === id(2))?.status).toBe(MISSING_STATUS.inFlight);
    // A reader that never consumed the partition: in flight.
    const never = classifyMissing({
      streams,
      offsets: { us: new Map(), eu: new Map() },
      isOriginTopic,
    });
    expect(never.find((m) => m.id === id(2))?.status).toBe(MISSING_STATUS.inFlight);
    expect(never.every((m) => m.holders.join() === 'us')).toBe(true);
    // mm2: eu reads a copy of us's topic, whose offsets are its own — not comparable.
    const mm2 = classifyMissing({
      streams,
      offsets: { us: new Map(), eu: new Map([[`${topic}:0`, 12n]]) },
      isOriginTopic,
      readsDirectly: (t, reader) => t === `ns.events.${reader}`,
    });
    expect(mm2.find((m) => m.id === id(2))?.status).toBe(MISSING_STATUS.unknown);
  });

  it('never calls lost what the reader has not consumed yet (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 30 }),
        fc.nat({ max: 1000 }),
        (offsets, consumed) => {
          const events = offsets.map((o, i) => ({ id: id(i), source: `${topic}:1@${o}` }));
          const missing = classifyMissing({
            streams: new Map([
              ['s', { us: { events, pending: [] }, eu: { events: [], pending: [] } }],
            ]),
            offsets: { us: undefined, eu: new Map([[`${topic}:1`, BigInt(consumed)]]) },
            isOriginTopic,
          });
          for (const m of missing) {
            const offset = offsets[Number(m.id.slice(-12))]!;
            expect(m.status).toBe(
              offset < consumed ? MISSING_STATUS.lost : MISSING_STATUS.inFlight,
            );
          }
        },
      ),
    );
  });
});

describe('drill-down planning', () => {
  it('asks for the differing buckets only, then the differing streams of those buckets', () => {
    const same = digest('same-1', [1, 2]);
    const usOnly = digest('extra-1', [3]);
    const stateA = digest('state-1', [4], { v: 1 });
    const stateB = digest('state-1', [4], { v: 2 });
    const us = [same, usOnly, stateA];
    const eu = [same, stateB];
    const buckets = bucketsToDrill({ us: rollUpDigestSums(us), eu: rollUpDigestSums(eu) });
    expect(buckets).toEqual(
      [...new Set([bucketOf('extra-1'), bucketOf('state-1')])].sort((a, b) => a - b),
    );
    const plan = streamsToDrill({ us, eu }, buckets);
    expect(plan.events).toEqual(['extra-1']);
    expect(plan.state).toEqual(['state-1']);
    expect(bucketsToDrill({ us: rollUpDigestSums([same]), eu: rollUpDigestSums([same]) })).toEqual(
      [],
    );
  });

  it('turns missing events, state differences and local mismatches into candidates', () => {
    const missing = [
      { region: 'eu', stream: 'a', id: id(1), status: MISSING_STATUS.lost, holders: ['us'] },
      { region: 'eu', stream: 'a', id: id(2), status: MISSING_STATUS.inFlight, holders: ['us'] },
      { region: 'eu', stream: 'b', id: id(3), status: MISSING_STATUS.pending, holders: ['us'] },
      { region: 'us', stream: 'c', id: id(4), status: MISSING_STATUS.unknown, holders: ['eu'] },
    ] as const;
    const candidates = divergenceCandidates({
      missing,
      stateDivergences: [],
      localMismatches: [{ stream: 'd', fingerprint: 'f' }],
    });
    expect(candidates.map((c) => [c.key, c.proven ?? false])).toEqual([
      [`missing:eu:${id(1)}`, true],
      [`missing:us:${id(4)}`, false],
      ['local:d', false],
    ]);
    const confirmed = new Set([`missing:eu:${id(1)}`, 'local:d']);
    expect([...confirmedStreams(confirmed, missing)].sort()).toEqual(['a', 'd']);
  });

  it('an unknown-status missing event is not confirmed while the region lacking it still consumes (mm2 in flight)', () => {
    const t = new DivergenceTracker(1000);
    const missing = [
      { region: 'ap', stream: 'a', id: id(7), status: MISSING_STATUS.unknown, holders: ['us'] },
    ];
    const at = (next: bigint) =>
      divergenceCandidates({
        missing,
        stateDivergences: [],
        localMismatches: [],
        offsets: { ap: new Map([['us.concord.events.us:0', next]]), us: undefined },
      });
    // ap's mirror keeps consuming between comparisons: the event may be behind what it reads.
    expect(t.observe(0, at(10n)).size).toBe(0);
    expect(t.observe(1000, at(20n)).size).toBe(0);
    expect(t.observe(2000, at(30n)).size).toBe(0);
    expect(t.observe(3000, at(40n)).size).toBe(0);
    // No progress for an interval while it still lacks the event: confirmed.
    expect([...t.observe(4000, at(40n))]).toEqual([`missing:ap:${id(7)}`]);
    // A comparable-offset status does not depend on progress (its offsets decide).
    const inFlight = divergenceCandidates({
      missing: [{ ...missing[0]!, status: MISSING_STATUS.lost }],
      stateDivergences: [],
      localMismatches: [],
      offsets: { ap: new Map([['x:0', 1n]]) },
    });
    expect(inFlight[0]!.fingerprint).toBe('a');
  });

  it('copies only confirmed events missing here, from a reachable holder, not twice', () => {
    const missing = [
      { region: 'us', stream: 'a', id: id(1), status: MISSING_STATUS.lost, holders: ['ap', 'eu'] },
      { region: 'us', stream: 'a', id: id(2), status: MISSING_STATUS.unknown, holders: ['eu'] },
      { region: 'us', stream: 'a', id: id(3), status: MISSING_STATUS.lost, holders: ['eu'] },
      { region: 'eu', stream: 'b', id: id(4), status: MISSING_STATUS.lost, holders: ['us'] },
    ] as const;
    const plan = planCopies({
      self: 'us',
      missing,
      confirmed: new Set([`missing:us:${id(1)}`, `missing:us:${id(3)}`, `missing:eu:${id(4)}`]),
      reachable: new Set(['us', 'eu']),
      recentlyCopied: (x) => x === id(3),
    });
    expect([...plan]).toEqual([['eu', [id(1)]]]);
  });

  it('recomputes confirmed local mismatches, but not while events are still missing here', () => {
    const streams = planRecomputes({
      self: 'us',
      confirmed: new Set(['local:a', 'local:b', 'local:c', 'state:d']),
      missing: [
        { region: 'us', stream: 'b', id: id(1), status: MISSING_STATUS.lost, holders: ['eu'] },
      ],
      recentlyRecomputed: (s) => s === 'c',
    });
    expect(streams).toEqual(['a']);
  });
});

describe('ConvergenceClock', () => {
  it('measures from the last write to the first equal comparison', () => {
    const c = new ConvergenceClock();
    expect(
      c.observe({ at: 1000, converged: true, allReachable: true, lastWriteAt: 0 }),
    ).toBeUndefined();
    expect(
      c.observe({ at: 2000, converged: false, allReachable: true, lastWriteAt: 1500 }),
    ).toBeUndefined();
    expect(c.observe({ at: 5000, converged: true, allReachable: true, lastWriteAt: 3500 })).toBe(
      1.5,
    );
    expect(c.lastSeconds).toBe(1.5);
  });

  it('measures from the heal when that came later than the last write', () => {
    const c = new ConvergenceClock();
    c.observe({ at: 1000, converged: false, allReachable: false, lastWriteAt: 500 });
    c.observe({ at: 9000, converged: false, allReachable: true, lastWriteAt: 800 }); // healed
    expect(c.observe({ at: 11_500, converged: true, allReachable: true, lastWriteAt: 800 })).toBe(
      2.5,
    );
  });

  it('is never converged while a region cannot be reached', () => {
    const c = new ConvergenceClock();
    c.observe({ at: 0, converged: false, allReachable: true, lastWriteAt: undefined });
    expect(
      c.observe({ at: 10, converged: true, allReachable: false, lastWriteAt: 0 }),
    ).toBeUndefined();
  });
});

describe('splitBrainVerdict', () => {
  it('alarms on a conflict rate or a divergence above the thresholds', () => {
    const t = {
      conflictsPerMinute: 10,
      conflictSpikeFactor: 5,
      conflictSpikeFloor: 4,
      divergentStreams: 3,
      stalledMs: 1000,
    };
    expect(splitBrainVerdict({ conflictsLastMinute: 9, divergentStreams: 2 }, t).suspected).toBe(
      false,
    );
    expect(
      splitBrainVerdict({ conflictsLastMinute: 10, divergentStreams: 0 }, t).reasons,
    ).toHaveLength(1);
    expect(
      splitBrainVerdict({ conflictsLastMinute: 50, divergentStreams: 3 }, t).reasons,
    ).toHaveLength(2);
    expect(
      splitBrainVerdict(
        { conflictsLastMinute: 0, divergentStreams: 0, stalledPairs: ['ap<->us'] },
        t,
      ).suspected,
    ).toBe(true);
  });

  it('a steady conflict rate is the workload; a spike over the last hour is not', () => {
    const t = {
      conflictsPerMinute: 1200,
      conflictSpikeFactor: 5,
      conflictSpikeFloor: 300,
      divergentStreams: 10,
      stalledMs: 30_000,
    };
    const verdict = (last: number, baseline?: number) =>
      splitBrainVerdict(
        { conflictsLastMinute: last, conflictsBaselinePerMinute: baseline, divergentStreams: 0 },
        t,
      ).suspected;
    expect(verdict(400, 200)).toBe(false); // busy shared streams, as usual
    expect(verdict(1000, 200)).toBe(true); // 5× the hour before
    expect(verdict(299, 0)).toBe(false); // under the floor
    expect(verdict(300, 0)).toBe(true); // from quiet to 300/min
    expect(verdict(800)).toBe(false); // no hour to compare with: the absolute rate only
    expect(verdict(1200)).toBe(true);
  });

  it('names region pairs that miss each other’s events for the stall time, both ways', () => {
    const m = (region: string, n: number, holders: string[], lost = false) => ({
      region,
      stream: 's',
      id: id(n),
      status: lost ? MISSING_STATUS.lost : MISSING_STATUS.inFlight,
      holders,
    });
    const w = new StallWatch();
    // us lacks an event of ap, ap lacks one of us and eu; eu's loss is not a stall.
    const missing = [m('us', 1, ['ap']), m('ap', 2, ['us', 'eu']), m('eu', 3, ['us'], true)];
    expect(w.observe(0, missing, 1000)).toEqual([]);
    expect(w.observe(999, missing, 1000)).toEqual([]);
    expect(w.observe(1000, missing, 1000)).toEqual(['ap<->us']);
    // Delivered in between: the clock restarts.
    expect(w.observe(1500, [], 1000)).toEqual([]);
    expect(w.observe(2000, missing, 1000)).toEqual([]);
    // One way only is lag, not split brain.
    const oneWay = new StallWatch();
    oneWay.observe(0, [m('us', 1, ['ap'])], 10);
    expect(oneWay.observe(100, [m('us', 1, ['ap'])], 10)).toEqual([]);
  });
});
