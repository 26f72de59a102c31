import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WriterClient } from '@concord/chaos';
import { failoverOrder, ownerRegion, sleep, type Envelope } from '@concord/core';
import { concordInProcess, waitFor } from '@concord/test-support';
import type { ConvergenceReport } from './index.js';
import { DedicatedStack } from './testing/dedicatedStack.js';
import { RegionDbs } from './testing/regionDb.js';
import { runWorkload } from './testing/workload.js';

/*
 * The reconciler end to end: writer, mirror and reconciler of three regions as real processes
 * on a stack of their own (WAN links cut and healed for real), writes through the real
 * writers, convergence proven with `concord verify`.
 */

const FAILOVER_MS = 3000;
const INTERVAL_MS = 2000;
let env: DedicatedStack;
let db: RegionDbs;
let clients: WriterClient[];
const log = (line: string) => process.stderr.write(`[reconciler e2e] ${line}\n`);

const REGIONS = ['us', 'eu', 'ap'];
const ACCOUNTS = Array.from({ length: 6 }, (_, i) => `account-w${i}`);
const PROFILES = Array.from({ length: 6 }, (_, i) => `profile-w${i}`);

function client(region: string): WriterClient {
  return clients[REGIONS.indexOf(region)]!;
}

async function convergence(region: string): Promise<ConvergenceReport | undefined> {
  const res = await fetch(`${env.config.byRegion[region]!.reconciler.url}/v1/convergence`, {
    headers: { authorization: `Bearer ${env.tokens.adminToken}` },
  });
  return res.ok ? ((await res.json()) as ConvergenceReport) : undefined;
}

async function appliedEverywhere(ids: readonly string[], regions = REGIONS): Promise<void> {
  await waitFor(
    async () => {
      for (const r of regions) if ((await db.applied(r, ids)).size !== ids.length) return false;
      return true;
    },
    { timeoutMs: 60_000, intervalMs: 200, message: `${ids.length} events applied in ${regions}` },
  );
}

async function openConflicts(): Promise<number> {
  let n = 0;
  for (const r of REGIONS) {
    n += (
      await db.query<{ n: number }>(
        r,
        "select count(*)::int as n from projection.conflicts where status = 'open'",
      )
    )[0]!.n;
  }
  return n;
}

async function merges(region: string): Promise<Envelope[]> {
  return (
    await db.query<{ envelope: Envelope }>(
      region,
      "select envelope from projection.events where type = 'concord.merge' order by id",
    )
  ).map((r) => r.envelope);
}

/** Runs `concord verify` until it exits 0; the elapsed ms. */
async function verifyUntilConverged(timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const r = await concordInProcess(env.config, 'verify');
    if (r.code === 0) return Date.now() - started;
    if (Date.now() - started > timeoutMs) {
      throw new Error(`not converged after ${timeoutMs} ms:\n${r.out}\n${r.err}`);
    }
    await sleep(200);
  }
}

/** The checks every scenario ends with: one merge per conflict, the same everywhere. */
async function expectResolvedOnceEverywhere(): Promise<void> {
  await waitFor(async () => (await openConflicts()) === 0, {
    timeoutMs: 60_000,
    intervalMs: 250,
    message: 'no open conflict in any region',
  });
  await verifyUntilConverged(30_000);
  const byRegion = await Promise.all(REGIONS.map(merges));
  const ids = byRegion.map((list) => list.map((m) => m.id).join(','));
  expect(new Set(ids).size).toBe(1);
  const perConflict = new Map<string, Set<string>>();
  for (const m of byRegion[0]!) {
    const conflictId = String(m.data['conflictId']);
    perConflict.set(conflictId, (perConflict.get(conflictId) ?? new Set()).add(m.id));
  }
  for (const [conflictId, mergeIds] of perConflict) {
    expect([conflictId, mergeIds.size]).toEqual([conflictId, 1]);
  }
}

