import { describe, expect, it } from 'vitest';
import { checkHistory, type History } from '../index.js';
import { cleanHistory, doctor } from '../testing/histories.js';

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

  it('flags a conflict merged by two different events and a merge with two contents', () => {
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
