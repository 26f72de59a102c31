import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '@concord/config';
import type { Envelope } from '@concord/core';
import { createKafka, topicOffsets } from '@concord/kafka';
import { metricValue, mirrorFixture, signAll, waitFor } from '@concord/test-support';
import type { MirrorHandle } from './index.js';
import { appliedIds, randomHistory } from './testing/signedEvents.fixtures.js';

// Item 4 of issue 11 (docs/mirror.md, "Offsets"): a hole in the source offsets is accepted
// only when the records are really gone from the log; otherwise every record is applied.
const fx = mirrorFixture({ pools: ['us'] });
const { config, producers } = fx;
const kafka = createKafka({
  clientId: 'offset-gap-test',
  brokers: config.byRegion['us']!.kafka.brokers,
});
const usTopic = topics(config).events('us');
const history = (seed: number, suffix: string, ops: number): Envelope[] =>
  signAll(config, randomHistory({ seed, ops, regions: ['us'], streamSuffix: suffix }));
const start = (instance: string) => fx.start({ region: 'us', instance, maxTransactionRecords: 50 });
const metric = async (m: MirrorHandle, name: string) =>
  metricValue(await fetch(`${m.url}/metrics`).then((r) => r.text()), name, { topic: usTopic }) ?? 0;

beforeAll(fx.setup);
afterAll(fx.teardown);

describe('source offset gaps', () => {
  it('never skip a record when Kafka commits run ahead of Postgres and instances rebalance', async () => {
    const first = history(7101, '-ahead', 600);
    await producers.sendEvents(first);
    // The group's Kafka offsets say "all consumed" while Postgres has applied nothing.
    const admin = kafka.admin();
    await admin.connect();
    try {
      const ends = await topicOffsets(kafka, usTopic);
      await admin.setOffsets({
        groupId: `${config.namespace}.mirror.us`,
        topic: usTopic,
        partitions: ends.map((o) => ({ partition: o.partition, offset: o.high.toString() })),
      });
    } finally {
      await admin.disconnect();
    }
    const second = history(7102, '-ahead2', 600);
    const [a, b] = await Promise.all([start('a'), start('b')]);
    for (let i = 0; i < second.length; i += 50) await producers.sendEvents(second.slice(i, i + 50));
    const c = await start('c'); // a third member: one more rebalance while applying
    const ids = new Set([...first, ...second].map((e) => e.id));
    const pool = fx.pool('us');
    await waitFor(async () => (await appliedIds(pool)).length >= ids.size, {
      timeoutMs: 120_000,
      intervalMs: 500,
      message: 'every event applied',
    });
    expect(new Set(await appliedIds(pool))).toEqual(ids);
    for (const m of [a, b, c]) expect(await metric(m, 'concord_mirror_offset_gaps_total')).toBe(0);
    await Promise.all([a, b, c].map((m) => m.close()));
  });

  it('accepts a really truncated log as a gap, counted, and applies what is left', async () => {
    const pool = fx.pool('us');
    await pool.query('truncate projection.source_offsets');
    const before = (await appliedIds(pool)).length;
    const gone = history(7201, '-gone', 200);
    await producers.sendEvents(gone);
    // deleteRecords: the log now starts at its current end on every partition.
    const ends = await topicOffsets(kafka, usTopic);
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.fetchTopicMetadata({ topics: [usTopic] });
      await admin.deleteTopicRecords({
        topic: usTopic,
        partitions: ends.map((o) => ({ partition: o.partition, offset: o.high.toString() })),
      });
    } finally {
      await admin.disconnect();
    }
    const lows = await topicOffsets(kafka, usTopic);
    const kept = history(7202, '-kept', 200);
    await producers.sendEvents(kept);
    const m = await start('d');
    const expected = new Set(kept.map((e) => e.id));
    await waitFor(
      async () => (await appliedIds(pool)).filter((id) => expected.has(id)).length >= expected.size,
      { timeoutMs: 60_000, intervalMs: 500, message: 'the records left in the log applied' },
    );
    const goneIds = new Set(gone.map((e) => e.id));
    expect((await appliedIds(pool)).filter((id) => goneIds.has(id))).toEqual([]);
    expect((await appliedIds(pool)).length).toBe(before + expected.size);
    // A hole is seen (and accepted) on the partitions that were truncated and have records since.
    const now = await topicOffsets(kafka, usTopic);
    const truncated = lows.filter(
      (o) => o.low > 0n && now.find((n) => n.partition === o.partition)!.high > o.low,
    );
    expect(truncated.length).toBeGreaterThan(0);
    expect(await metric(m, 'concord_mirror_offset_gaps_total')).toBe(truncated.length);
    expect(await metric(m, 'concord_mirror_offset_gap_records_total')).toBe(
      truncated.reduce((n, o) => n + Number(o.low), 0),
    );
  });
});
