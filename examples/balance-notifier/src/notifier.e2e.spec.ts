import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { topics } from '@concord/config';
import { createKafka } from '@concord/kafka';
import { startMirror, type MirrorHandle } from '@concord/mirror';
import {
  cleanupNamespace,
  createDatabases,
  createTopics,
  jsonClient,
  readTopic,
  REPO_ROOT,
  testConfig,
  waitFor,
} from '@concord/test-support';
import { startWriter, type RunningWriter } from '@concord/writer';

/**
 * The balance notifier against the real writers and mirrors of the local stack: deposits and
 * withdrawals written in us and eu, the notifier (a child process, dist/main.js) reading eu's
 * applied feed, SIGKILLed mid-stream, records of the feed published again (the feed is at
 * least once), restarted: every applied deposit and withdrawal has exactly one notification.
 */
const config = testConfig({ CONCORD_INSECURE: 'true', CONCORD_LOG_LEVEL: 'error' });
const FEED_REGION = 'eu';
const MAIN = join(REPO_ROOT, 'examples/balance-notifier/dist/main.js');
const writers = new Map<string, RunningWriter>();
const mirrors = new Map<string, MirrorHandle>();
const databaseUrl = (() => {
  const url = new URL(config.byRegion[FEED_REGION]!.postgres.url);
  url.pathname = `/${config.namespace}_notifier`;
  return url.toString();
})();
let pool: pg.Pool;
const children: ChildProcess[] = [];

async function adminQuery(sql: string) {
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  await Promise.all([createTopics(config), createDatabases(config)]);
  await adminQuery(`create database "${config.namespace}_notifier"`);
  pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  for (const region of config.regions) {
    mirrors.set(region, await startMirror(config, { region, port: 0, host: '127.0.0.1' }));
    writers.set(region, await startWriter({ ...config, region }, { port: 0 }));
  }
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await Promise.allSettled([...writers.values()].map((w) => w.close()));
  await Promise.allSettled([...mirrors.values()].map((m) => m.close()));
  await pool?.end();
  await adminQuery(`drop database if exists "${config.namespace}_notifier" with (force)`).catch(
    () => undefined,
  );
  await cleanupNamespace(config);
});

/** Starts the notifier process; `exited` resolves with its exit code and stdout. */
function startNotifier(handlerDelayMs: number) {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      NOTIFIER_DATABASE_URL: databaseUrl,
      NOTIFIER_BROKERS: config.byRegion[FEED_REGION]!.kafka.brokers.join(','),
      NOTIFIER_REGION: FEED_REGION,
      CONCORD_NAMESPACE: config.namespace,
      NOTIFIER_HANDLER_DELAY_MS: String(handlerDelayMs),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(`[notifier] ${chunk}`));
  const exited = new Promise<{ code: number | null; signal: string | null; out: string }>(
    (resolve) => child.once('exit', (code, signal) => resolve({ code, signal, out })),
  );
  return { child, exited };
}

async function notifications(): Promise<{ event_id: string; n: number }[]> {
  const { rows } = await pool
    .query<{ event_id: string; n: number }>(
      'select event_id, count(*)::int as n from notifier.notifications group by event_id',
    )
    .catch(() => ({ rows: [] }));
  return rows;
}

async function append(region: string, stream: string, type: string, data: object) {
  const reply = await jsonClient(writers.get(region)!.url, null).post<{ event: { id: string } }>(
    `/v1/streams/${stream}/events`,
    { type, data },
  );
  expect(reply.status, JSON.stringify(reply.body)).toBeLessThan(300);
  return reply.body.event.id;
}

/** Accounts 0, 2, 4 are written in us, 1 and 3 in eu (a writer checks funds in its region). */
const homeOf = (account: number) => (account % 2 === 0 ? 'us' : 'eu');

