import { describe, expect, it } from 'vitest';
import { kafkaRoute, loadConfig } from '@concord/config';
import { decideOffsets } from './offsetRule.js';
import { planSources } from './sources.js';

describe('the offset rule (Postgres offsets are the truth)', () => {
  const batch = (fetchedOffset: bigint, lastOffset: bigint, acceptGap = false) => ({
    fetchedOffset,
    lastOffset,
    acceptGap,
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

  it('refuses a batch that starts after the stored offset (a hole), unless told the hole is real', () => {
    expect(decideOffsets(100n, batch(150n, 199n))).toEqual({ kind: 'gap', stored: 100n });
    expect(decideOffsets(undefined, batch(10n, 19n))).toEqual({ kind: 'gap', stored: 0n });
    expect(decideOffsets(undefined, batch(0n, 19n))).toEqual({
      kind: 'apply',
      from: 0n,
      next: 20n,
    });
    expect(decideOffsets(100n, batch(150n, 199n, true))).toEqual({
      kind: 'apply',
      from: 100n,
      next: 200n,
    });
  });
});

describe('planSources', () => {
  it('direct mode: one consumer per cluster, remote topics through the link to this region', () => {
    const config = loadConfig({
      overrides: { CONCORD_NAMESPACE: 'n1', CONCORD_REGIONS: 'us,eu,ap' },
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
