import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainRegistry, sleep } from '@concord/core';
import { defaultDomains } from '@concord/domains';
import { createPool, migrate, type pg } from '@concord/postgres';
import {
  cleanupNamespace,
  createTopics,
  PrivatePostgres,
  RegionProducers,
  signAll,
  testConfig,
  waitFor,
} from '@concord/test-support';
import { checkProjection, startMirror, type MirrorHandle } from './index.js';
import {
  appliedIds,
  offsetsBehindLogEnd,
  readModelDrift,
  randomHistory,
} from './testing/signedEvents.fixtures.js';

const base = testConfig({ CONCORD_INSECURE: 'true', CONCORD_LOG_LEVEL: 'error' });
const registry = new DomainRegistry(defaultDomains);
const producers = new RegionProducers(base);
let server: PrivatePostgres;
let pool: pg.Pool;
let mirror: MirrorHandle | undefined;
let config = base;

beforeAll(async () => {
  server = await PrivatePostgres.start();
  const us = base.byRegion['us']!;
  const url = server.url(us.postgres.database);
  config = {
    ...base,
    byRegion: { ...base.byRegion, us: { ...us, postgres: { ...us.postgres, url } } },
  };
  await Promise.all([createTopics(config), migrate(url)]);
  pool = createPool(url, { max: 2 });
});

afterAll(async () => {
  await mirror?.close();
  await producers.close();
  await pool?.end();
  await server?.destroy();
  await cleanupNamespace(base);
});

async function count(): Promise<number | undefined> {
  try {
    const { rows } = await pool.query<{ n: string }>('select count(*) as n from projection.events');
    return Number(rows[0]!.n);
  } catch {
    return undefined;
  }
}

describe('Postgres of the region restarted under load', () => {
  it('the mirror waits, resumes by itself and loses nothing (fast shutdown, then a crash)', async () => {
    mirror = await startMirror(config, { region: 'us', port: 0, host: '127.0.0.1' });
    const produced = new Set<string>();
    let loading = true;
    const load = (async () => {
      for (let seed = 1; loading; seed++) {
        const events = signAll(
          config,
          randomHistory({ seed, ops: 200, regions: config.regions, streamSuffix: `-${seed}` }),
        );
        for (let i = 0; i < events.length && loading; i += 20) {
          const chunk = events.slice(i, i + 20);
          await producers.sendEvents(chunk);
          for (const e of chunk) produced.add(e.id);
          await sleep(25);
        }
      }
    })();
    for (const mode of ['fast', 'immediate'] as const) {
      const before = (await count()) ?? 0;
      await waitFor(async () => ((await count()) ?? 0) > before + 50, {
        timeoutMs: 60_000,
        message: 'applying under load',
      });
      await server.stop(mode);
      await sleep(3000); // writes keep landing in Kafka meanwhile
      expect(mirror.stats().failures).toBeGreaterThan(0);
      const ready = await fetch(`${mirror.url}/readyz`);
      expect(ready.status).toBe(503);
      await server.start();
      await waitFor(async () => ((await count()) ?? 0) > before + 100, {
        timeoutMs: 60_000,
        message: `resumed after the ${mode} restart`,
      });
    }
    loading = false;
    await load;
    await waitFor(async () => ((await count()) ?? 0) >= produced.size, {
      timeoutMs: 120_000,
      intervalMs: 500,
      message: 'every produced event applied',
    });
    expect(new Set(await appliedIds(pool))).toEqual(produced);
    expect((await appliedIds(pool)).length).toBe(produced.size);
    expect(await offsetsBehindLogEnd(config, pool)).toEqual([]);
    expect(await readModelDrift(pool)).toEqual([]);
    const client = await pool.connect();
    try {
      const check = await checkProjection(client, 'projection', registry);
      expect(check.mismatches).toEqual([]);
      expect(check.ok).toBe(true);
    } finally {
      client.release();
    }
    expect((await fetch(`${mirror.url}/readyz`)).status).toBe(200);
  });
});
