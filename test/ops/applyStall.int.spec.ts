import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { regionEnvPrefix } from '@concord/config';
import { TestEventFactory } from '@concord/core';
import type { MirrorBacklog, MirrorHandle } from '@concord/mirror';
import {
  concordInProcess,
  freePorts,
  metricValue,
  mirrorFixture,
  signAll,
  waitFor,
} from '@concord/test-support';

/*
 * Issue 11 item 5: a stalled apply path shows as backlog, in the metrics and in
 * `concord status`, while the database itself cannot answer (docs/runbooks/apply-stalled.md).
 */
const ADMIN = 'admin-token-apply-stall-0001';
const ports = await freePorts(3);
const portEnv: Record<string, string> = {};
['us', 'eu', 'ap'].forEach((r, i) => {
  portEnv[`${regionEnvPrefix(r)}MIRROR_PORT`] = String(ports[i]);
});
const fx = mirrorFixture({
  env: {
    CONCORD_INSECURE: 'true',
    CONCORD_LOG_LEVEL: 'error',
    CONCORD_API_TOKENS: 'api-token-apply-stall-0001',
    CONCORD_ADMIN_TOKEN: ADMIN,
    ...portEnv,
  },
});
const { config, producers, pools } = fx;
const mirrors = new Map<string, MirrorHandle>();

async function applied(region: string, id: string): Promise<boolean> {
  const r = await pools.get(region)!.query('select 1 from projection.events where id = $1', [id]);
  return r.rowCount === 1;
}

beforeAll(async () => {
  await fx.setup();
  for (const region of config.regions) {
    // On the configured port: `concord status` finds the mirrors there.
    const port = config.byRegion[region]!.mirror.port;
    mirrors.set(region, await fx.start({ region, port }));
  }
});

afterAll(fx.teardown);

describe('a stalled apply path', () => {
  it('shows as backlog in the metrics and in concord status while ap’s tables are locked for 30 s', async () => {
    const factory = new TestEventFactory({ startWall: Date.now(), seed: config.namespace });
    const [warm] = signAll(config, [factory.event({ type: 'Set', stream: 'warm', origin: 'us' })]);
    await producers.sendEvents([warm!]);
    await waitFor(
      async () =>
        (await Promise.all(config.regions.map((r) => applied(r, warm!.id)))).every(Boolean),
      { timeoutMs: 60_000, message: 'warm-up event applied everywhere' },
    );

    // Another session holds ap's projection tables: every apply transaction there waits.
    const locker = await pools.get('ap')!.connect();
    await locker.query('begin');
    await locker.query(
      'lock table projection.events, projection.streams, projection.source_offsets in access exclusive mode',
    );
    const lockedAt = Date.now();
    let writing = true;
    const written: string[] = [];
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const [e] = signAll(config, [
          factory.event({ type: 'Set', stream: `stall-${i % 5}`, origin: 'us', data: { i } }),
        ]);
        await producers.sendEvents([e!]);
        written.push(e!.id);
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    let seen: MirrorBacklog | undefined;
    try {
      // Within 20 s: a backlog of ≥ 10 s from us in ap, in /metrics and in `concord status`.
      const ap = mirrors.get('ap')!;
      await waitFor(
        async () => {
          const text = await fetch(`${ap.url}/metrics`).then((r) => r.text());
          return (
            (metricValue(text, 'concord_replication_backlog_seconds', { origin: 'us' }) ?? 0) >= 10
          );
        },
        { timeoutMs: 20_000, intervalMs: 500, message: 'ap’s backlog from us reaches 10 s' },
      );
      const status = await concordInProcess(config, 'status', '--json');
      expect(status.code).toBe(0);
      const regions = (
        JSON.parse(status.out) as { regions: { region: string; backlog?: MirrorBacklog }[] }
      ).regions;
      seen = regions.find((r) => r.region === 'ap')?.backlog;
      const us = seen?.origins.find((o) => o.origin === 'us');
      expect(us?.records).toBeGreaterThan(0);
      expect(us?.seconds).toBeGreaterThanOrEqual(10);
      // The transaction waits on the lock: it shows as open, and in its metric.
      expect(seen?.apply.openSeconds).toBeGreaterThanOrEqual(5);
      const text = await fetch(`${ap.url}/metrics`).then((r) => r.text());
      expect(metricValue(text, 'concord_mirror_apply_open_seconds')).toBeGreaterThanOrEqual(5);
      // eu is not blocked: what us wrote is applied there, its backlog from us stays small.
      const eu = regions.find((r) => r.region === 'eu')?.backlog;
      expect(eu?.apply.openSeconds).toBeLessThan(5);
      expect(await applied('eu', written[0]!)).toBe(true);
    } finally {
      // Hold the lock 30 s in all, then let go.
      await new Promise((r) => setTimeout(r, Math.max(0, 30_000 - (Date.now() - lockedAt))));
      await locker.query('rollback');
      locker.release();
      writing = false;
      await writer;
    }
    // Released: everything is applied and the backlog drains to nothing.
    await waitFor(
      async () => (await Promise.all(written.map((id) => applied('ap', id)))).every(Boolean),
      { timeoutMs: 30_000, message: 'ap applies what us wrote during the lock' },
    );
    await waitFor(
      async () => {
        const b = await mirrors.get('ap')!.backlog();
        return b.origins.every((o) => o.records === 0) && b.apply.openSeconds < 5;
      },
      { timeoutMs: 10_000, message: 'ap’s backlog drained' },
    );
  });
});
