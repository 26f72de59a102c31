import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, topics, type ConcordConfig } from '@concord/config';
import { createKafka } from '@concord/kafka';
import { createPool } from '@concord/postgres';
import {
  processState,
  StackController,
  stackPaths,
  type ProgressEvent,
  type StackStatus,
} from '@concord/stack';
import { uniqueNamespace } from '@concord/test-support';

/**
 * Lifecycle of a whole stack: idempotent up, data kept across down/up, nothing left running
 * after down. Runs on its own stack instance (port base 29000, a temporary state folder, two
 * regions) so the shared test stack is never touched.
 */
let config: ConcordConfig;
let stack: StackController;
let stateDir: string;

function pidsOf(s: StackStatus): number[] {
  return [
    ...s.brokers.map((b) => b.pid),
    s.linkDaemon.pid,
    s.linkDaemon.workerPid,
    s.postgres.pid,
    ...s.redis.map((r) => r.pid),
  ].filter((p): p is number => p !== undefined);
}

beforeAll(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'concord-lifecycle-'));
  config = loadConfig({
    overrides: {
      CONCORD_PORT_BASE: '29000',
      CONCORD_STATE_DIR: stateDir,
      CONCORD_REGIONS: 'us,eu',
      CONCORD_NAMESPACE: uniqueNamespace('life'),
    },
  });
  stack = new StackController(config);
});

afterAll(async () => {
  await stack.down({ purge: true });
  rmSync(stateDir, { recursive: true, force: true });
});

async function readAll(topic: string): Promise<string[]> {
  const kafka = createKafka({
    clientId: 'lifecycle-reader',
    brokers: config.byRegion.us!.kafka.brokers,
  });
  const consumer = kafka.consumer({
    groupId: `${config.namespace}-reader-${Date.now()}`,
    maxWaitTimeInMs: 200,
  });
  const values: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const admin = kafka.admin();
  await admin.connect();
  const end = (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
  await admin.disconnect();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${values.length}/${end}`)), 30_000);
    if (end === 0) {
      clearTimeout(timer);
      resolve();
    }
    consumer
      .run({
        eachMessage: async ({ message }) => {
          values.push(message.value?.toString() ?? '');
          if (values.length >= end) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return values;
}

/** Runs `sql` on a region's database of the stack. */
async function query(region: string, sql: string): Promise<{ n: string }[]> {
  const pool = createPool(config.byRegion[region]!.postgres.url, { max: 1 });
  try {
    return (await pool.query<{ n: string }>(sql)).rows;
  } finally {
    await pool.end();
  }
}

const MARKER = `insert into projection.events
  (id, stream, type, origin, hlc_wall, hlc_logical, parents, data, envelope, fold_pos, source)
  values (gen_random_uuid(), 'profile-marker', 'ProfileUpdated', 'us', 1, 0, '{}', '{}', '{}', 0, 'test')`;
const COUNT = `select count(*) as n from projection.events where stream = 'profile-marker'`;

describe('stack lifecycle (separate instance on port base 29000)', () => {
  it('up starts everything; a second up is a no-op that leaves every process alone', async () => {
    const first = await stack.up();
    expect([...first.started].sort()).toEqual(['kafka eu', 'kafka us', 'links']);
    const before = await stack.status();
    expect(before.running).toBe(true);

    const second = await stack.up();
    expect(second.started).toEqual([]);
    expect([...second.alreadyRunning].sort()).toEqual(['kafka eu', 'kafka us', 'links']);
    const after = await stack.status();
    expect(pidsOf(after)).toEqual(pidsOf(before));
    expect(existsSync(stackPaths(config).stackJson)).toBe(true);
  });

  it('down then up keeps the data: a message written before is still readable', async () => {
    const topic = topics(config).events('us');
    const kafka = createKafka({
      clientId: 'lifecycle-writer',
      brokers: config.byRegion.us!.kafka.brokers,
    });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const value = `kept-${Date.now()}`;
    await producer.send({ topic, acks: -1, messages: [{ key: 'k', value }] });
    await producer.disconnect();

    for (const r of ['us', 'eu']) await query(r, MARKER);

    await stack.down();
    await stack.up();
    expect(await readAll(topic)).toContain(value);
    // The projections of the same logs are kept too.
    for (const r of ['us', 'eu']) expect(await query(r, COUNT)).toEqual([{ n: '1' }]);
  });

  it("a broker whose storage is gone starts a new log: its region's database, which projected the old one, is recreated", async () => {
    await stack.down();
    rmSync(stackPaths(config).kafka('us').dir, { recursive: true, force: true });
    const progress: ProgressEvent[] = [];
    await stack.up({ progress: (e) => progress.push(e) });
    const recreated = progress.filter((e) => e.part === 'postgres' && /recreated/.test(e.message));
    expect(recreated.map((e) => e.region)).toEqual(['us']);
    expect(recreated[0]!.message).toMatch(
      /projected an earlier Kafka log \(cluster .+\); recreated for cluster /,
    );
    expect(await query('us', COUNT)).toEqual([{ n: '0' }]);
    expect(await query('eu', COUNT)).toEqual([{ n: '1' }]);
  });

  it('down leaves no process of ours running', async () => {
    const running = await stack.status();
    const pids = pidsOf(running);
    expect(pids.length).toBeGreaterThanOrEqual(4); // two brokers, link supervisor and worker
    const result = await stack.down();
    expect(result.stopped.length).toBeGreaterThanOrEqual(3);
    for (const pid of pids) expect(processState(pid)).toBe('gone');
    const after = await stack.status();
    expect(after.running).toBe(false);
    expect(pidsOf(after)).toEqual([]);
  });
});
