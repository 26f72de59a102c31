import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainRegistry } from '@concord/core';
import { defaultDomains } from '@concord/domains';
import { createPool, migrate, type pg } from '@concord/postgres';
import { LocalDigests } from './LocalDigests.js';

/**
 * The idle round of LocalDigests: no statement wrote what a digest reads (`change_seq`) →
 * no full read; any write (here a hand edit, as a corruption would be) → the next round reads
 * everything and sees it; and a full read at least every `fullEveryMs` whatever the sequence.
 */
const server = process.env.CONCORD_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const database = `concord_digests_${randomBytes(4).toString('hex')}`;
const url = Object.assign(new URL(server), { pathname: `/${database}` }).toString();
let pool: pg.Pool;
/** Clients checked out by the caller: one per full read (the skip is one `pool.query`). */
let transactions = 0;

beforeAll(async () => {
  await migrate(url);
  pool = createPool(url);
  const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
  // pool.query checks a client out through connect(callback): only count the caller's own.
  (pool as unknown as { connect: (...args: unknown[]) => unknown }).connect = (...args) => {
    if (args.length === 0) transactions++;
    return connect(...args);
  };
});

afterAll(async () => {
  await pool?.end();
  const admin = createPool(server);
  await admin.query(`drop database if exists ${database} with (force)`);
  await admin.end();
});

const registry = new DomainRegistry(defaultDomains);

describe('LocalDigests rounds', () => {
  it('skips the full read while nothing was written, and sees a hand edit at the next round', async () => {
    const digests = new LocalDigests(pool, 'us', registry, Date.now, 60_000);
    const first = await digests.snapshot(0);
    expect(first.mismatches).toEqual([]);
    const full = transactions;
    const again = await digests.snapshot(0);
    expect(transactions).toBe(full);
    expect(again.computedAt).toBeGreaterThanOrEqual(first.computedAt);
    expect(again.rollups).toEqual(first.rollups);

    // A stored row with no event behind it (a corruption): written, so read at once.
    await pool.query(
      `insert into projection.streams (stream, category, state, heads, version, ids_hash, state_hash, bucket)
       values ('account-orphan', 'account', '{}', '{}', 1, 'x', 'y', 0)`,
    );
    const after = await digests.snapshot(0);
    expect(transactions).toBe(full + 1);
    expect(after.mismatches).toEqual([{ stream: 'account-orphan', problems: ['row-orphan'] }]);
  });

  it('reads everything at least every fullEveryMs, written or not', async () => {
    const digests = new LocalDigests(pool, 'us', registry, Date.now, 0);
    await digests.snapshot(0);
    const before = transactions;
    await digests.snapshot(0);
    await digests.snapshot(0);
    expect(transactions).toBe(before + 2);
  });
});
