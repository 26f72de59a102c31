import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { regionEnvPrefix } from '@concord/config';
import {
  DomainRegistry,
  failoverOrder,
  mergePatchDomain,
  ownerRegion,
  RESOLUTION_POLICIES,
  TestEventFactory,
  type DomainModule,
  type Envelope,
  type UnsignedEnvelope,
} from '@concord/core';
import { defaultDomains } from '@concord/domains';
import { startMirror, type MirrorHandle } from '@concord/mirror';
import { createLogger } from '@concord/telemetry';
import {
  cleanupNamespace,
  concordInProcess,
  createDatabases,
  createTopics,
  freePorts,
  testConfig,
  waitFor,
} from '@concord/test-support';
import { startReconciler, type RunningReconciler } from './index.js';
import { MergeWriterDouble } from './testing/MergeWriterDouble.js';
import { RegionDbs } from './testing/regionDb.js';

/*
 * The reconciler against real mirrors (in-process), real Kafka and Postgres, with a stand-in
 * for the writer's merge endpoint (signs and produces like the writer). Anti-entropy rounds are
 * driven by the test (compareNow) so each step can be observed.
 */

const REGIONS = ['us', 'eu', 'ap'];
const ADMIN = 'admin-token-reconciler-int-0001';
const ports = await freePorts(6);
const portEnv: Record<string, string> = {};
REGIONS.forEach((r, i) => {
  portEnv[`${regionEnvPrefix(r)}MIRROR_PORT`] = String(ports[2 * i]);
  portEnv[`${regionEnvPrefix(r)}RECONCILER_PORT`] = String(ports[2 * i + 1]);
});
const config = testConfig({
  CONCORD_REGIONS: REGIONS.join(','),
  CONCORD_API_TOKENS: 'api-token-reconciler-int-0001',
  CONCORD_ADMIN_TOKEN: ADMIN,
  CONCORD_OWNER_FAILOVER_MS: '1500',
  CONCORD_ANTI_ENTROPY_INTERVAL_MS: '1000',
  CONCORD_LOG_LEVEL: 'error',
  ...portEnv,
});
const ticket = mergePatchDomain('ticket', RESOLUTION_POLICIES.manual) as DomainModule;
const registry = new DomainRegistry([...defaultDomains, ticket]);
const logger = createLogger({
  service: 'reconciler-test',
  level: (process.env.TEST_LOG_LEVEL as 'error') ?? 'error',
});
const db = new RegionDbs(config);
const mirrors = new Map<string, MirrorHandle>();
const writers = new Map<string, MergeWriterDouble>();
const reconcilers = new Map<string, RunningReconciler>();
const f = new TestEventFactory({
  seed: `reconciler-int-${config.namespace}`,
  startWall: Date.now(),
});

async function startOne(region: string): Promise<RunningReconciler> {
  const r = await startReconciler(config, {
    region,
    host: '127.0.0.1',
    writer: writers.get(region)!,
    domains: registry,
    antiEntropy: false,
    logger: logger.child({ region }),
    tuning: { resolvePollMs: 100 },
  });
  reconcilers.set(region, r);
  return r;
}

/** Writes `event` through `region`'s (stand-in) writer. */
const write = (region: string, event: UnsignedEnvelope) => writers.get(region)!.write(event);

async function appliedEverywhere(ids: readonly string[], timeoutMs = 30_000): Promise<void> {
  await waitFor(
    async () => {
      for (const r of REGIONS) if ((await db.applied(r, ids)).size !== ids.length) return false;
      return true;
    },
    { timeoutMs, intervalMs: 100, message: `events ${ids.join(',')} applied everywhere` },
  );
}

/** Waits until `stream` has one head, the same everywhere, and returns its merges per region. */
async function settled(stream: string, timeoutMs = 30_000): Promise<Envelope[]> {
  return waitFor(
    async () => {
      const heads = new Set<string>();
      for (const r of REGIONS) {
        const row = await db.stream(r, stream);
        if (!row || row.heads.length !== 1) return false;
        heads.add(row.heads[0]!);
        if ((await db.conflicts(r, stream)).some((c) => c.status === 'open')) return false;
      }
      if (heads.size !== 1) return false;
      return (await db.events('us', stream)).filter((e) => e.type === 'concord.merge');
    },
    { timeoutMs, intervalMs: 200, message: `${stream} settled in every region` },
  );
}

