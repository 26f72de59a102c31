import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isConcordClientError } from '../errors.js';
import { parseAppliedRecord, type ParsedAppliedRecord } from './appliedRecord.js';
import { positionVerdict, processRecord, type AppliedHandler } from './processRecord.js';
import { envelopeOf, feedRecordOf } from '../testing/appliedRecords.fixtures.js';
import { MemoryCheckpointStore, type MemoryClient } from '../testing/memoryCheckpointStore.js';

const key = { group: 'notifier', topic: 'concord.applied.eu', partition: 0 };
const record = (offset: number, id: string): ParsedAppliedRecord =>
  parseAppliedRecord(feedRecordOf(envelopeOf(id), { offset: String(offset) }));
const malformed: ParsedAppliedRecord = { ok: false, reason: 'value is not JSON' };
const write: AppliedHandler<MemoryClient> = (event, client) => {
  client.writes.push(event.id);
};

describe('processRecord', () => {
  it('runs the handler once per record and moves the checkpoint past it', async () => {
    const store = new MemoryCheckpointStore();
    expect(await processRecord(store, key, 0n, record(0, 'a'), write, 'stop')).toBe('handled');
    expect(await processRecord(store, key, 1n, record(1, 'b'), write, 'stop')).toBe('handled');
    expect(store.writes).toEqual(['a', 'b']);
    expect(store.checkpointOf(key)).toBe(2n);
    expect(await store.load(key)).toBe(2n);
  });

  it('skips a record before the checkpoint (redelivered after a restart or rebalance)', async () => {
    const store = new MemoryCheckpointStore();
    await processRecord(store, key, 0n, record(0, 'a'), write, 'stop');
    await processRecord(store, key, 1n, record(1, 'b'), write, 'stop');
    expect(await processRecord(store, key, 0n, record(0, 'a'), write, 'stop')).toBe('behind');
    expect(store.writes).toEqual(['a', 'b']);
    expect(store.checkpointOf(key)).toBe(2n);
  });

  it('handles a duplicate of an event (same id, another offset) once and moves on', async () => {
    const store = new MemoryCheckpointStore();
    await processRecord(store, key, 0n, record(0, 'a'), write, 'stop');
    expect(await processRecord(store, key, 1n, record(1, 'a'), write, 'stop')).toBe('duplicate');
    expect(store.writes).toEqual(['a']);
    expect(store.checkpointOf(key)).toBe(2n);
    // Another group handles it for itself.
    const other = { ...key, group: 'other' };
    expect(await processRecord(store, other, 1n, record(1, 'a'), write, 'stop')).toBe('handled');
  });

  it('a failing handler rolls back its writes, the seen id and the checkpoint', async () => {
    const store = new MemoryCheckpointStore();
    const failing: AppliedHandler<MemoryClient> = (event, client) => {
      client.writes.push(event.id);
      throw new Error('app bug');
    };
    const error = await processRecord(store, key, 0n, record(0, 'a'), failing, 'stop').catch(
      (e: unknown) => e,
    );
    expect(isConcordClientError(error, 'APPLIED_HANDLER_FAILED')).toBe(true);
    expect((error as Error).cause).toEqual(new Error('app bug'));
    expect(store.writes).toEqual([]);
    expect(store.checkpointOf(key)).toBeNull();
    expect(await processRecord(store, key, 0n, record(0, 'a'), write, 'stop')).toBe('handled');
    expect(store.writes).toEqual(['a']);
  });

  it('a crash before the commit leaves nothing: the redelivered record is handled once', async () => {
    const store = new MemoryCheckpointStore();
    store.crashBeforeCommit = true;
    await expect(processRecord(store, key, 0n, record(0, 'a'), write, 'stop')).rejects.toThrow(
      'crashed before commit',
    );
    expect(store.writes).toEqual([]);
    expect(await processRecord(store, key, 0n, record(0, 'a'), write, 'stop')).toBe('handled');
    expect(store.writes).toEqual(['a']);
  });

  it("malformed: 'stop' rejects with APPLIED_RECORD_INVALID; 'skip' records it and moves on", async () => {
    const store = new MemoryCheckpointStore();
    const error = await processRecord(store, key, 0n, malformed, write, 'stop').catch(
      (e: unknown) => e,
    );
    expect(isConcordClientError(error, 'APPLIED_RECORD_INVALID')).toBe(true);
    expect((error as { details: unknown }).details).toEqual({
      topic: key.topic,
      partition: 0,
      offset: '0',
      reason: 'value is not JSON',
    });
    expect(store.checkpointOf(key)).toBeNull();
    expect(await processRecord(store, key, 0n, malformed, write, 'skip')).toBe('invalid');
    expect(store.invalid).toEqual([`notifier|${key.topic}|0@0: value is not JSON`]);
    expect(store.checkpointOf(key)).toBe(1n);
    expect(await processRecord(store, key, 1n, record(1, 'a'), write, 'stop')).toBe('handled');
  });

  it('positionVerdict: behind strictly before the checkpoint, handle from it on', () => {
    fc.assert(
      fc.property(
        fc.option(fc.bigInt({ min: 0n, max: 2n ** 63n })),
        fc.bigInt({ min: 0n, max: 2n ** 63n }),
        (next, offset) => {
          expect(positionVerdict(next, offset)).toBe(
            next !== null && offset < next ? 'behind' : 'handle',
          );
        },
      ),
    );
  });

  it('property: crashes, restarts and duplicates on the feed → every event id handled exactly once, in feed order', async () => {
    await fc.assert(
      fc.asyncProperty(
        // The feed: event ids with repeats (the at-least-once feed republishes records).
        fc.array(fc.integer({ min: 0, max: 15 }), { minLength: 1, maxLength: 40 }),
        // Per delivery: crash before commit? Per restart: how far back Kafka redelivers.
        fc.infiniteStream(fc.boolean()),
        fc.infiniteStream(fc.nat(10)),
        async (feed, crashes, rewinds) => {
          const store = new MemoryCheckpointStore();
          const ids = feed.map((n) => `e${n}`);
          let position = 0;
          for (let step = 0; position < ids.length && step < 10 * ids.length + 10; step++) {
            store.crashBeforeCommit = crashes.next().value as boolean;
            const outcome = await processRecord(
              store,
              key,
              BigInt(position),
              record(position, ids[position]!),
              write,
              'stop',
            ).catch(() => 'crash' as const);
            if (outcome === 'crash') {
              // Restart: the consumer seeks to the checkpoint; Kafka may also redeliver older records.
              const next = Number(store.checkpointOf(key) ?? 0n);
              position = Math.max(0, next - (rewinds.next().value as number));
            } else {
              position += 1;
            }
          }
          // Without crashes to the end (the last steps), everything is handled.
          for (; position < ids.length; position++) {
            await processRecord(
              store,
              key,
              BigInt(position),
              record(position, ids[position]!),
              write,
              'stop',
            );
          }
          expect(store.writes).toEqual([...new Set(ids)]);
          expect(store.checkpointOf(key)).toBe(BigInt(ids.length));
        },
      ),
      { numRuns: 200 },
    );
  });
});
