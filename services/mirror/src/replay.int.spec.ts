import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainRegistry, TestEventFactory, type Envelope } from '@concord/core';
import { defaultDomains } from '@concord/domains';
import type { pg } from '@concord/postgres';
import {
  cleanupNamespace,
  createDatabases,
  createTopics,
  regionPool,
  RegionProducers,
  signAll,
  testConfig,
  waitFor,
} from '@concord/test-support';
import {
  checkProjection,
  replayProjection,
  startMirror,
  type MirrorHandle,
  type ReplayResult,
} from './index.js';
import { appliedIds, randomHistory } from './testing/signedEvents.fixtures.js';

const root = resolve(import.meta.dirname, '../../..');
const config = testConfig({ CONCORD_INSECURE: 'true', CONCORD_LOG_LEVEL: 'error' });
const registry = new DomainRegistry(defaultDomains);
const producers = new RegionProducers(config);
let mirror: MirrorHandle;
let pool: pg.Pool;
const produced = new Set<string>();

beforeAll(async () => {
  await Promise.all([createTopics(config), createDatabases(config)]);
  pool = regionPool(config, 'us');
  mirror = await startMirror(config, { region: 'us', port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await mirror?.close();
  await producers.close();
  await pool?.end();
  await cleanupNamespace(config);
});

async function send(events: Envelope[]) {
  await producers.sendEvents(events);
  for (const e of events) produced.add(e.id);
}

/** Writes in every region while `during` runs: the live mirror keeps applying. */
async function withTraffic<T>(during: () => Promise<T>): Promise<T> {
  const factory = new TestEventFactory({
    startWall: Date.now(),
    seed: `${config.namespace}-${produced.size}`,
  });
  let on = true;
  let n = 0;
  const traffic = (async () => {
    while (on) {
      const batch = config.regions.map((origin) =>
        factory.event({ type: 'Set', stream: `live-${origin}-${n % 5}`, origin, data: { n: n++ } }),
      );
      await send(signAll(config, batch));
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  try {
    return await during();
  } finally {
    on = false;
    await traffic;
  }
}

async function expectAllApplied() {
  await waitFor(async () => (await appliedIds(pool)).length === produced.size, {
    timeoutMs: 60_000,
    message: 'every produced event applied',
  });
  expect(new Set(await appliedIds(pool))).toEqual(produced);
  const client = await pool.connect();
  try {
    const check = await checkProjection(client, 'projection', registry);
    expect(check.mismatches).toEqual([]);
    expect(check.ok).toBe(true);
  } finally {
    client.release();
  }
  await waitFor(async () => (await mirror.status()).feed.backlog === 0, {
    timeoutMs: 30_000,
    message: 'the applied feed catches up',
  });
}

function expectSwap(result: ReplayResult, generation: number) {
  expect(result.match).toBe(true);
  expect(result.after).toEqual(result.before);
  expect(result.generation).toBe(generation);
  expect(result.refused).toBe(0);
}

describe('concord replay', () => {
  it('re-folds the stored events into a fresh schema and swaps it in under the live mirror', async () => {
    await send(signAll(config, randomHistory({ seed: 99, ops: 300, regions: config.regions })));
    await expectAllApplied();
    const result = await withTraffic(() => replayProjection(config, { region: 'us' }));
    expectSwap(result, 1);
    expect(result.mode).toBe('events');
    const { rows } = await pool.query<{ generation: string; rebuilt_by: string }>(
      'select generation, rebuilt_by from projection.mirror_state',
    );
    expect(rows[0]).toEqual({ generation: '1', rebuilt_by: 'replay:events' });
    // The live mirror noticed nothing but a new generation: it keeps applying.
    await withTraffic(() => new Promise((r) => setTimeout(r, 500)));
    await expectAllApplied();
  });

  it('--from-beginning re-reads every source topic from offset 0 (through the CLI)', async () => {
    const env = {
      ...process.env,
      CONCORD_NAMESPACE: config.namespace,
      CONCORD_LOG_LEVEL: 'error',
    };
    const { stdout, stderr } = await withTraffic(() =>
      promisify(execFile)(
        process.execPath,
        [
          resolve(root, 'packages/cli/dist/bin.js'),
          'replay',
          '--region',
          'us',
          '--from-beginning',
          '--json',
        ],
        { env, cwd: root, maxBuffer: 16 * 1024 * 1024 },
      ),
    );
    expect(stderr).toContain('replay us:');
    const result = JSON.parse(stdout) as ReplayResult;
    expectSwap(result, 2);
    expect(result.mode).toBe('kafka');
    await withTraffic(() => new Promise((r) => setTimeout(r, 500)));
    await expectAllApplied();
    // The feed position moved to the rebuilt order without a gap.
    const status = await mirror.status();
    expect(status.generation).toBe(2);
    expect(status.feed.publishedSeq).toBe(status.feed.appliedSeq);
  });
});
