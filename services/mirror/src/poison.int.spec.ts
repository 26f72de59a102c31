import { APPLIED_HEADERS } from '@concord/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '@concord/config';
import {
  createSigner,
  generateRegionKeyPair,
  serializeEnvelope,
  signEnvelope,
  TestEventFactory,
} from '@concord/core';
import type { OutgoingRecord } from '@concord/kafka';
import type { pg } from '@concord/postgres';
import {
  cleanupNamespace,
  createDatabases,
  createTopics,
  metricValue,
  readTopic,
  regionPool,
  RegionProducers,
  signAll,
  signers,
  testConfig,
  waitFor,
} from '@concord/test-support';
import { DLQ_HEADERS, startMirror, type MirrorHandle } from './index.js';
import { appliedIds } from './testing/signedEvents.fixtures.js';

const config = testConfig({ CONCORD_INSECURE: 'true', CONCORD_LOG_LEVEL: 'error' });
const producers = new RegionProducers(config);
let mirror: MirrorHandle;
let pool: pg.Pool;

beforeAll(async () => {
  await Promise.all([createTopics(config), createDatabases(config)]);
  pool = regionPool(config, 'us');
  mirror = await startMirror(config, { region: 'us', port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await mirror?.close();
  await producers.close();
  await pool?.end();
  await cleanupNamespace(config);
});

describe('poison records', () => {
  it('go to the DLQ with their reason; the same partition keeps flowing', async () => {
    const t = topics(config);
    const stream = 'profile-77'; // one key: every record below lands in one partition
    const factory = new TestEventFactory({
      stream,
      origin: 'us',
      startWall: Date.now(),
      seed: config.namespace,
    });
    const rogue = createSigner('us', generateRegionKeyPair().privateKey);
    const mars = createSigner('mars', generateRegionKeyPair().privateKey);
    const [first] = signAll(config, [factory.event({ type: 'Set', data: { n: 1 } })]);
    const forged = signEnvelope(factory.event({ type: 'Set', data: { n: 2 } }), rogue);
    const alien = signEnvelope(
      factory.event({ type: 'Set', origin: 'mars', data: { n: 3 } }),
      mars,
    );
    // A correctly signed event whose parent lives in another stream: refused at apply time.
    const [other] = signAll(config, [
      factory.event({ type: 'Set', stream: 'profile-other', parents: [] }),
    ]);
    const crossed = signEnvelope(
      factory.event({ type: 'Set', parents: [other!.id], data: { n: 4 } }),
      signers(config).get('us')!,
    );
    const [last] = signAll(config, [
      factory.event({ type: 'Set', parents: [first!.id], data: { n: 5 } }),
    ]);
    const record = (value: Buffer | string): OutgoingRecord => ({
      topic: t.events('us'),
      key: stream,
      value,
    });
    const poison: [string, OutgoingRecord, string | undefined][] = [
      ['ENVELOPE_INVALID', record(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00])), '$'],
      ['ENVELOPE_INVALID', record(JSON.stringify({ hello: 'world' })), undefined],
      ['SIGNATURE_INVALID', record(serializeEnvelope(forged)), undefined],
      ['ENVELOPE_TOO_LARGE', record(Buffer.alloc(10 * 1024 * 1024, 0x7b)), '$'],
      ['UNKNOWN_REGION', record(serializeEnvelope(alien)), 'origin'],
    ];
    const p = producers.of('us');
    // In order, on one partition: valid, five poisons, the other stream's event, crossed, valid.
    await p.send(record(serializeEnvelope(first!)));
    for (const [, r] of poison) await p.send(r);
    await p.send({ topic: t.events('us'), key: 'profile-other', value: serializeEnvelope(other!) });
    await p.send(record(serializeEnvelope(crossed)));
    await p.send(record(serializeEnvelope(last!)));

    await waitFor(async () => (await appliedIds(pool)).includes(last!.id), {
      timeoutMs: 60_000,
      message: 'the valid event after the poison is applied',
    });
    const applied = await appliedIds(pool);
    expect(applied).toEqual(expect.arrayContaining([first!.id, other!.id, last!.id]));
    expect(applied).not.toContain(crossed.id);
    expect(applied).not.toContain(forged.id);

    const dlq = await readTopic(config, 'us', t.dlq('us'), { expected: 6, timeoutMs: 30_000 });
    expect(dlq).toHaveLength(6);
    const byOffset = [...dlq].sort(
      (a, b) =>
        Number(a.headers[DLQ_HEADERS.sourceOffset]) - Number(b.headers[DLQ_HEADERS.sourceOffset]),
    );
    expect(byOffset.map((r) => r.headers[DLQ_HEADERS.code])).toEqual([
      ...poison.map(([code]) => code),
      'ENVELOPE_INVALID',
    ]);
    byOffset.slice(0, 5).forEach((r, i) => {
      const field = poison[i]![2];
      if (field !== undefined) expect(r.headers[DLQ_HEADERS.field]).toBe(field);
      expect(r.headers[DLQ_HEADERS.sourceTopic]).toBe(t.events('us'));
    });
    expect(byOffset[2]!.headers[DLQ_HEADERS.reason]).toBe('bad-signature');
    expect(byOffset[3]!.headers[DLQ_HEADERS.truncated]).toBe('true');
    expect(byOffset[3]!.headers[DLQ_HEADERS.originalSize]).toBe(String(10 * 1024 * 1024));
    expect(byOffset[5]!.headers).toMatchObject({
      [DLQ_HEADERS.field]: 'parents',
      [DLQ_HEADERS.reason]: 'parent-in-other-stream',
    });
    expect(JSON.parse(byOffset[5]!.value!.toString()).id).toBe(crossed.id);
    // Source offsets are consecutive on one partition, and all stored.
    const offsets = byOffset.map((r) => Number(r.headers[DLQ_HEADERS.sourceOffset]));
    expect(offsets.slice(0, 5)).toEqual([1, 2, 3, 4, 5].map((n) => offsets[0]! + n - 1));

    const metrics = await fetch(`${mirror.url}/metrics`).then((r) => r.text());
    expect(metricValue(metrics, 'concord_dlq_total', { reason: 'ENVELOPE_INVALID' })).toBe(3);
    expect(metricValue(metrics, 'concord_dlq_total', { reason: 'SIGNATURE_INVALID' })).toBe(1);
    expect(metricValue(metrics, 'concord_dlq_total', { reason: 'ENVELOPE_TOO_LARGE' })).toBe(1);
    expect(metricValue(metrics, 'concord_dlq_total', { reason: 'UNKNOWN_REGION' })).toBe(1);

    // The applied feed: every applied event, in applied order, on partition 0.
    const feed = await readTopic(config, 'us', t.applied('us'), { expected: applied.length });
    expect(feed.map((r) => r.headers[APPLIED_HEADERS.id])).toEqual(applied);
    expect(new Set(feed.map((r) => r.partition))).toEqual(new Set([0]));
    expect(feed.map((r) => Number(r.headers[APPLIED_HEADERS.appliedSeq]))).toEqual(
      [...feed.map((r) => Number(r.headers[APPLIED_HEADERS.appliedSeq]))].sort((a, b) => a - b),
    );
  });
});
