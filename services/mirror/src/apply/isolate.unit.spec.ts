import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClassifiedRecord, PartitionSubmission, SubmissionOutcome } from './ApplyTypes.js';
import { decideOffsets } from '../consume/offsetRule.js';
import { joinOutcomes, splitSubmissions } from './isolate.js';

function submission(partition: number, offsets: readonly bigint[], fetchedOffset = offsets[0]!) {
  const records = offsets.map((offset): ClassifiedRecord => ({
    kind: 'invalid',
    offset,
    rejection: { code: 'ENVELOPE_INVALID', message: 'x' },
    key: null,
    value: null,
    headers: undefined,
  }));
  return {
    topic: 't',
    partition,
    fetchedOffset,
    lastOffset: offsets[offsets.length - 1]!,
    records,
  } satisfies PartitionSubmission;
}

/** Applies submissions in order under the offset rule; returns the stored offsets. */
function run(
  subs: readonly PartitionSubmission[],
  stored: Map<number, bigint>,
): SubmissionOutcome[] {
  return subs.map((s) => {
    const d = decideOffsets(stored.get(s.partition), s);
    if (d.kind === 'gap') return { kind: 'gap', stored: d.stored };
    stored.set(s.partition, d.next);
    return { kind: 'applied', next: d.next };
  });
}

describe('splitSubmissions', () => {
  it('halves a round so that applying the halves in order is applying the round', () => {
    const offsets = fc
      .uniqueArray(fc.bigInt({ min: 0n, max: 50n }), { minLength: 1, maxLength: 12 })
      .map((a) => [...a].sort((x, y) => (x < y ? -1 : 1)));
    fc.assert(
      fc.property(
        fc.array(offsets, { minLength: 1, maxLength: 4 }),
        fc.bigInt({ min: 0n, max: 60n }),
        (batches, start) => {
          const subs = batches.map((o, i) => submission(i, o));
          const whole = new Map(subs.map((s) => [s.partition, start]));
          const expected = run(subs, whole);
          const halves = splitSubmissions(subs);
          if (!halves) {
            expect(subs).toHaveLength(1);
            expect(subs[0]!.records.length).toBeLessThan(2);
            return;
          }
          const split = new Map(subs.map((s) => [s.partition, start]));
          const joined = joinOutcomes(subs, run(halves[0], split), run(halves[1], split));
          expect(joined).toEqual(expected);
          expect(split).toEqual(whole);
          const records = (x: readonly PartitionSubmission[]) => x.flatMap((s) => s.records);
          expect([...records(halves[0]), ...records(halves[1])]).toEqual(records(subs));
          expect(records(halves[0]).length).toBeGreaterThan(0);
          expect(records(halves[1]).length).toBeGreaterThan(0);
        },
      ),
    );
  });
});
