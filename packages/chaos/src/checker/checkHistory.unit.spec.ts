import { describe, expect, it } from 'vitest';
import { checkHistory, type AppliedEvent, type History, type RegionObservation } from '../index.js';

const REGIONS = ['us', 'eu', 'ap'] as const;

/**
 * A correct history: three streams of three chained events each (written in us, eu, ap), all
 * acknowledged, in the log, applied everywhere in causal order with equal digests, plus one
 * conflict resolved by one merge.
 */
function cleanHistory(): History {
  const events: Omit<AppliedEvent, 'appliedSeq'>[] = [];
  REGIONS.forEach((origin, i) => {
    const stream = `account-${i}`;
    let parent: string | undefined;
    for (let n = 0; n < 3; n++) {
      const id = `${origin}-${n}`;
      events.push({
        eventId: id,
        stream,
        type: 'Deposited',
        origin,
        parents: parent ? [parent] : [],
        idempotencyNoop: false,
        value: `v-${id}`,
      });
      parent = id;
    }
  });
  // A fork on account-0 (us-2 and eu-x both after us-1), merged once.
  events.push({
    eventId: 'eu-x',
    stream: 'account-0',
    type: 'Withdrawn',
    origin: 'eu',
    parents: ['us-1'],
    causedBy: 'ap-0',
    idempotencyNoop: false,
    value: 'v-eu-x',
  });
  events.push({
    eventId: 'merge-1',
    stream: 'account-0',
    type: 'concord.merge',
    origin: 'us',
    parents: ['eu-x', 'us-2'],
    idempotencyNoop: false,
    contentHash: 'c1',
  });
  const region = (r: string): RegionObservation => ({
    region: r,
    applied: events.map((e, i) => ({ ...e, appliedSeq: i + 1 })),
    streams: ['account-0', 'account-1', 'account-2'].map((s) => ({
      stream: s,
      eventSetHash: `ids-${s}`,
      stateHash: `state-${s}`,
      heads: [`head-${s}`],
    })),
    recomputed: ['account-0', 'account-1', 'account-2'].map((s) => ({
      stream: s,
      eventSetHash: `ids-${s}`,
      stateHash: `state-${s}`,
    })),
    conflicts: [
      {
        id: 'c-1',
        stream: 'account-0',
        heads: ['eu-x', 'us-2'],
        status: 'resolved',
        resolvedBy: 'merge-1',
      },
    ],
    balances: [{ stream: 'account-0', balance: 10 }],
  });
  return {
    acked: events
      .filter((e) => e.value)
      .map((e) => ({
        region: e.origin,
        stream: e.stream,
        eventId: e.eventId,
        value: e.value!,
        at: 0,
      })),
    failed: [
      {
        region: 'ap',
        stream: 'account-2',
        value: 'v-failed',
        at: 0,
        code: 'BUS_UNAVAILABLE',
        ambiguous: false,
      },
    ],
    regions: REGIONS.map(region),
    topics: REGIONS.map((origin) => ({
      origin,
      eventIds: events.filter((e) => e.origin === origin).map((e) => e.eventId),
    })),
  };
}

/** Replaces region `r`'s observation with `patch(observation)`. */
function doctor(
  h: History,
  r: string,
  patch: (o: RegionObservation) => RegionObservation,
): History {
  return { ...h, regions: h.regions.map((o) => (o.region === r ? patch(o) : o)) };
}