async function mergesEverywhere(stream: string): Promise<string[][]> {
  return Promise.all(
    REGIONS.map(async (r) =>
      (await db.events(r, stream))
        .filter((e) => e.type === 'concord.merge')
        .map((e) => e.id)
        .sort(),
    ),
  );
}

/** A stream name of `category` owned by `owner`. */
function ownedBy(owner: string, category: string, tag: string): string {
  for (let i = 0; ; i++) {
    const stream = `${category}-${tag}${i}`;
    if (ownerRegion(stream, REGIONS) === owner) return stream;
  }
}

beforeAll(async () => {
  await Promise.all([createTopics(config), createDatabases(config)]);
  for (const r of REGIONS) {
    writers.set(r, new MergeWriterDouble(config, r));
    mirrors.set(
      r,
      await startMirror(config, {
        region: r,
        host: '127.0.0.1',
        logger: logger.child({ service: 'mirror', region: r }),
        // The mirrors validate merges against the same domain modules as the reconcilers
        // (docs/reconciler.md, "Which policy?"): a manual 'ticket' merge judged by the default
        // lww policy would be refused as MERGE_INVALID.
        domains: registry,
      }),
    );
  }
  for (const r of REGIONS) await startOne(r);
});

afterAll(async () => {
  await Promise.allSettled([...reconcilers.values()].map((r) => r.close()));
  await Promise.allSettled([...mirrors.values()].map((m) => m.close()));
  await Promise.allSettled([...writers.values()].map((w) => w.close()));
  await db.close();
  await cleanupNamespace(config);
});

