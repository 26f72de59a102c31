import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { isConcordError } from '@concord/core';
import { createPool, inTransaction, migrate, pg, withClient } from './index.js';

const server = process.env.CONCORD_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const database = `concord_connect_${randomBytes(4).toString('hex')}`;
const url = Object.assign(new URL(server), { pathname: `/${database}` }).toString();

afterAll(async () => {
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`drop database if exists ${database} with (force)`);
  await admin.end();
});

async function terminate(pid: number): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query('select pg_terminate_backend($1)', [pid]);
  await admin.end();
}

describe('inTransaction with a lock', () => {
  it('takes the advisory lock with begin: transactions holding it run one at a time', async () => {
    await migrate(url);
    const pool = createPool(url, { max: 4 });
    try {
      const spans: [number, number][] = [];
      await Promise.all(
        [1, 2, 3].map(() =>
          inTransaction(
            pool,
            async (client) => {
              const started = Date.now();
              await client.query('select pg_sleep(0.1)');
              spans.push([started, Date.now()]);
            },
            { lock: 424242 },
          ),
        ),
      );
      spans.sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < spans.length; i++)
        expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
      await expect(inTransaction(pool, async () => 1, { lock: 1.5 })).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      });
    } finally {
      await pool.end();
    }
  });
});

describe('a connection lost while a client is checked out', () => {
  it('is a retriable error of the next query, never an uncaught exception', async () => {
    await migrate(url);
    const pool = createPool(url, { max: 2 });
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      for (const run of [withClient, inTransaction] as const) {
        const error = await run(pool, async (client) => {
          const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
          await terminate(rows[0]!.pid);
          await new Promise((r) => setTimeout(r, 200)); // the lost connection surfaces here
          await client.query('select 1');
        }).catch((e: unknown) => e);
        expect(isConcordError(error, 'STORE_UNAVAILABLE')).toBe(true);
      }
      // The pool replaced the broken clients.
      expect((await pool.query('select 1 as ok')).rows).toEqual([{ ok: 1 }]);
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await pool.end();
    }
  });
});