/** `count` deposits and withdrawals over five accounts (each account's first is a deposit). */
async function writeMoney(from: number, count: number, ids: string[]) {
  for (let i = from; i < from + count; i++) {
    const account = i % 5;
    const withdrawal = i >= 5 && i % 3 === 2;
    ids.push(
      await append(homeOf(account), `account-${account}`, withdrawal ? 'Withdrawn' : 'Deposited', {
        amount: withdrawal ? 1 : 100 + i,
      }),
    );
  }
}

describe('balance notifier', () => {
  it('notifies every applied deposit and withdrawal exactly once across a SIGKILL and feed duplicates', async () => {
    for (let a = 0; a < 5; a++) await append(homeOf(a), `account-${a}`, 'Opened', {});
    const money: string[] = [];
    await writeMoney(0, 60, money);

    // First run, slow handler; more writes while it runs; SIGKILL mid-stream.
    const first = startNotifier(40);
    const writing = writeMoney(60, 60, money);
    await waitFor(async () => (await notifications()).length >= 25, {
      timeoutMs: 120_000,
      intervalMs: 100,
      message: 'the first run notifies some events',
    });
    first.child.kill('SIGKILL');
    const killed = await first.exited;
    expect(killed.signal).toBe('SIGKILL');
    await writing;
    const atKill = await notifications();
    expect(atKill.length).toBeLessThan(money.length);
    expect(atKill.every((r) => r.n === 1)).toBe(true);

    // Every write applied in eu and on its feed; then five records of the feed published again.
    const feed = topics(config).applied(FEED_REGION);
    const records = await readTopic(config, FEED_REGION, feed, {
      expected: 5 + money.length,
      timeoutMs: 120_000,
    });
    expect(records.length).toBeGreaterThanOrEqual(5 + money.length);
    const kafka = createKafka({
      clientId: 'notifier-e2e',
      brokers: config.byRegion[FEED_REGION]!.kafka.brokers,
    });
    const producer = kafka.producer();
    await producer.connect();
    const again = records.filter((r) => r.headers['type'] !== 'Opened').slice(0, 5);
    await producer.send({
      topic: feed,
      messages: again.map((r) => ({
        key: r.key,
        value: r.value,
        headers: r.headers,
        partition: 0,
      })),
    });
    await producer.disconnect();

    // Restart: it resumes at its checkpoint and drops the duplicates.
    const second = startNotifier(0);
    await waitFor(async () => (await notifications()).length >= money.length, {
      timeoutMs: 120_000,
      intervalMs: 200,
      message: 'the second run notifies every event',
    });
    const admin = kafka.admin();
    await admin.connect();
    // The feed is partition 0 (docs/asyncapi.yaml); the topic may have more partitions.
    const end = (await admin.fetchTopicOffsets(feed)).find((o) => o.partition === 0);
    await admin.disconnect();
    await waitFor(
      async () => {
        const { rows } = await pool.query<{ next: string }>(
          `select next_offset::text as next from notifier.applied_checkpoints
            where consumer_group = 'balance-notifier' and topic = $1 and kafka_partition = 0`,
          [feed],
        );
        return rows[0]?.next === end!.high;
      },
      { timeoutMs: 60_000, message: 'the checkpoint reaches the end of the feed' },
    );
    second.child.kill('SIGTERM');
    const stopped = await second.exited;
    expect(stopped.code).toBe(0);
    const stats = JSON.parse(stopped.out.trim().split('\n').at(-1)!) as Record<string, number>;
    expect(stats['duplicates']).toBeGreaterThanOrEqual(5);
    console.log(
      `[notifier e2e] ${atKill.length}/${money.length} notified at the SIGKILL; second run: ${JSON.stringify(stats)}`,
    );

    const final = await notifications();
    expect(final.filter((r) => r.n !== 1)).toEqual([]);
    expect(final.map((r) => r.event_id).sort()).toEqual([...money].sort());
    const { rows } = await pool.query<{ n: number }>(
      'select count(*)::int as n from notifier.applied_seen',
    );
    expect(rows[0]!.n).toBe(5 + money.length);
  });
});