describe('reconciler: conflicts', () => {
  it('resolves lww and custom conflicts with one merge per conflict, the same everywhere', async () => {
    const profile = 'profile-int1';
    const account = 'account-int1';
    const root = await write(
      'us',
      f.event({ stream: profile, type: 'Set', data: { name: 'Ada', city: 'Paris' } }),
    );
    const opened = await write('us', f.event({ stream: account, type: 'Opened' }));
    const funded = await write(
      'us',
      f.event({ stream: account, type: 'Deposited', data: { amount: 100 }, parents: [opened.id] }),
    );
    await appliedEverywhere([root.id, opened.id, funded.id]);

    // Concurrent writes in us and eu on top of what both saw.
    const writes = await Promise.all([
      write(
        'us',
        f.event({
          stream: profile,
          type: 'Set',
          data: { city: 'Boston' },
          parents: [root.id],
          origin: 'us',
        }),
      ),
      write(
        'eu',
        f.event({
          stream: profile,
          type: 'Set',
          data: { city: 'Berlin', mail: 'a@eu' },
          parents: [root.id],
          origin: 'eu',
        }),
      ),
      write(
        'us',
        f.event({
          stream: account,
          type: 'Withdrawn',
          data: { amount: 80 },
          parents: [funded.id],
          origin: 'us',
        }),
      ),
      write(
        'eu',
        f.event({
          stream: account,
          type: 'Withdrawn',
          data: { amount: 70 },
          parents: [funded.id],
          origin: 'eu',
        }),
      ),
    ]);
    await appliedEverywhere(writes.map((w) => w.id));

    for (const stream of [profile, account]) {
      const merges = await settled(stream);
      expect(merges).toHaveLength(1);
      const [merge] = merges as [Envelope];
      expect(merge.origin).toBe(ownerRegion(stream, REGIONS));
      expect(merge.meta.signedBy).toBe(ownerRegion(stream, REGIONS));
      // Same merge id everywhere; the conflict resolved by it in every region.
      expect(new Set((await mergesEverywhere(stream)).map((ids) => ids.join()))).toEqual(
        new Set([merge.id]),
      );
      for (const r of REGIONS) {
        const conflicts = await db.conflicts(r, stream);
        expect(conflicts.map((c) => [c.status, c.resolved_by])).toEqual([['resolved', merge.id]]);
      }
    }
    const balances = await Promise.all(
      REGIONS.map(async (r) => (await db.stream(r, account))!.state as { balance: number }),
    );
    expect(new Set(balances.map((b) => b.balance)).size).toBe(1);
    expect(balances[0]!.balance).toBeGreaterThanOrEqual(0);
  });

  it('fails over to the next region when the owner is unreachable; the owner adds no second resolution', async () => {
    const stream = ownedBy('ap', 'profile', 'fo');
    const [, second] = failoverOrder(stream, REGIONS) as [string, string];
    await reconcilers.get('ap')!.close();
    const started = Date.now();
    const root = await write('us', f.event({ stream, type: 'Set', data: { v: 0 } }));
    await appliedEverywhere([root.id]);
    const forks = await Promise.all([
      write(
        'us',
        f.event({ stream, type: 'Set', data: { v: 1 }, parents: [root.id], origin: 'us' }),
      ),
      write(
        'eu',
        f.event({ stream, type: 'Set', data: { v: 2 }, parents: [root.id], origin: 'eu' }),
      ),
    ]);
    await appliedEverywhere(forks.map((e) => e.id));
    const merges = await settled(stream, 30_000);
    const failoverAfter = Date.now() - started;
    expect(merges).toHaveLength(1);
    expect(merges[0]!.origin).toBe('ap'); // the owner, by the ownership rule
    expect(merges[0]!.meta.signedBy).toBe(second); // emitted by the failover region
    expect(failoverAfter).toBeGreaterThanOrEqual(config.reconciler.ownerFailoverMs);

    // The owner comes back: it finds nothing to do, no second merge appears.
    await startOne('ap');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await mergesEverywhere(stream)).toEqual(REGIONS.map(() => [merges[0]!.id]));
    expect(writers.get('ap')!.appended.filter((e) => e.stream === stream)).toHaveLength(0);
  });

  it('leaves manual conflicts open until an operator resolves them through the API; the resolution replicates', async () => {
    const stream = 'ticket-int1';
    const root = await write('us', f.event({ stream, type: 'Set', data: { state: 'new' } }));
    await appliedEverywhere([root.id]);
    const [us, eu] = await Promise.all([
      write(
        'us',
        f.event({
          stream,
          type: 'Set',
          data: { state: 'closed', by: 'us' },
          parents: [root.id],
          origin: 'us',
        }),
      ),
      write(
        'eu',
        f.event({
          stream,
          type: 'Set',
          data: { state: 'reopened' },
          parents: [root.id],
          origin: 'eu',
        }),
      ),
    ]);
    await appliedEverywhere([us!.id, eu!.id]);
    const conflictId = await waitFor(async () => {
      const open = await Promise.all(
        REGIONS.map(async (r) =>
          (await db.conflicts(r, stream)).filter((c) => c.status === 'open'),
        ),
      );
      return open.every((o) => o.length === 1) ? open[0]![0]!.id : undefined;
    });
    // Rounds pass (every reconciler resolves every 100 ms): it stays open.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    for (const r of REGIONS)
      expect((await db.conflicts(r, stream)).map((c) => c.status)).toEqual(['open']);

    // The CLI shows it and refuses what is not allowed.
    const shown = await concordInProcess(
      config,
      'conflicts',
      'show',
      conflictId,
      '--region',
      'eu',
      '--json',
    );
    expect(shown.code).toBe(0);
    const view = JSON.parse(shown.out) as {
      policy: string;
      branches: { head: string; events: { id: string }[] }[];
      contested: { field: string }[];
    };
    expect(view.policy).toBe('manual');
    expect(view.branches.map((b) => b.head).sort()).toEqual([us!.id, eu!.id].sort());
    expect(view.contested.map((c) => c.field)).toEqual(['/state']);
    const lwwConflict = (await db.conflicts('us', 'profile-int1'))[0]!.id;
    const notManual = await concordInProcess(
      config,
      'conflicts',
      'resolve',
      lwwConflict,
      '--choose',
      us!.id,
      '--region',
      'us',
    );
    expect(notManual.code).toBe(1);
    expect(notManual.err).toMatch(/^error CONFLICT_NOT_MANUAL/);

    const resolved = await concordInProcess(
      config,
      'conflicts',
      'resolve',
      conflictId,
      '--choose',
      eu!.id,
      '--region',
      'us',
    );
    process.stderr.write(
      `$ concord conflicts resolve ${conflictId} --choose ${eu!.id} --region us\n${resolved.out}\n` +
        `$ concord conflicts resolve ${lwwConflict} --choose ${us!.id} --region us\n${notManual.err}\n`,
    );
    expect(resolved.code).toBe(0);
    const mergeId = /merge ([0-9a-f-]{36})/.exec(resolved.out)![1]!;
    const merges = await settled(stream);
    expect(merges.map((m) => m.id)).toEqual([mergeId]);
    for (const r of REGIONS) {
      expect((await db.stream(r, stream))!.state).toEqual({ state: 'reopened' });
      expect((await db.conflicts(r, stream)).map((c) => [c.status, c.resolved_by])).toEqual([
        ['resolved', mergeId],
      ]);
    }
    const again = await concordInProcess(
      config,
      'conflicts',
      'resolve',
      conflictId,
      '--choose',
      eu!.id,
      '--region',
      'eu',
    );
    expect(again.err).toMatch(/^error CONFLICT_NOT_OPEN/);
  });
});

