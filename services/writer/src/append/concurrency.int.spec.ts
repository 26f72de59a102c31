import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConcordConfig } from '@concord/config';
import type { RunningWriter } from '../startWriter.js';
import {
  cleanup,
  client,
  prepareNamespace,
  readEventsTopic,
  startTestWriter,
  writerTestConfig,
} from '../testing/writerFixture.js';

/** Per-stream serialisation within the region, and idempotency under concurrency. */
let config: ConcordConfig;
let writer: RunningWriter;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  config = writerTestConfig();
  await prepareNamespace(config);
  writer = await startTestWriter(config);
  api = client(writer.url);
});

afterAll(async () => {
  await writer?.close();
  await cleanup(config);
});

/** Checks that the events of `stream` in the topic form one chain, in offset order. */
function assertSingleChain(records: Awaited<ReturnType<typeof readEventsTopic>>, stream: string) {
  const mine = records.filter((r) => r.key === stream);
  expect(new Set(mine.map((r) => r.partition)).size).toBe(1);
  mine.sort((a, b) => Number(BigInt(a.offset) - BigInt(b.offset)));
  expect(mine[0]!.value.parents).toEqual([]);
  for (let i = 1; i < mine.length; i++) {
    expect(mine[i]!.value.parents).toEqual([mine[i - 1]!.value.id]);
  }
  return mine;
}

describe('one region, one stream, many concurrent appends', () => {
  it('200 concurrent appends to one stream form a single chain (no fork)', async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => api.append('hot-1', { type: 'T', data: { i } })),
    );
    expect(results.every((r) => r.status === 201)).toBe(true);
    const chain = assertSingleChain(await readEventsTopic(config), 'hot-1');
    expect(chain).toHaveLength(200);
    expect(new Set(chain.map((r) => r.value.id))).toEqual(
      new Set(results.map((r) => r.body.event.id)),
    );
  });

  it('two writer processes of the region share the Redis lock: still a single chain', async () => {
    const second = await startTestWriter(config);
    try {
      const other = client(second.url);
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          (i % 2 ? api : other).append('hot-2', { type: 'T', data: { i } }),
        ),
      );
      expect(results.every((r) => r.status === 201)).toBe(true);
      expect(assertSingleChain(await readEventsTopic(config), 'hot-2')).toHaveLength(100);
    } finally {
      await second.close();
    }
  });

  it('200 concurrent appends to 200 streams all succeed', async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => api.append(`many-${i}`, { type: 'T', data: { i } })),
    );
    expect(results.map((r) => r.status)).toEqual(Array.from({ length: 200 }, () => 201));
    expect(results.every((r) => r.body.event.parents.length === 0)).toBe(true);
  });
});

describe('idempotency under concurrency', () => {
  it('the same request 10× at once: one event, nine 200 duplicates with the same id', async () => {
    const body = { type: 'T', data: { amount: 1 }, idempotencyKey: 'pay-1' };
    const results = await Promise.all(Array.from({ length: 10 }, () => api.append('idem-1', body)));
    expect(results.map((r) => r.status).sort()).toEqual([
      200, 200, 200, 200, 200, 200, 200, 200, 200, 201,
    ]);
    const ids = new Set(results.map((r) => r.body.event.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.body.duplicate)).toHaveLength(9);
    const inKafka = (await readEventsTopic(config)).filter((r) => r.key === 'idem-1');
    expect(inKafka.map((r) => r.value.id)).toEqual([...ids]);
  });
});
