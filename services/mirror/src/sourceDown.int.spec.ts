import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestEventFactory } from '@concord/core';
import type { pg } from '@concord/postgres';
import {
  cleanupNamespace,
  createDatabases,
  createTopics,
  regionPool,
  RegionProducers,
  signAll,
  testConfig,
  testStack,
  waitFor,
} from '@concord/test-support';
import { startMirror, type MirrorHandle } from './index.js';

const config = testConfig({ CONCORD_INSECURE: 'true', CONCORD_LOG_LEVEL: 'silent' });
const stack = testStack(config);
const producers = new RegionProducers(config);
let mirror: MirrorHandle;
let pool: pg.Pool;

beforeAll(async () => {
  await Promise.all([createTopics(config), createDatabases(config)]);
  pool = regionPool(config, 'eu');
  mirror = await startMirror(config, { region: 'eu', port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await stack.links.heal('us', 'eu').catch(() => undefined);
  await mirror?.close();
  await producers.close();
  await pool?.end();
  await cleanupNamespace(config);
});

async function applied(id: string): Promise<boolean> {
  const { rowCount } = await pool.query('select 1 from projection.events where id = $1', [id]);
  return rowCount === 1;
}

describe('a source cluster unreachable', () => {
  it('stalls only that source: the others keep being applied; after heal it catches up', async () => {
    const factory = new TestEventFactory({ startWall: Date.now(), seed: config.namespace });
    const event = (origin: string, stream: string) =>
      signAll(config, [factory.event({ type: 'Set', stream, origin, data: { origin } })])[0]!;
    const warm = [event('us', 'w-us'), event('eu', 'w-eu'), event('ap', 'w-ap')];
    await producers.sendEvents(warm);
    await waitFor(async () => (await Promise.all(warm.map((e) => applied(e.id)))).every(Boolean), {
      timeoutMs: 60_000,
      message: 'every source consumed',
    });
    try {
      await stack.links.partition('us', 'eu', { oneway: true }); // eu can no longer read us
      const fromUs = event('us', 'cut-us');
      await producers.sendEvents([fromUs]);
      const others = [event('eu', 'cut-eu'), event('ap', 'cut-ap')];
      await producers.sendEvents(others);
      await waitFor(
        async () => (await Promise.all(others.map((e) => applied(e.id)))).every(Boolean),
        {
          timeoutMs: 30_000,
          message: 'eu and ap events applied while us is cut off',
        },
      );
      expect(await applied(fromUs.id)).toBe(false);
      await stack.links.heal('us', 'eu');
      await waitFor(() => applied(fromUs.id), {
        timeoutMs: 60_000,
        message: 'us event applied after heal',
      });
    } finally {
      await stack.links.heal('us', 'eu');
    }
  });
});