describe('reconciler: anti-entropy', () => {
  it('verify names exactly the injected divergence; anti-entropy repairs it; verify then converges', async () => {
    const lostStream = 'profile-int-lost';
    const corruptStream = 'profile-int-corrupt';
    const e1 = await write('us', f.event({ stream: lostStream, type: 'Set', data: { a: 1 } }));
    const e2 = await write(
      'us',
      f.event({ stream: lostStream, type: 'Set', data: { b: 2 }, parents: [e1.id] }),
    );
    const c1 = await write(
      'eu',
      f.event({ stream: corruptStream, type: 'Set', data: { c: 3 }, origin: 'eu' }),
    );
    await appliedEverywhere([e1.id, e2.id, c1.id]);
    await waitFor(async () => (await concordInProcess(config, 'verify')).code === 0, {
      timeoutMs: 30_000,
      intervalMs: 500,
      message: 'converged before the faults',
    });

    await db.query('eu', 'delete from projection.events where id = $1', [e2.id]);
    await db.query(
      'ap',
      `update projection.streams set state = '{"hacked": true}' where stream = $1`,
      [corruptStream],
    );

    const text = await concordInProcess(config, 'verify');
    process.stderr.write(`$ concord verify\n${text.out}\n${text.err}\n`);
    expect(text.code).toBe(9);
    const broken = await concordInProcess(config, 'verify', '--json');
    expect(broken.code).toBe(9);
    expect(broken.err).toMatch(/^error NOT_CONVERGED/);
    const report = JSON.parse(broken.out) as {
      streams: { stream: string; kind: string; missing?: Record<string, string[]> }[];
      projectionMismatches: Record<string, { stream: string; problems: string[] }[]>;
    };
    expect(report.streams.map((s) => [s.stream, s.kind])).toEqual([[lostStream, 'events']]);
    expect(report.streams[0]!.missing).toEqual({ us: [], eu: [e2.id], ap: [] });
    expect(Object.keys(report.projectionMismatches).sort()).toEqual(['ap', 'eu']);
    expect(report.projectionMismatches['ap']!.map((m) => m.stream)).toEqual([corruptStream]);
    expect(report.projectionMismatches['ap']![0]!.problems).toEqual(['state']);
    expect(report.projectionMismatches['eu']!.map((m) => m.stream)).toEqual([lostStream]);

    // Anti-entropy: eu pulls e2 (its mirror consumed past it: provably lost, copied at once);
    // ap's stored state disagrees with its events on two comparisons an interval apart: recompute.
    const repairedAt = await waitFor(
      async () => {
        await Promise.all([...reconcilers.values()].map((r) => r.compareNow()));
        return (await concordInProcess(config, 'verify')).code === 0 ? Date.now() : false;
      },
      { timeoutMs: 30_000, intervalMs: 300, message: 'anti-entropy repaired both' },
    );
    expect(repairedAt).toBeGreaterThan(0);
    const eu = await reconcilers.get('eu')!.compareNow();
    expect(eu.converged).toBe(true);
    expect(eu.divergentStreams).toEqual([]);
    expect((await db.stream('ap', corruptStream))!.state).toEqual({ c: 3 });
    expect((await db.applied('eu', [e2.id])).size).toBe(1);
    const status = await concordInProcess(config, 'status', '--json');
    expect(status.code).toBe(0);
    const regions = (
      JSON.parse(status.out) as {
        regions: { region: string; reachable: boolean; status?: { divergentStreams: number } }[];
      }
    ).regions;
    expect(regions.map((r) => [r.region, r.reachable, r.status?.divergentStreams])).toEqual(
      REGIONS.map((r) => [r, true, 0]),
    );
  });
});
