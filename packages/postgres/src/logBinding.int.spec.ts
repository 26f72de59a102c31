import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { bindToLog, createPool, migrate, pg } from './index.js';

const server = process.env.CONCORD_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const databases: string[] = [];

function freshUrl(): string {
  const database = `concord_bind_${randomBytes(4).toString('hex')}`;
  databases.push(database);
  return Object.assign(new URL(server), { pathname: `/${database}` }).toString();
}

afterAll(async () => {
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  for (const d of databases) await admin.query(`drop database if exists ${d} with (force)`);
  await admin.end();
});

async function addEvent(url: string): Promise<void> {
  const pool = createPool(url, { max: 1 });
  try {
    await pool.query(
      `insert into projection.events
         (id, stream, type, origin, hlc_wall, hlc_logical, parents, data, envelope, fold_pos, source)
       values (gen_random_uuid(), 'profile-1', 'ProfileUpdated', 'us', 1, 0, '{}', '{}', '{}', 0, 'test')`,
    );
  } finally {
    await pool.end();
  }
}

async function eventCount(url: string): Promise<number> {
  const pool = createPool(url, { max: 1 });
  try {
    const { rows } = await pool.query<{ n: string }>('select count(*) as n from projection.events');
    return Number(rows[0]!.n);
  } finally {
    await pool.end();
  }
}

describe('bindToLog', () => {
  it('binds an empty database, keeps a database of the same log, recreates one of another log', async () => {
    const url = freshUrl();
    await migrate(url);
    expect(await bindToLog(url, 'cluster-A', { logIsNew: true })).toEqual({ kind: 'bound' });
    await addEvent(url);
    expect(await bindToLog(url, 'cluster-A', { logIsNew: false })).toEqual({ kind: 'unchanged' });
    expect(await eventCount(url)).toBe(1);

    expect(await bindToLog(url, 'cluster-B', { logIsNew: false })).toEqual({
      kind: 'recreated',
      previousClusterId: 'cluster-A',
    });
    expect(await eventCount(url)).toBe(0);
    expect(await bindToLog(url, 'cluster-B', { logIsNew: false })).toEqual({ kind: 'unchanged' });
  });

  it('a database older than bindings: kept when its log is not new, recreated when the log was just formatted', async () => {
    const kept = freshUrl();
    await migrate(kept);
    await addEvent(kept);
    expect(await bindToLog(kept, 'cluster-A', { logIsNew: false })).toEqual({ kind: 'bound' });
    expect(await eventCount(kept)).toBe(1);

    const stale = freshUrl();
    await migrate(stale);
    await addEvent(stale);
    expect(await bindToLog(stale, 'cluster-A', { logIsNew: true })).toEqual({
      kind: 'recreated',
      previousClusterId: undefined,
    });
    expect(await eventCount(stale)).toBe(0);
  });
});