const nonZero = (h: History) =>
  Object.entries(checkHistory(h).counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k}:${n}`);

describe('checkHistory', () => {
  it('passes a correct history', () => {
    const result = checkHistory(cleanHistory());
    expect(nonZero(cleanHistory())).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.stats).toMatchObject({
      acked: 10,
      failed: 1,
      streams: 3,
      convergedStreams: 3,
      merges: 1,
    });
  });

  it('flags a lost acknowledged write', () => {
    const h = cleanHistory();
    const lost = {
      ...h,
      acked: [
        ...h.acked,
        { region: 'us', stream: 'account-0', eventId: 'ghost', value: 'v-ghost', at: 0 },
      ],
    };
    expect(nonZero(lost)).toEqual(['lost:1']);
    expect(checkHistory(lost).anomalies[0]).toMatchObject({ kind: 'lost', eventId: 'ghost' });
  });

  it('flags an acknowledged event still unseen in one region', () => {
    const h = doctor(cleanHistory(), 'ap', (o) => ({
      ...o,
      applied: o.applied.filter((e) => e.eventId !== 'eu-2'),
    }));
    expect(nonZero(h)).toEqual(['unseen:1']);
    expect(checkHistory(h).anomalies[0]).toMatchObject({ region: 'ap', eventId: 'eu-2' });
  });

  it('flags an event applied twice and a value that took effect twice', () => {
    const twice = doctor(cleanHistory(), 'eu', (o) => ({
      ...o,
      applied: [...o.applied, { ...o.applied[0]!, appliedSeq: 99 }],
    }));
    expect(nonZero(twice)).toEqual(['duplicate:1']);
    const sameValue = doctor(cleanHistory(), 'eu', (o) => ({
      ...o,
      applied: [
        ...o.applied,
        { ...o.applied[0]!, eventId: 'us-0-again', parents: ['us-0'], appliedSeq: 99 },
      ],
    }));
    expect(nonZero(sameValue)).toEqual(['duplicate:1']);
    // …unless the second one was an idempotency-key no-op.
    const noop = doctor(cleanHistory(), 'eu', (o) => ({
      ...o,
      applied: [
        ...o.applied,
        {
          ...o.applied[0]!,
          eventId: 'us-0-again',
          parents: ['us-0'],
          appliedSeq: 99,
          idempotencyNoop: true,
        },
      ],
    }));
    expect(nonZero(noop)).toEqual([]);
  });

  it('flags an out-of-causal-order apply, for parents and for causedBy', () => {
    const swap = (a: string, b: string) =>
      doctor(cleanHistory(), 'eu', (o) => {
        const sa = o.applied.find((e) => e.eventId === a)!.appliedSeq;
        const sb = o.applied.find((e) => e.eventId === b)!.appliedSeq;
        return {
          ...o,
          applied: o.applied.map((e) =>
            e.eventId === a
              ? { ...e, appliedSeq: sb }
              : e.eventId === b
                ? { ...e, appliedSeq: sa }
                : e,
          ),
        };
      });
    expect(nonZero(swap('us-0', 'us-1'))).toEqual(['causal-violation:1']);
    // eu-x (parent us-1, causedBy ap-0) moved between eu-2 and ap-0: only causedBy is late.
    const early = doctor(cleanHistory(), 'ap', (o) => ({
      ...o,
      applied: o.applied.map((e) => (e.eventId === 'eu-x' ? { ...e, appliedSeq: 6.5 } : e)),
    }));
    expect(nonZero(early)).toEqual(['causal-violation:1']);
    expect(checkHistory(early).anomalies[0]?.detail).toContain('before its dependency ap-0');
  });

  it('flags a divergent stream and a projection that disagrees with the independent fold', () => {
    const diverged = doctor(cleanHistory(), 'ap', (o) => ({
      ...o,
      recomputed: o.recomputed.map((s) =>
        s.stream === 'account-1' ? { ...s, stateHash: 'other' } : s,
      ),
    }));
    expect(nonZero(diverged)).toEqual(['unconverged:1', 'projection-mismatch:1']);
    const corrupted = doctor(cleanHistory(), 'us', (o) => ({
      ...o,
      streams: o.streams.map((s) =>
        s.stream === 'account-2' ? { ...s, stateHash: 'corrupt' } : s,
      ),
    }));
    expect(nonZero(corrupted)).toEqual(['projection-mismatch:1']);
  });

  it('flags a conflict merged by two different events, a merge with two contents, and leftover heads', () => {
    const twoMerges = doctor(cleanHistory(), 'eu', (o) => ({
      ...o,
      applied: [
        ...o.applied,
        { ...o.applied.find((e) => e.eventId === 'merge-1')!, eventId: 'merge-2', appliedSeq: 99 },
      ],
    }));
    expect(nonZero(twoMerges)).toContain('divergent-resolution:1');
    const twoContents = doctor(cleanHistory(), 'ap', (o) => ({
      ...o,
      applied: o.applied.map((e) => (e.eventId === 'merge-1' ? { ...e, contentHash: 'c2' } : e)),
    }));
    expect(nonZero(twoContents)).toEqual(['divergent-resolution:1']);
    const open = doctor(cleanHistory(), 'us', (o) => ({
      ...o,
      streams: o.streams.map((s) => (s.stream === 'account-0' ? { ...s, heads: ['a', 'b'] } : s)),
    }));
    expect(nonZero(open)).toEqual(['unresolved-conflict:1']);
  });

  it('flags a negative balance', () => {
    const h = doctor(cleanHistory(), 'eu', (o) => ({
      ...o,
      balances: [{ stream: 'account-0', balance: -5 }],
    }));
    expect(nonZero(h)).toEqual(['invariant:1']);
  });

  it('keeps complete counts but a bounded number of examples', () => {
    const h = cleanHistory();
    const many = {
      ...h,
      acked: [
        ...h.acked,
        ...Array.from({ length: 50 }, (_, i) => ({
          region: 'us',
          stream: 's',
          eventId: `g${i}`,
          value: `g${i}`,
          at: 0,
        })),
      ],
    };
    const result = checkHistory(many, { examplesPerKind: 5 });
    expect(result.counts.lost).toBe(50);
    expect(result.anomalies.filter((a) => a.kind === 'lost')).toHaveLength(5);
    expect(result.ok).toBe(false);
  });
});
