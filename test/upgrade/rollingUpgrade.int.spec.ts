import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyRegions, WriterClient, type AppendBody } from '@concord/chaos';
import {
  DomainRegistry,
  SCHEMA_UPGRADE_DEPENDENCY,
  sleep,
  withWriteVersions,
  type Envelope,
  type RegionId,
} from '@concord/core';
import {
  accountDomain,
  accountDomainV1,
  cartDomain,
  defaultDomains,
  profileDomain,
} from '@concord/domains';
import type { ConvergenceReport } from '@concord/reconciler';
import { cleanupNamespace, createDatabases, createTopics, waitFor } from '@concord/test-support';
import { API_TOKEN, RegionDbs, UpgradeCluster } from './UpgradeCluster.js';

/*
 * A rolling upgrade of a domain, for real: three regions on the local stack (Kafka, Postgres,
 * Redis), writer + mirror + reconciler per region, writes through the writers' HTTP API.
 * The change: account `Deposited` / `Withdrawn` gain a `currency` (schema version 2, upcast
 * from v1). Steps (docs/schema-evolution.md):
 *   0. every region runs the previous release (v1 only);
 *   1. expand: us runs the new release (reads v1 and v2, writes v1) — all converge;
 *   2. contract too early: us writes v2 while eu and ap still run the previous release — they
 *      hold the v2 events (and park what depends on them), fold nothing they cannot read, and
 *      the reconcilers report a version gap, never divergence;
 *   3. eu and ap are upgraded (restarted with the new release): the held events apply at
 *      start-up and every region converges;
 *   4. contract everywhere: every region writes v2 — all converge.
 * Convergence is proven by `concord verify` and by the independent verifier of the chaos
 * checker (event sets, states folded again from the stored events, in every region).
 */

const REGIONS: RegionId[] = ['us', 'eu', 'ap'];
/** The previous release: account events are v1 only. */
const PREVIOUS = new DomainRegistry([accountDomainV1, cartDomain, profileDomain]);
/** The new release as shipped: reads v1 and v2, writes v1 (expand). */
const EXPAND = new DomainRegistry(defaultDomains);
/** The new release with the write version raised (contract). */
const CONTRACT = new DomainRegistry([
  withWriteVersions(accountDomain, { Deposited: 2, Withdrawn: 2 }),
  cartDomain,
  profileDomain,
]);
const ACCOUNTS = ['account-ru1', 'account-ru2', 'account-ru3'];

let cluster: UpgradeCluster;
let db: RegionDbs;
const written: string[] = [];
const log = (line: string) => process.stderr.write(`[rolling upgrade] ${line}\n`);

function client(region: RegionId): WriterClient {
  return new WriterClient(region, cluster.services(region).writer.url, API_TOKEN);
}

async function write(region: RegionId, stream: string, body: AppendBody): Promise<Envelope> {
  const outcome = await client(region).append(stream, body);
  if (!outcome.ok)
    throw new Error(`${region} ${stream} ${body.type}: ${outcome.code} ${outcome.message}`);
  written.push(outcome.event.id);
  return outcome.event;
}

async function appliedIn(regions: readonly RegionId[], ids: readonly string[]): Promise<void> {
  await waitFor(
    async () => {
      for (const r of regions) if ((await db.applied(r, ids)).size !== ids.length) return false;
      return true;
    },
    { timeoutMs: 60_000, intervalMs: 200, message: `${ids.length} events applied in ${regions}` },
  );
}

/** Everything written so far applied everywhere, nothing parked, no open conflict, verified. */
async function converged(registry: DomainRegistry): Promise<void> {
  await appliedIn(REGIONS, written);
  await waitFor(
    async () => {
      for (const r of REGIONS) {
        if ((await db.openConflicts(r)) > 0 || (await db.pending(r)).size > 0) return false;
      }
      return (await cluster.concord('verify')).code === 0;
    },
    { timeoutMs: 90_000, intervalMs: 500, message: 'concord verify: converged' },
  );
  const independent = await verifyRegions(cluster.config, registry);
  expect({
    differing: independent.differing,
    missing: independent.missing,
    mismatches: independent.projectionMismatches,
  }).toEqual({ differing: [], missing: {}, mismatches: {} });
  expect(independent.converged).toBe(true);
}

/** Each region's stored events carrying a schema version, by region. */
async function versioned(): Promise<Record<RegionId, number>> {
  const counts: Record<RegionId, number> = {};
  for (const r of REGIONS) {
    const rows = await db.query<{ n: number }>(
      r,
      "select count(*)::int as n from projection.events where envelope->'meta' ? 'schemaVersion'",
    );
    counts[r] = rows[0]!.n;
  }
  return counts;
}

