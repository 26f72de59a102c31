import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { originBacklog } from './sourceMetrics.js';
import type { PartitionBacklog } from '../consume/SourceConsumer.js';

const carries = new Map([
  ['events.us', 'us'],
  ['events.eu', 'eu'],
]);

function part(over: Partial<PartitionBacklog> & { topic: string }): PartitionBacklog {
  return {
    partition: 0,
    applied: undefined,
    oldestUnappliedAt: undefined,
    fetchedLogEnd: undefined,
    ...over,
  };
}

describe('originBacklog', () => {
  it('counts log end − applied per origin, with the age of the oldest unapplied fetch', () => {
    const ends = new Map([
      ['events.us:0', 10n],
      ['events.us:1', 5n],
      ['events.eu:0', 3n],
    ]);
    const parts = [
      part({ topic: 'events.us', partition: 0, applied: 4n, oldestUnappliedAt: 1_000 }),
      part({ topic: 'events.us', partition: 1, applied: 5n }),
      part({ topic: 'events.eu', partition: 0, applied: 3n, oldestUnappliedAt: 500 }),
    ];
    expect(originBacklog(parts, ends, carries, 3_000)).toEqual([
      { origin: 'us', records: 6, seconds: 2 },
      // Nothing behind: an old unapplied timestamp does not make a backlog.
      { origin: 'eu', records: 0, seconds: 0 },
    ]);
  });

  it('takes the larger of the cluster reading and the last fetch high watermark', () => {
    const parts = [part({ topic: 'events.us', applied: 4n, fetchedLogEnd: 9n })];
    expect(originBacklog(parts, new Map(), carries, 0)[0]).toMatchObject({ records: 5 });
    expect(originBacklog(parts, new Map([['events.us:0', 7n]]), carries, 0)[0]).toMatchObject({
      records: 5,
    });
    expect(originBacklog(parts, new Map([['events.us:0', 12n]]), carries, 0)[0]).toMatchObject({
      records: 8,
    });
  });

  it('counts nothing for a partition whose applied offset or log end is unknown', () => {
    const parts = [
      part({ topic: 'events.us', fetchedLogEnd: 9n }),
      part({ topic: 'events.eu', applied: 2n }),
    ];
    expect(originBacklog(parts, new Map(), carries, 0)).toEqual([
      { origin: 'us', records: 0, seconds: 0 },
      { origin: 'eu', records: 0, seconds: 0 },
    ]);
  });

  it('never negative, and the sum over origins is the sum over known partitions', () => {
    const arb = fc.array(
      fc.record({
        topic: fc.constantFrom('events.us', 'events.eu'),
        partition: fc.nat(3),
        applied: fc.option(fc.bigInt(0n, 100n), { nil: undefined }),
        fetchedLogEnd: fc.option(fc.bigInt(0n, 100n), { nil: undefined }),
        read: fc.option(fc.bigInt(0n, 100n), { nil: undefined }),
      }),
      { maxLength: 8 },
    );
    fc.assert(
      fc.property(arb, (rows) => {
        // One row per partition, as the consumer reports them.
        const unique = [...new Map(rows.map((r) => [`${r.topic}:${r.partition}`, r])).values()];
        const ends = new Map(
          unique.flatMap((r) =>
            r.read === undefined ? [] : [[`${r.topic}:${r.partition}`, r.read] as const],
          ),
        );
        const out = originBacklog(
          unique.map((r) => part(r)),
          ends,
          carries,
          0,
        );
        let expected = 0;
        for (const r of unique) {
          const known = [r.read, r.fetchedLogEnd].filter((v) => v !== undefined);
          const end = known.reduce<bigint | undefined>(
            (max, v) => (max === undefined || v > max ? v : max),
            undefined,
          );
          if (r.applied !== undefined && end !== undefined && end > r.applied)
            expected += Number(end - r.applied);
        }
        expect(out.every((b) => b.records >= 0)).toBe(true);
        expect(out.reduce((n, b) => n + b.records, 0)).toBe(expected);
      }),
    );
  });
});