beforeAll(async () => {
  env = await DedicatedStack.start({
    CONCORD_OWNER_FAILOVER_MS: String(FAILOVER_MS),
    CONCORD_ANTI_ENTROPY_INTERVAL_MS: String(INTERVAL_MS),
  });
  db = new RegionDbs(env.config);
  clients = REGIONS.map(
    (r) => new WriterClient(r, env.config.byRegion[r]!.writer.url, env.tokens.apiToken),
  );
  // Accounts opened and funded from us, seen everywhere before the scenarios start.
  const ids: string[] = [];
  for (const stream of ACCOUNTS) {
    for (const body of [
      { type: 'Opened', data: {} },
      { type: 'Deposited', data: { amount: 5000 } },
    ]) {
      const outcome = await client('us').append(stream, body);
      if (!outcome.ok) throw new Error(`setup write failed: ${outcome.code} ${outcome.message}`);
      ids.push(outcome.event.id);
    }
  }
  await appliedEverywhere(ids);
});

afterAll(async () => {
  await db?.close();
  await env?.close();
});

describe('reconciler end to end (processes, own stack)', () => {
  it('reports no divergence under steady load without faults (at least 60 s and 1,000 writes)', async () => {
    let stop = false;
    const samples: {
      region: string;
      converged: boolean;
      divergent: number;
      splitBrain: boolean;
      reasons: readonly string[];
    }[] = [];
    const sampler = (async () => {
      while (!stop) {
        for (const region of REGIONS) {
          const report = await convergence(region);
          if (report)
            samples.push({
              region,
              converged: report.converged,
              divergent: report.divergentStreams.length,
              splitBrain: report.splitBrain.suspected,
              reasons: report.splitBrain.reasons,
            });
        }
        await sleep(1000);
      }
    })();
    const started = Date.now();
    let written = 0;
    const result = await runWorkload({
      clients,
      streams: [...ACCOUNTS, ...PROFILES],
      perRegionRate: 8,
      seed: 1,
      // Duration and volume both bound the run, not the machine's speed: a loaded machine takes
      // longer to reach 1,000 writes (3 × 8 writes/s paced, fewer when appends are slow).
      stop: () => Date.now() - started > 60_000 && written >= 1000,
      onWrite: () => {
        written++;
      },
    });
    stop = true;
    const elapsedS = (Date.now() - started) / 1000;
    await sampler;
    const inFlight = samples.filter((s) => !s.converged).length;
    const conflicts = await Promise.all(
      REGIONS.map(
        async (r) =>
          (
            await db.query<{ n: number }>(
              r,
              `select count(*)::int as n from projection.conflicts where detected_at > now() - interval '70 seconds'`,
            )
          )[0]!.n,
      ),
    );
    log(
      `steady load: ${result.ok} writes in ${elapsedS.toFixed(0)} s (${JSON.stringify(result.failed)} refused), conflicts detected per region ${conflicts.join('/')}, ${samples.length} convergence samples, ${inFlight} with in-flight differences, max divergent ${Math.max(...samples.map((s) => s.divergent))}, split-brain reasons ${JSON.stringify([...new Set(samples.flatMap((s) => s.reasons))])}`,
    );
    expect(result.ok).toBeGreaterThan(1000);
    // The sampler ran all along (about one sample per second and region).
    for (const region of REGIONS)
      expect(samples.filter((s) => s.region === region).length).toBeGreaterThanOrEqual(30);
    expect(samples.filter((s) => s.divergent > 0)).toEqual([]);
    expect(samples.filter((s) => s.splitBrain)).toEqual([]);
    await expectResolvedOnceEverywhere();
  });

  it('partition ap from us and eu for 20 s while all write; after heal verify converges, one merge per conflict, balances ≥ 0 everywhere', async () => {
    await env.stack.links.partition('ap', 'us');
    await env.stack.links.partition('ap', 'eu');
    const started = Date.now();
    const result = await runWorkload({
      clients,
      streams: [...ACCOUNTS, ...PROFILES],
      perRegionRate: 10,
      seed: 2,
      stop: () => Date.now() - started > 20_000,
    });
    await env.stack.links.heal();
    const healedAt = Date.now();
    log(
      `partition: ${result.ok} writes in 20 s (${JSON.stringify(result.failed)} refused); healed`,
    );
    const verifyMs = await verifyUntilConverged(60_000);
    await waitFor(async () => (await openConflicts()) === 0, {
      timeoutMs: 60_000,
      intervalMs: 100,
      message: 'every conflict resolved',
    });
    const resolvedMs = Date.now() - healedAt;
    // Each reconciler's own measurement (concord_convergence_seconds) of this convergence.
    const measured = await Promise.all(
      REGIONS.map((r) =>
        waitFor(
          async () => {
            const c = await convergence(r);
            return c?.converged && Date.parse(c.comparedAt) > healedAt ? c : undefined;
          },
          { timeoutMs: 60_000, intervalMs: 200, message: `${r} compared converged after heal` },
        ),
      ),
    );
    log(
      `after heal: verify exit 0 after ${(verifyMs / 1000).toFixed(1)} s; no open conflict after ${(resolvedMs / 1000).toFixed(1)} s; concord_convergence_seconds ${measured.map((c, i) => `${REGIONS[i]} ${c.convergenceSeconds}`).join(', ')}`,
    );
    // How fast it converges is `concord bench convergence`'s to measure; here: it converges.
    await expectResolvedOnceEverywhere();
    const balances = await Promise.all(
      REGIONS.map((r) =>
        db.query<{ stream: string; balance: string }>(
          r,
          'select stream, balance::text from projection.account_balances order by stream',
        ),
      ),
    );
    expect(balances[0]!.length).toBe(ACCOUNTS.length);
    for (const b of balances) expect(b).toEqual(balances[0]);
    for (const { balance } of balances[0]!) expect(Number(balance)).toBeGreaterThanOrEqual(0);
    const states = await Promise.all(
      REGIONS.map(async (r) =>
        Promise.all(ACCOUNTS.map(async (s) => (await db.stream(r, s))!.state)),
      ),
    );
    for (const s of states) expect(s).toEqual(states[0]);

    // What an operator sees now (printed for docs/reconciler.md).
    const list = await concordInProcess(
      env.config,
      'conflicts',
      'list',
      '--region',
      'us',
      '--limit',
      '3',
      '--json',
    );
    const first = (JSON.parse(list.out) as { conflicts: { id: string }[] }).conflicts[0];
    for (const args of [
      ['status'],
      ['verify'],
      ['conflicts', 'list', '--region', 'us', '--limit', '3'],
      ...(first ? [['conflicts', 'show', first.id, '--region', 'us']] : []),
    ]) {
      const r = await concordInProcess(env.config, ...args);
      expect(r.code).toBe(0);
      log(`$ concord ${args.join(' ')}\n${r.out}${r.err ? `\n${r.err}` : ''}`);
    }
  });

  it("kills the owner's reconciler during a partition: the next region resolves after the failover time; the owner's return adds no second resolution", async () => {
    // An eu-owned stream: failover order eu → us → ap, and us sees eu's writes while ap is cut off.
    let stream = '';
    for (let i = 0; ; i++) {
      stream = `profile-fo${i}`;
      if (ownerRegion(stream, REGIONS) === 'eu') break;
    }
    expect(failoverOrder(stream, REGIONS)).toEqual(['eu', 'us', 'ap']);
    await env.stack.links.partition('ap', 'us');
    await env.stack.links.partition('ap', 'eu');
    await env.killReconciler('eu');
    const killedAt = Date.now();
    const root = await client('us').append(stream, { type: 'ProfileUpdated', data: { v: 0 } });
    if (!root.ok) throw new Error(root.message);
    await appliedEverywhere([root.event.id], ['us', 'eu']);
    const [a, b] = await Promise.all([
      client('us').append(stream, { type: 'ProfileUpdated', data: { v: 1 } }),
      client('eu').append(stream, { type: 'ProfileUpdated', data: { v: 2 } }),
    ]);
    if (!a?.ok || !b?.ok) throw new Error('fork writes failed');
    // If the writes did not fork (one saw the other), there is nothing to resolve: fail loudly.
    await appliedEverywhere([a.event.id, b.event.id], ['us', 'eu']);
    const merge = await waitFor(
      async () => {
        const found = (await merges('us')).filter((m) => m.stream === stream);
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, message: `a merge of ${stream} in us` },
    );
    const resolvedAfter = Date.now() - killedAt;
    log(
      `failover: eu's reconciler killed; us resolved ${stream} ${(resolvedAfter / 1000).toFixed(1)} s later`,
    );
    expect(merge).toHaveLength(1);
    expect(merge[0]!.origin).toBe('eu');
    expect(merge[0]!.meta.signedBy).toBe('us');
    expect(resolvedAfter).toBeGreaterThanOrEqual(FAILOVER_MS);

    await env.startReconciler('eu');
    await sleep(3000);
    await env.stack.links.heal();
    await expectResolvedOnceEverywhere();
    for (const r of REGIONS) {
      expect((await merges(r)).filter((m) => m.stream === stream).map((m) => m.id)).toEqual([
        merge[0]!.id,
      ]);
    }
  });

  it('injected divergence (a deleted event row, a corrupted state): verify names exactly those; anti-entropy repairs both', async () => {
    const lost = 'profile-e2e-lost';
    const corrupt = ACCOUNTS[0]!;
    const e1 = await client('us').append(lost, { type: 'ProfileUpdated', data: { a: 1 } });
    const e2 = await client('us').append(lost, { type: 'ProfileUpdated', data: { b: 2 } });
    if (!e1.ok || !e2.ok) throw new Error('writes failed');
    await appliedEverywhere([e1.event.id, e2.event.id]);
    await verifyUntilConverged(30_000);
    // Inject right after eu's and ap's reconcilers finished a converged comparison, so the
    // next one is a full interval away and verify sees the damage before it is repaired.
    const after = Date.now();
    await waitFor(
      async () => {
        const [eu, ap] = await Promise.all([convergence('eu'), convergence('ap')]);
        return (
          eu?.converged &&
          ap?.converged &&
          Date.parse(eu.comparedAt) > after &&
          Date.parse(ap.comparedAt) > after
        );
      },
      { timeoutMs: 30_000, intervalMs: 50, message: 'fresh converged comparisons' },
    );
    const goodState = (await db.stream('ap', corrupt))!.state;
    await db.query('eu', 'delete from projection.events where id = $1', [e2.event.id]);
    await db.query(
      'ap',
      `update projection.streams set state = '{"balance": 1000000}' where stream = $1`,
      [corrupt],
    );
    const injectedAt = Date.now();
    const broken = await concordInProcess(env.config, 'verify', '--json');
    expect(broken.code).toBe(9);
    const report = JSON.parse(broken.out) as {
      streams: { stream: string; kind: string; missing?: Record<string, string[]> }[];
      projectionMismatches: Record<string, { stream: string; problems: string[] }[]>;
    };
    expect(report.streams.map((s) => [s.stream, s.kind, s.missing])).toEqual([
      [lost, 'events', { us: [], eu: [e2.event.id], ap: [] }],
    ]);
    expect(
      Object.fromEntries(
        Object.entries(report.projectionMismatches).map(([r, l]) => [r, l.map((m) => m.stream)]),
      ),
    ).toEqual({ eu: [lost], ap: [corrupt] });

    const repairMs = await verifyUntilConverged(60_000);
    log(
      `injected divergence repaired by anti-entropy ${((Date.now() - injectedAt) / 1000).toFixed(1)} s after injection`,
    );
    expect(repairMs).toBeGreaterThan(0);
    expect((await db.stream('ap', corrupt))!.state).toEqual(goodState);
    expect((await db.applied('eu', [e2.event.id])).size).toBe(1);
  });
});