/** Concurrent writes in every region: deposits and withdrawals on shared accounts, profiles, carts. */
async function workload(tag: string, withCurrency: (region: RegionId) => boolean): Promise<void> {
  await Promise.all(
    REGIONS.map(async (region, i) => {
      for (let n = 0; n < 4; n++) {
        const account = ACCOUNTS[(i + n) % ACCOUNTS.length]!;
        const money = (amount: number) =>
          withCurrency(region) ? { amount, currency: 'EUR' } : { amount };
        await write(region, account, { type: 'Deposited', data: money(20 + n) });
        await write(region, account, { type: 'Withdrawn', data: money(5 + i) });
        await write(region, `profile-ru${n % 2}`, {
          type: 'ProfileUpdated',
          data: { [`${region}${tag}`]: n },
        });
        await write(region, `cart-ru${i}`, {
          type: 'ItemAdded',
          data: { sku: `${tag}-${n}`, quantity: 1 },
        });
      }
    }),
  );
}

async function report(region: RegionId): Promise<ConvergenceReport> {
  return cluster.services(region).reconciler.compareNow();
}

beforeAll(async () => {
  cluster = await UpgradeCluster.create(REGIONS);
  await Promise.all([createTopics(cluster.config), createDatabases(cluster.config)]);
  db = new RegionDbs(cluster.config);
  for (const r of REGIONS) await cluster.start(r, PREVIOUS);
}, 180_000);

afterAll(async () => {
  await cluster?.close();
  await db?.close();
  if (cluster) await cleanupNamespace(cluster.config);
}, 120_000);

