import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { DomainRegistry } from '@concord/core';
import { defaultDomains } from '@concord/domains';
import type { pg } from '@concord/postgres';
import { startTracing, type Tracing } from '@concord/telemetry';
import { startWriter, type RunningWriter } from '@concord/writer';
import {
  cleanupNamespace,
  createDatabases,
  createTopics,
  jsonClient,
  regionPool,
  testConfig,
  waitFor,
} from '@concord/test-support';
import { checkProjection, startMirror, type MirrorHandle } from './index.js';
import { readProjection } from './testing/signedEvents.fixtures.js';

const config = testConfig({ CONCORD_INSECURE: 'true', CONCORD_LOG_LEVEL: 'error' });
const registry = new DomainRegistry(defaultDomains);
const exporter = new InMemorySpanExporter();
let tracing: Tracing;
const writers = new Map<string, RunningWriter>();
const mirrors = new Map<string, MirrorHandle>();
const pools = new Map<string, pg.Pool>();

beforeAll(async () => {
  await Promise.all([createTopics(config), createDatabases(config)]);
  tracing = startTracing({
    service: 'e2e',
    region: 'all',
    exporter: 'none',
    spanExporter: exporter,
  });
  for (const region of config.regions) {
    pools.set(region, regionPool(config, region));
    mirrors.set(
      region,
      await startMirror(config, { region, port: 0, host: '127.0.0.1', tracer: tracing.tracer }),
    );
    writers.set(
      region,
      await startWriter({ ...config, region }, { port: 0, tracer: tracing.tracer }),
    );
  }
});

afterAll(async () => {
  await Promise.allSettled([...writers.values()].map((w) => w.close()));
  await Promise.allSettled([...mirrors.values()].map((m) => m.close()));
  await Promise.allSettled([...pools.values()].map((p) => p.end()));
  await tracing?.shutdown();
  await cleanupNamespace(config);
});

async function append(region: string, stream: string, body: Record<string, unknown>) {
  const reply = await jsonClient(writers.get(region)!.url, null).post<{ event: { id: string } }>(
    `/v1/streams/${stream}/events`,
    body,
  );
  expect(reply.status, JSON.stringify(reply.body)).toBeLessThan(300);
  return reply.body.event;
}

describe('with the real writers', () => {
  it('three regions write concurrently; every mirror converges; read-your-writes; spans follow events', async () => {
    const ids: string[] = [];
    // Concurrent writes to shared streams from every region (forks), plus accounts and carts.
    await Promise.all(
      config.regions.map(async (region, r) => {
        for (let i = 0; i < 20; i++) {
          ids.push(
            (
              await append(region, `profile-${i % 4}`, {
                type: 'ProfileUpdated',
                data: { [`by${region}`]: i },
              })
            ).id,
          );
        }
        ids.push(
          (
            await append(region, `cart-${r}`, {
              type: 'ItemAdded',
              data: { sku: 'tea', quantity: 2 },
            })
          ).id,
        );
      }),
    );
    const opened = await append('us', 'account-1', { type: 'Opened', data: {} });
    const deposit = await append('us', 'account-1', { type: 'Deposited', data: { amount: 100 } });
    // eu reads its own write, then writes an event caused by us's deposit once it saw it.
    const read = await fetch(
      `${writers.get('eu')!.url}/v1/streams/account-1?after=${deposit.id}&waitMs=20000`,
    );
    expect(read.status).toBe(200);
    expect(((await read.json()) as { after: { applied: boolean } }).after.applied).toBe(true);
    const receipt = await append('eu', 'receipt-1', {
      type: 'Issued',
      data: { for: 'account-1' },
      causedBy: deposit.id,
    });
    ids.push(opened.id, deposit.id, receipt.id);

    await waitFor(
      async () => {
        for (const pool of pools.values()) {
          const { rows } = await pool.query<{ n: string }>(
            'select count(*) as n from projection.events',
          );
          if (Number(rows[0]!.n) < ids.length) return false;
        }
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 300, message: 'every region applies every write' },
    );
    const views = await Promise.all(config.regions.map((r) => readProjection(pools.get(r)!)));
    expect(views[1]).toEqual(views[0]);
    expect(views[2]).toEqual(views[0]);
    for (const pool of pools.values()) {
      const client = await pool.connect();
      try {
        expect((await checkProjection(client, 'projection', registry)).ok).toBe(true);
      } finally {
        client.release();
      }
      const { rows } = await pool.query('select balance from projection.account_balances');
      expect(rows).toEqual([{ balance: '100' }]);
    }
    // The consumer span of the deposit in ap is a child of the writer's producer span.
    await tracing.flush();
    const spans = exporter.getFinishedSpans();
    const producer = spans.find(
      (s) => s.attributes['concord.event_id'] === deposit.id && s.name.endsWith('publish'),
    );
    const applied = spans.filter(
      (s) => s.name === 'concord.mirror.apply' && s.attributes['concord.event_id'] === deposit.id,
    );
    expect(producer).toBeDefined();
    expect(applied.map((s) => s.attributes['concord.region']).sort()).toEqual(
      [...config.regions].sort(),
    );
    for (const s of applied) {
      expect(s.spanContext().traceId).toBe(producer!.spanContext().traceId);
      expect(s.parentSpanContext?.spanId).toBe(producer!.spanContext().spanId);
      expect(s.attributes).toMatchObject({ 'concord.origin': 'us', 'concord.stream': 'account-1' });
    }
  });
});
