import { APPLIED_HEADERS } from '@concord/client';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '@concord/config';
import { DomainRegistry, sleep } from '@concord/core';
import { defaultDomains } from '@concord/domains';
import type { pg } from '@concord/postgres';
import { freePort, mirrorFixture, readTopic, signAll, waitFor } from '@concord/test-support';
import { createKafka, topicOffsets } from '@concord/kafka';
import { checkProjection } from './index.js';
import {
  appliedIds,
  offsetsBehindLogEnd,
  readModelDrift,
  prng,
  randomHistory,
} from './testing/signedEvents.fixtures.js';

const root = resolve(import.meta.dirname, '../../..');
const main = resolve(root, 'services/mirror/dist/main.js');
const region = 'eu';
// The mirror runs as a child process (spawnMirror), not through the fixture's start.
const fx = mirrorFixture({ env: { CONCORD_LOG_LEVEL: 'warn' }, pools: [region] });
const { config, producers } = fx;
const registry = new DomainRegistry(defaultDomains);
const log = join(tmpdir(), `concord-mirror-crash-${config.namespace}.log`);
let pool: pg.Pool;
let child: ChildProcess | undefined;
let duplicatesInFeed = 0;

async function spawnMirror(port: number): Promise<ChildProcess> {
  const fd = openSync(log, 'a');
  const p = spawn(process.execPath, [main], {
    env: {
      ...process.env,
      CONCORD_NAMESPACE: config.namespace,
      CONCORD_REGION: region,
      CONCORD_INSECURE: 'true',
      CONCORD_LOG_LEVEL: 'warn',
      CONCORD_PG_URL: config.postgres.adminUrl,
      CONCORD_EU_MIRROR_PORT: String(port),
    },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  return p;
}

async function kill(p: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  await new Promise((r) => {
    p.once('exit', r);
    p.kill(signal);
  });
}

beforeAll(async () => {
  await fx.setup();
  pool = fx.pool(region);
});

afterAll(async () => {
  await kill(child, 'SIGKILL');
  await fx.teardown();
});

async function count(): Promise<number> {
  const { rows } = await pool.query<{ n: string }>('select count(*) as n from projection.events');
  return Number(rows[0]!.n);
}

describe('mirror process killed with SIGKILL', () => {
  it('ten times under load: nothing lost, nothing applied twice, digests equal to a fresh fold', async () => {
    const port = await freePort();
    const random = prng(7);
    const produced = new Set<string>();
    let loading = true;
    const load = (async () => {
      for (let seed = 1; loading; seed++) {
        const events = signAll(
          config,
          randomHistory({ seed, ops: 300, regions: config.regions, streamSuffix: `-${seed}` }),
        );
        for (let i = 0; i < events.length && loading; i += 20) {
          const chunk = events.slice(i, i + 20);
          await producers.sendEvents(chunk);
          for (const e of chunk) produced.add(e.id);
          // ~200 events/s: steady load while the mirror restarts, without a backlog that
          // takes minutes to drain after the tenth kill (at ~1,000/s it reached 60k events).
          await sleep(100);
        }
      }
    })();

    child = await spawnMirror(port);
    const kills: number[] = [];
    for (let k = 0; k < 10; k++) {
      // Kill while it is applying: after it made progress, at a random moment.
      const before = await count();
      await waitFor(async () => (await count()) > before, {
        timeoutMs: 90_000,
        intervalMs: 50,
        message: `mirror applies again after restart ${k}`,
      });
      await sleep(Math.floor(random() * 700));
      const at = await count();
      await kill(child, 'SIGKILL');
      kills.push(at);
      child = await spawnMirror(port);
    }
    loading = false;
    await load;

    await waitFor(async () => (await count()) >= produced.size, {
      timeoutMs: 180_000,
      intervalMs: 500,
      message: 'every produced event applied after the last restart',
    });
    const applied = await appliedIds(pool);
    expect(applied.length).toBe(produced.size);
    expect(new Set(applied)).toEqual(produced);
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
    const pending = await pool.query('select count(*)::int as n from projection.pending');
    expect(pending.rows[0]).toEqual({ n: 0 });
    // The applied feed survived the kills: every id at least once, first occurrences in applied order.
    // applied_seq is an identity: the transactions the kills rolled back burnt values, so the
    // end of the feed is the highest applied_seq, not the number of events.
    await waitFor(
      async () => {
        const { rows } = await pool.query<{ published: string; last: string }>(
          `select p.published_seq as published, (select max(applied_seq) from projection.events) as last
             from projection.feed_position p where p.feed = 'applied'`,
        );
        return BigInt(rows[0]!.published) >= BigInt(rows[0]!.last);
      },
      { timeoutMs: 60_000, message: 'feed position at the end' },
    );
    const appliedTopic = topics(config).applied(region);
    const feedKafka = createKafka({
      clientId: 'feed-size',
      brokers: config.byRegion[region]!.kafka.brokers,
    });
    const records = (await topicOffsets(feedKafka, appliedTopic)).reduce(
      (n, o) => n + Number(o.high),
      0,
    );
    const feed = await readTopic(config, region, appliedTopic, {
      expected: records,
      timeoutMs: 60_000,
    });
    expect(feed.length).toBe(records);
    const firsts: string[] = [];
    const seen = new Set<string>();
    for (const r of feed) {
      const id = r.headers[APPLIED_HEADERS.id]!;
      if (!seen.has(id)) firsts.push(id);
      seen.add(id);
    }
    expect(firsts).toEqual(applied);
    duplicatesInFeed = records - applied.length;
    // Graceful stop as well.
    await kill(child, 'SIGTERM');
    expect(child.exitCode).toBe(0);
    expect(kills).toHaveLength(10);
    process.stderr.write(
      `crash test: ${applied.length} events, kills at ${kills.join(', ')} applied, ${duplicatesInFeed} feed records published twice\n`,
    );
    expect(readFileSync(log, 'utf8')).not.toMatch(/"level":"(error|fatal)"/);
  });
});
