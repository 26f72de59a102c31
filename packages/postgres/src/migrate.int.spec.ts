import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { isConcordError } from '@concord/core';
import {
  createPool,
  createProjectionSchema,
  inTransaction,
  mapPgError,
  migrate,
  pg,
} from './index.js';

const server = process.env.CONCORD_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const database = `concord_migrate_${randomBytes(4).toString('hex')}`;
const url = Object.assign(new URL(server), { pathname: `/${database}` }).toString();

afterAll(async () => {
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`drop database if exists ${database} with (force)`);
  await admin.end();
});

describe('migrate', () => {
  it('creates the database and schema once, even when run concurrently', async () => {
    const results = await Promise.all([migrate(url), migrate(url), migrate(url)]);
    expect(results.flatMap((r) => r.applied).sort()).toEqual([1, 2, 3, 4]);
    expect((await migrate(url)).applied).toEqual([]);

    const pool = createPool(url);
    try {
      const { rows } = await pool.query<{ table_name: string; table_schema: string }>(
        `select table_schema, table_name from information_schema.tables
         where table_schema in ('concord', 'projection') order by 1, 2`,
      );
      expect(rows.map((r) => `${r.table_schema}.${r.table_name}`)).toEqual([
        'concord.fence',
        'concord.log_binding',
        'concord.migrations',
        'projection.account_balances',
        'projection.cart_items',
        'projection.conflicts',
        'projection.digest_buckets',
        'projection.dlq_outbox',
        'projection.events',
        'projection.feed_position',
        'projection.mirror_state',
        'projection.pending',
        'projection.profiles',
        'projection.source_offsets',
        'projection.stream_snapshots',
        'projection.streams',
      ]);
    } finally {
      await pool.end();
    }
  });

  it('builds a fresh projection schema beside the live one and rolls back on failure', async () => {
    const pool = createPool(url);
    try {
      await inTransaction(pool, (c) => createProjectionSchema(c, 'projection_next'));
      const { rowCount } = await pool.query(
        `select 1 from information_schema.tables where table_schema = 'projection_next' and table_name = 'events'`,
      );
      expect(rowCount).toBe(1);
      await expect(
        inTransaction(pool, async (c) => {
          await createProjectionSchema(c, 'projection_broken');
          await c.query('select * from no_such_table');
        }),
      ).rejects.toMatchObject({ code: 'INTERNAL', details: { sqlstate: '42P01' } });
      const broken = await pool.query(
        `select 1 from information_schema.schemata where schema_name = 'projection_broken'`,
      );
      expect(broken.rowCount).toBe(0);
    } finally {
      await pool.end();
    }
  });

  it('maps an unreachable server to a retriable STORE_UNAVAILABLE', async () => {
    const pool = createPool('postgres://postgres@127.0.0.1:1/postgres', {
      connectionTimeoutMillis: 500,
    });
    try {
      const error = await pool.query('select 1').catch((e: unknown) => mapPgError(e));
      expect(isConcordError(error, 'STORE_UNAVAILABLE')).toBe(true);
      expect((error as { retriable: boolean }).retriable).toBe(true);
    } finally {
      await pool.end();
    }
  });
});
