import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appliedPositions, createPool, migrate, type pg } from '../index.js';

const server = process.env.CONCORD_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const database = `concord_session_${randomBytes(4).toString('hex')}`;
const url = Object.assign(new URL(server), { pathname: `/${database}` }).toString();
let pool: pg.Pool;

beforeAll(async () => {
  await migrate(url);
  pool = createPool(url);
});

afterAll(async () => {
  await pool?.end();
  const admin = createPool(server);
  await admin.query(`drop database if exists ${database} with (force)`);
  await admin.end();
});

const US = 'ns.events.us';
const at = (origin: string, topic: string, partition: number, offset: number) => ({
  key: `${origin}/${partition}@${offset}`,
  origin,
  topic,
  partition,
  offset,
});

async function park(source: string, origin: string): Promise<string> {
  const id = randomUUID();
  await pool.query(
    `insert into projection.pending (id, stream, envelope, missing, source)
     values ($1, 's', $2, '{}', $3)`,
    [id, JSON.stringify({ id, origin }), source],
  );
  return id;
}

describe('appliedPositions', () => {
  it('a position is applied once the mirror stored an offset beyond it and parked nothing at or below it', async () => {
    const asked = [
      at('us', US, 0, 4),
      at('us', US, 0, 5),
      at('us', US, 1, 0),
      at('eu', 'ns.events.eu', 0, 0),
    ];
    expect(await appliedPositions(pool, asked)).toEqual(new Set());
    await pool.query(
      `insert into projection.source_offsets (topic, partition, next_offset) values ($1, 0, 5)`,
      [US],
    );
    expect(await appliedPositions(pool, asked)).toEqual(new Set(['us/0@4']));

    // An event of us/0 at offset 3 is parked (waiting for a dependency): 4 is not applied through.
    const parked = await park(`${US}:0@3`, 'us');
    expect(await appliedPositions(pool, asked)).toEqual(new Set());
    // One parked at a higher offset, or in another partition (10 ≠ 1), does not hold it back.
    await pool.query('delete from projection.pending where id = $1', [parked]);
    await park(`${US}:0@7`, 'us');
    await park(`${US}:10@1`, 'us');
    expect(await appliedPositions(pool, asked)).toEqual(new Set(['us/0@4']));

    // An event of us parked from another topic (a repair) holds back every position of us.
    const repaired = await park('ns.repair.eu:0@0', 'us');
    expect(await appliedPositions(pool, asked)).toEqual(new Set());
    await pool.query('delete from projection.pending where id = $1', [repaired]);
    await park('ns.repair.eu:0@1', 'eu');
    expect(await appliedPositions(pool, [at('us', US, 0, 4)])).toEqual(new Set(['us/0@4']));
    expect(await appliedPositions(pool, [])).toEqual(new Set());
  });
});
