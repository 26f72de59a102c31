import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConcordConfig } from '@concord/config';
import type { RunningWriter } from '../startWriter.js';
import {
  ADMIN_TOKEN,
  cleanup,
  client,
  prepareNamespace,
  startTestWriter,
  writerTestConfig,
} from '../testing/writerFixture.js';

/**
 * The fence (split-brain quarantine): durable in the regional Postgres, effective within a
 * second in every writer of the region, exported as `concord_fenced`; reads keep working.
 */
let config: ConcordConfig;
let a: RunningWriter;
let b: RunningWriter;

beforeAll(async () => {
  config = writerTestConfig();
  await prepareNamespace(config);
  [a, b] = await Promise.all([startTestWriter(config), startTestWriter(config)]);
});

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await cleanup(config);
});

const fencedGauge = async (w: RunningWriter) => {
  const text = await (await fetch(`${w.url}/metrics`)).text();
  return /concord_fenced\{region="us",service="writer"\} (\d)/.exec(text)?.[1];
};

/** Appends until one gets `status`; returns the time it took. */
async function until(w: RunningWriter, status: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const r = await client(w.url).append('fence-1', { type: 'T', data: {} });
    if (r.status === status) return Date.now() - started;
    if (Date.now() - started > 5000) throw new Error(`still ${r.status} after 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('fence', () => {
  it('refuses appends in every writer of the region within a second, keeps reads, lifts the same way', async () => {
    expect((await client(a.url).append('fence-1', { type: 'T', data: {} })).status).toBe(201);
    const admin = client(a.url, ADMIN_TOKEN);
    const set = await admin.call('POST', '/v1/admin/fence', { reason: 'split brain drill' });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ fenced: true, reason: 'split brain drill', region: 'us' });

    // The writer that took the call refuses at once; the other within a second.
    const refused = await client(a.url).append('fence-1', { type: 'T', data: {} });
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({
      error: { code: 'REGION_FENCED', details: { reason: 'split brain drill' } },
    });
    expect(await until(b, 503)).toBeLessThan(1000);
    expect(await fencedGauge(a)).toBe('1');
    expect(await fencedGauge(b)).toBe('1');
    // Batches are refused as a whole; reads keep working.
    const batch = await client(b.url).call('POST', '/v1/events', {
      events: [{ stream: 'fence-2', type: 'T', data: {} }],
    });
    expect(batch.status).toBe(503);
    expect((await client(b.url).get('/v1/streams/fence-1')).status).toBe(404); // not projected

    // Durable: a writer started now is fenced from its first request.
    const c = await startTestWriter(config);
    try {
      expect((await client(c.url).append('fence-1', { type: 'T', data: {} })).status).toBe(503);
      expect(await fencedGauge(c)).toBe('1');
      const status = await client(c.url, ADMIN_TOKEN).get('/v1/admin/fence');
      expect(status.body).toMatchObject({ fenced: true, reason: 'split brain drill' });
    } finally {
      await c.close();
    }

    // Setting it again without a body (curl -X POST) is fine: the reason is optional.
    const again = await client(b.url, ADMIN_TOKEN).call('POST', '/v1/admin/fence');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ fenced: true, reason: null });

    // Lifted through the other writer: both accept again within a second.
    expect((await client(b.url, ADMIN_TOKEN).call('DELETE', '/v1/admin/fence')).status).toBe(200);
    expect(await until(b, 201)).toBeLessThan(100);
    expect(await until(a, 201)).toBeLessThan(1000);
    expect(await fencedGauge(a)).toBe('0');
  });
});
