import { describe, expect, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import { isConcordClientError } from '../errors.js';
import type { SqlClient, SqlPool } from './checkpointStore.js';
import { consumeApplied } from './consumeApplied.js';

/** A Kafka and a pool that fail the test if consumeApplied touches them. */
const untouchedKafka = new Proxy({} as Kafka, {
  get: () => {
    throw new Error('consumeApplied touched Kafka');
  },
});
const untouchedPool: SqlPool<SqlClient> = {
  connect: () => Promise.reject(new Error('consumeApplied touched Postgres')),
};
const base = {
  region: 'eu',
  group: 'notifier',
  handler: () => undefined,
  checkpoint: { pool: untouchedPool },
};

describe('consumeApplied', () => {
  it('resolves without connecting when its signal is aborted before the start', async () => {
    const stats = await consumeApplied({
      ...base,
      kafka: untouchedKafka,
      signal: AbortSignal.abort(),
    });
    expect(stats).toEqual({ handled: 0, duplicates: 0, behind: 0, invalid: 0 });
    await expect(
      consumeApplied({ ...base, brokers: ['127.0.0.1:1'], signal: AbortSignal.abort() }),
    ).resolves.toEqual({ handled: 0, duplicates: 0, behind: 0, invalid: 0 });
  });

  it('refuses invalid options with CLIENT_INVALID', async () => {
    const refused = async (options: Parameters<typeof consumeApplied>[0]) => {
      const error = await consumeApplied(options).catch((e: unknown) => e);
      expect(isConcordClientError(error, 'CLIENT_INVALID')).toBe(true);
      return (error as Error).message;
    };
    expect(await refused({ ...base })).toMatch(/brokers or kafka/);
    expect(await refused({ ...base, brokers: [], kafka: untouchedKafka })).toMatch(
      /brokers or kafka/,
    );
    expect(await refused({ ...base, brokers: [] })).toMatch(/no brokers/);
    expect(await refused({ ...base, kafka: untouchedKafka, region: 'EU' })).toMatch(/region/);
    expect(await refused({ ...base, kafka: untouchedKafka, group: '' })).toMatch(/group/);
    expect(
      await refused({
        ...base,
        kafka: untouchedKafka,
        checkpoint: { pool: untouchedPool, schema: 'x;drop' },
      }),
    ).toMatch(/schema/);
    expect(
      await refused({ ...base, kafka: untouchedKafka, onInvalid: 'ignore' as 'skip' }),
    ).toMatch(/onInvalid/);
  });

  it('rejects with APPLIED_CONSUMER_FAILED when the checkpoint tables cannot be created', async () => {
    const error = await consumeApplied({ ...base, kafka: untouchedKafka }).catch((e: unknown) => e);
    expect(isConcordClientError(error, 'APPLIED_CONSUMER_FAILED')).toBe(true);
    expect((error as Error).cause).toEqual(new Error('consumeApplied touched Postgres'));
  });
});