describe('rolling upgrade of the account domain (schema version 2)', () => {
  it('0. every region on the previous release: accounts opened and funded', async () => {
    for (const account of ACCOUNTS) {
      await write('us', account, { type: 'Opened', data: {} });
      await write('us', account, { type: 'Deposited', data: { amount: 1000 } });
    }
    await converged(PREVIOUS);
  }, 150_000);

  it('1. expand: us reads v1 and v2 but writes v1; writes in every region converge', async () => {
    await cluster.upgrade('us', EXPAND);
    // Clients of us already send the v2 payload; the others the v1 one.
    await workload('a', (region) => region === 'us');
    await converged(EXPAND);
    // Nothing but v1 was written, so the previous release reads every event there is ...
    expect(await versioned()).toEqual({ us: 0, eu: 0, ap: 0 });
    // ... and folds it to the very states the new release computes (both verifiers agree).
    expect((await verifyRegions(cluster.config, PREVIOUS)).converged).toBe(true);
    // The conflicts of the shared accounts were resolved once, with the same merge everywhere.
    const merges = await Promise.all(
      REGIONS.map(async (r) =>
        (
          await db.query<{ id: string }>(
            r,
            "select id from projection.events where type = 'concord.merge' order by id",
          )
        ).map((m) => m.id),
      ),
    );
    expect(new Set(merges.map((m) => m.join())).size).toBe(1);
    log(`expand: ${written.length} events, ${merges[0]!.length} merges, converged`);
  }, 170_000);

  it('2. contract too early: eu and ap hold the v2 events, fold nothing they cannot read, report a version gap', async () => {
    await cluster.upgrade('us', CONTRACT);
    const deposit = await write('us', 'account-ru1', {
      type: 'Deposited',
      data: { amount: 10, currency: 'EUR' },
    });
    expect(deposit.meta.schemaVersion).toBe(2);
    expect(deposit.data).toEqual({ amount: 10, currency: 'EUR' });
    const withdrawal = await write('us', 'account-ru1', { type: 'Withdrawn', data: { amount: 3 } });
    expect(withdrawal.parents).toEqual([deposit.id]);
    // A v1 event of another stream that depends on the v2 deposit.
    const dependant = await write('us', 'profile-ru0', {
      type: 'ProfileUpdated',
      data: { afterV2: true },
      causedBy: deposit.id,
    });
    expect(dependant.meta.schemaVersion).toBeUndefined();
    // eu and ap keep writing v1 (one of them concurrently with the held events).
    const euWrite = await write('eu', 'account-ru2', { type: 'Deposited', data: { amount: 5 } });
    const apWrite = await write('ap', 'account-ru1', { type: 'Deposited', data: { amount: 7 } });
    await appliedIn(REGIONS, [euWrite.id, apWrite.id]);
    await appliedIn(['us'], [deposit.id, withdrawal.id, dependant.id]);

    for (const r of ['eu', 'ap'] as const) {
      // Parked durably: the deposit held for its schema version, the rest waiting for it.
      await waitFor(
        async () => {
          const pending = await db.pending(r);
          return (
            pending.get(deposit.id)?.join() === SCHEMA_UPGRADE_DEPENDENCY &&
            pending.get(withdrawal.id)?.join() === deposit.id &&
            pending.get(dependant.id)?.join() === deposit.id
          );
        },
        { timeoutMs: 30_000, intervalMs: 200, message: `${r}: v2 events held` },
      );
      const applied = await db.applied(r, [deposit.id, withdrawal.id, dependant.id]);
      expect(applied.size).toBe(0);
      // Visible in status and metrics, as a distinct reason.
      const status = await cluster.services(r).mirror.status();
      expect(status.pending.schema).toMatchObject({
        count: 1,
        kinds: [{ category: 'account', type: 'Deposited', version: 2, count: 1 }],
      });
      await waitFor(
        async () => {
          const text = await (await fetch(`${cluster.services(r).mirror.url}/metrics`)).text();
          return (
            /concord_mirror_pending_schema_events\{[^}]*type="Deposited"[^}]*\} 1/.test(text) &&
            /concord_mirror_schema_held_total(\{[^}]*\})? 1/.test(text)
          );
        },
        { timeoutMs: 10_000, intervalMs: 250, message: `${r}: schema metrics` },
      );
    }
    // No region folded an event it cannot interpret.
    expect(await versioned()).toEqual({ us: 2, eu: 0, ap: 0 });

    // The reconcilers: a version gap, never divergence, nothing copied; verify says what differs.
    const started = Date.now();
    let rounds = 0;
    while (Date.now() - started < 5000 || rounds < 4) {
      for (const r of REGIONS) {
        const rep = await report(r);
        expect(rep.divergentStreams).toEqual([]);
        expect(rep.repairs.copied).toBe(0);
        expect(rep.converged).toBe(false);
        expect(rep.versionGaps['eu']?.events).toBe(1);
        expect(rep.versionGaps['ap']?.events).toBe(1);
        const eu = new Map((rep.missing['eu'] ?? []).map((m) => [m.id, m.status]));
        expect(eu.get(deposit.id)).toBe('schema-version');
        expect(eu.get(withdrawal.id)).toBe('pending');
        expect(eu.get(dependant.id)).toBe('pending');
      }
      rounds++;
      await sleep(1100);
    }
    const verify = await cluster.concord('verify');
    expect(verify.code).not.toBe(0);
    // The independent verifier (newest code): eu and ap lack exactly what they hold back, and
    // every stored projection agrees with its own events.
    const independent = await verifyRegions(cluster.config, EXPAND);
    expect(independent.projectionMismatches).toEqual({});
    for (const r of ['eu', 'ap']) {
      expect(new Set(independent.missing[r])).toEqual(new Set((await db.pending(r)).keys()));
    }
    log(`contract too early: held in eu and ap for ${Date.now() - started} ms, no divergence`);
  }, 170_000);

  it('3. eu and ap upgraded: the held events apply at start-up, all regions converge', async () => {
    await cluster.upgrade('eu', EXPAND);
    await cluster.upgrade('ap', EXPAND);
    for (const r of ['eu', 'ap'] as const) {
      const stats = cluster.services(r).mirror.stats();
      expect(stats.schemaReleased).toBeGreaterThanOrEqual(1);
    }
    await converged(EXPAND);
    expect(await versioned()).toEqual({ us: 2, eu: 2, ap: 2 });
    for (const r of REGIONS) {
      const status = await cluster.services(r).mirror.status();
      expect(status.pending.schema.count).toBe(0);
      const rep = await report(r);
      expect(rep.versionGaps).toEqual({});
    }
  }, 170_000);

  it('4. contract everywhere: every region writes v2; all converge', async () => {
    await cluster.upgrade('eu', CONTRACT);
    await cluster.upgrade('ap', CONTRACT);
    const before = await versioned();
    await workload('c', () => false);
    await converged(CONTRACT);
    const after = await versioned();
    // Every region wrote 4 deposits and 4 withdrawals, all v2 (plus merges: never versioned).
    for (const r of REGIONS) expect(after[r]! - before[r]!).toBe(24);
    // The balances read model follows the module with raised write versions, equal everywhere.
    const balances = await Promise.all(
      REGIONS.map((r) =>
        db.query<{ stream: string; balance: string; state: { balance: number } }>(
          r,
          `select b.stream, b.balance::text as balance, s.state
             from projection.account_balances b join projection.streams s using (stream)
            order by b.stream`,
        ),
      ),
    );
    for (const rows of balances) {
      expect(rows.map((row) => row.stream)).toEqual(ACCOUNTS);
      for (const row of rows) expect(Number(row.balance)).toBe(row.state.balance);
    }
    expect(new Set(balances.map((rows) => JSON.stringify(rows))).size).toBe(1);
    log(`contract: ${written.length} events in total, converged`);
  }, 170_000);
});
