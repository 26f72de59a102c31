import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { cleanupNamespace, createTopics, testConfig, waitFor } from '@concord/test-support';
import { isConcordClientError } from '../errors.js';
import { envelopeOf, feedRecordOf } from '../testing/appliedRecords.fixtures.js';
import { consumeApplied, type ConsumeAppliedStats } from './consumeApplied.js';

/**
 * consumeApplied against the local stack's Kafka (eu) and Postgres: feed-shaped records
 * produced straight to `<ns>.applied.eu`; a malformed one stops, then is skipped; a second
 * member joining and the first leaving (two rebalances) hand the partition over at the
 * checkpoint, with every event handled once.
 */
const config = testConfig({ CONCORD_LOG_LEVEL: 'error' });
const topic = `${config.namespace}.applied.eu`;
const brokers = config.byRegion['eu']!.kafka.brokers;
const kafka = new Kafka({
  clientId: 'consume-applied-int',
  brokers: [...brokers],
  logLevel: logLevel.NOTHING,
});
const databaseUrl = (() => {
  const url = new URL(config.byRegion['eu']!.postgres.url);
  url.pathname = `/${config.namespace}_app`;
  return url.toString();
})();
let pool: pg.Pool;
let offsets = 0;

async function admin(sql: string) {
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  await client.query(sql).finally(() => client.end());
}

beforeAll(async () => {
  await createTopics(config, ['eu']);
  await admin(`create database "${config.namespace}_app"`);
  pool = new pg.Pool({ connectionString: databaseUrl, max: 6 });
  await pool.query('create table handled (grp text not null, event_id text not null)');
});

afterAll(async () => {
  await pool?.end();
  await admin(`drop database if exists "${config.namespace}_app" with (force)`).catch(() => 0);
  await cleanupNamespace(config);
});

/** Produces `count` feed records (or one malformed one); their ids. */
async function produce(count: number, malformed = false): Promise<string[]> {
  const producer = kafka.producer();
  await producer.connect();
  const ids = Array.from({ length: count }, () => randomUUID());
  const messages = ids.map((id) => {
    const r = feedRecordOf(envelopeOf(id), { seq: String(++offsets), region: 'eu' });
    return {
      key: r.key as Buffer,
      value: malformed ? Buffer.from('{not json') : (r.value as Buffer),
      headers: r.headers as Record<string, Buffer>,
      partition: 0,
    };
  });
  await producer.send({ topic, messages });
  await producer.disconnect();
  return malformed ? [] : ids;
}

async function handledBy(group: string) {
  const { rows } = await pool.query<{ event_id: string; n: number }>(
    'select event_id, count(*)::int as n from handled where grp = $1 group by event_id',
    [group],
  );
  return rows;
}

function start(group: string, onInvalid: 'stop' | 'skip', delayMs = 0) {
  const stop = new AbortController();
  const done = consumeApplied({
    brokers,
    region: 'eu',
    namespace: config.namespace,
    group,
    checkpoint: { pool, schema: 'consumer' },
    onInvalid,
    signal: stop.signal,
    closeTimeoutMs: 15_000,
    handler: async (event, client) => {
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      await client.query('insert into handled (grp, event_id) values ($1, $2)', [group, event.id]);
    },
  });
  return { stop: () => stop.abort(), done };
}

describe('consumeApplied on the stack', () => {
  it("a malformed record: 'stop' rejects at it, 'skip' records it and goes on", async () => {
    const before = await produce(10);
    await produce(1, true);
    const after = await produce(5);
    const error = await start('g-invalid', 'stop').done.catch((e: unknown) => e);
    expect(isConcordClientError(error, 'APPLIED_RECORD_INVALID')).toBe(true);
    expect((await handledBy('g-invalid')).map((r) => r.event_id).sort()).toEqual(before.sort());

    const skipping = start('g-invalid', 'skip');
    await waitFor(async () => (await handledBy('g-invalid')).length === 15, {
      timeoutMs: 60_000,
      message: 'the rest handled',
    });
    skipping.stop();
    expect(await skipping.done).toMatchObject({ handled: 5, invalid: 1 });
    const rows = await handledBy('g-invalid');
    expect(rows.every((r) => r.n === 1)).toBe(true);
    expect(rows.map((r) => r.event_id).sort()).toEqual([...before, ...after].sort());
    const invalid = await pool.query(
      'select kafka_offset::int as o, reason from consumer.applied_invalid',
    );
    expect(invalid.rows).toEqual([{ o: 10, reason: 'value is not JSON' }]);
  });

  it('a member joining and the first leaving: the partition moves at its checkpoint, each event once', async () => {
    const ids = await produce(40);
    const group = 'g-rebalance';
    const a = start(group, 'skip', 100);
    await waitFor(async () => (await handledBy(group)).length >= 5, {
      timeoutMs: 60_000,
      message: 'the first member handles some',
    });
    const b = start(group, 'skip', 10);
    await new Promise((r) => setTimeout(r, 1_000));
    a.stop();
    const statsA: ConsumeAppliedStats = await a.done;
    await waitFor(async () => (await handledBy(group)).length >= ids.length + 15, {
      timeoutMs: 90_000,
      message: 'the second member handles the rest',
    });
    b.stop();
    const statsB = await b.done;
    const rows = await handledBy(group);
    expect(rows.filter((r) => r.n !== 1)).toEqual([]);
    // The group reads the topic from its start: the 15 valid records of the first test too.
    expect(rows.length).toBe(ids.length + 15);
    expect(statsA.handled + statsB.handled).toBe(ids.length + 15);
    // The partition did move: each member handled part of it.
    expect(statsA.handled).toBeGreaterThan(0);
    expect(statsB.handled).toBeGreaterThan(0);
    console.log(
      `[consumeApplied int] first member ${JSON.stringify(statsA)}, second ${JSON.stringify(statsB)}`,
    );
  });

  it('an aborted signal before the start resolves without connecting', async () => {
    const stop = new AbortController();
    stop.abort();
    await expect(
      consumeApplied({
        brokers: ['127.0.0.1:1'],
        region: 'eu',
        group: 'never',
        checkpoint: { pool },
        handler: () => undefined,
        signal: stop.signal,
      }),
    ).resolves.toEqual({ handled: 0, duplicates: 0, behind: 0, invalid: 0 });
  });
});
