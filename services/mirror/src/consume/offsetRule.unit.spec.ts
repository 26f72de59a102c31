import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kafkaRoute, loadConfig } from '@concord/config';
import { decideOffsets } from './offsetRule.js';
import { planSources } from './sources.js';

describe('the offset rule (Postgres offsets are the truth)', () => {
  const batch = (fetchedOffset: bigint, lastOffset: bigint, logStartOffset?: bigint) => ({
    fetchedOffset,
    lastOffset,
    ...(logStartOffset === undefined ? {} : { logStartOffset }),
  });

  it('applies from the stored offset, skipping what is below it', () => {
    expect(decideOffsets(100n, batch(100n, 149n))).toEqual({
      kind: 'apply',
      from: 100n,
      next: 150n,
    });
    expect(decideOffsets(120n, batch(100n, 149n))).toEqual({
      kind: 'apply',
      from: 120n,
      next: 150n,
    });
    // Entirely below: nothing new, the stored offset stays.
    expect(decideOffsets(500n, batch(100n, 149n))).toEqual({
      kind: 'apply',
      from: 500n,
      next: 500n,
    });
  });

  it('refuses a batch that starts after the stored offset unless the hole is below the log start', () => {
    expect(decideOffsets(100n, batch(150n, 199n))).toEqual({ kind: 'gap', stored: 100n });
    expect(decideOffsets(undefined, batch(10n, 19n))).toEqual({ kind: 'gap', stored: 0n });
    expect(decideOffsets(undefined, batch(0n, 19n))).toEqual({
      kind: 'apply',
      from: 0n,
      next: 20n,
    });
    // Log start 150: [100, 150) is gone.
    expect(decideOffsets(100n, batch(150n, 199n, 150n))).toEqual({
      kind: 'apply',
      from: 100n,
      next: 200n,
      gap: { from: 100n, to: 150n },
    });
    // A batch starting after the log start would skip records still in the log.
    expect(decideOffsets(100n, batch(160n, 199n, 150n))).toEqual({ kind: 'gap', stored: 100n });
    // The stored offset is not below the log start: nothing is gone.
    expect(decideOffsets(150n, batch(160n, 199n, 150n))).toEqual({ kind: 'gap', stored: 150n });
  });

  it('never skips a record that is still in the log (property)', () => {
    const offset = fc.bigInt({ min: 0n, max: 1000n });
    fc.assert(
      fc.property(
        offset,
        offset,
        fc.bigInt({ min: 0n, max: 100n }),
        fc.option(offset, { nil: undefined }),
        (stored, fetched, length, logStart) => {
          const d = decideOffsets(stored, batch(fetched, fetched + length, logStart));
          if (d.kind === 'gap') return fetched > stored;
          // Offsets skipped: [stored, fetched) when fetched > stored. Each must be gone.
          const firstKept = fetched > stored ? fetched : stored;
          const gone = logStart ?? 0n;
          expect(firstKept <= stored || firstKept <= gone).toBe(true);
          expect(d.next).toBe(fetched + length + 1n > stored ? fetched + length + 1n : stored);
          expect(d.gap !== undefined).toBe(fetched > stored);
          return true;
        },
      ),
    );
  });
});

describe('planSources', () => {
  it('direct mode: one consumer per cluster, remote topics through the link to this region', () => {
    const config = loadConfig({
      // The default port layout, whatever CONCORD_PORT_BASE the run has (the literal below).
      overrides: {
        CONCORD_NAMESPACE: 'n1',
        CONCORD_REGIONS: 'us,eu,ap',
        CONCORD_PORT_BASE: '19000',
      },
    });
    expect(planSources(config, 'eu')).toEqual([
      {
        name: 'eu',
        brokers: config.byRegion['eu']!.kafka.brokers,
        topics: [
          { topic: 'n1.events.eu', carries: 'eu' },
          { topic: 'n1.repair.eu', carries: 'repair' },
        ],
      },
      {
        name: 'us',
        brokers: kafkaRoute(config, 'us', 'eu'),
        topics: [{ topic: 'n1.events.us', carries: 'us' }],
      },
      {
        name: 'ap',
        brokers: ['127.0.0.1:19921'],
        topics: [{ topic: 'n1.events.ap', carries: 'ap' }],
      },
    ]);
  });

  it('mm2 mode: every topic on the local cluster (MirrorMaker 2 copies), one consumer', () => {
    const config = loadConfig({
      overrides: {
        CONCORD_NAMESPACE: 'n1',
        CONCORD_REGIONS: 'us,eu,ap',
        CONCORD_REPLICATION_MODE: 'mm2',
      },
    });
    expect(planSources(config, 'us')).toEqual([
      {
        name: 'us',
        brokers: config.byRegion['us']!.kafka.brokers,
        topics: [
          { topic: 'n1.events.us', carries: 'us' },
          { topic: 'eu.n1.events.eu', carries: 'eu' },
          { topic: 'ap.n1.events.ap', carries: 'ap' },
          { topic: 'n1.repair.us', carries: 'repair' },
        ],
      },
    ]);
  });
});
